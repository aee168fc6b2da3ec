"""Spans never cut a user-perceived character: an emoji sequence, a flag, a letter and its mark.

`text.is_grapheme_boundary` follows Unicode's extended grapheme clusters (UAX #29, as the
`regex` module's `\\X` implements them); the workflow refuses a span whose ends are not
boundaries, whatever the browser sent.
"""

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from annotations import workflow
from annotations.models import Annotation, Kind
from annotations.text import grapheme_split_problem, is_grapheme_boundary

from .factories import ArticleFactory

FAMILY = "👩\u200d👩\u200d👧"  # woman, ZWJ, woman, ZWJ, girl: one character on screen
FLAGS = "🇫🇷🇩🇪"  # two flags, four regional indicators
WAVE = "👋🏽"  # waving hand and a skin tone modifier
E_ACUTE = "e\u0301"  # e and a combining acute accent (not composed by NFC in every script)
KEYCAP = "1\ufe0f\u20e3"


@pytest.mark.parametrize(
    ("text", "boundaries"),
    [
        ("ab", [0, 1, 2]),
        (E_ACUTE, [0, 2]),
        (FLAGS, [0, 2, 4]),
        (FAMILY, [0, 5]),
        (WAVE, [0, 2]),
        (KEYCAP, [0, 3]),
        ("\r\n", [0, 2]),
        ("\u1100\u1161\u11a8", [0, 3]),  # a Hangul syllable written as three jamo
        ("a\nb", [0, 1, 2, 3]),
        ("x " + FLAGS * 3, [0, 1, 2, 4, 6, 8, 10, 12, 14]),
    ],
)
def test_grapheme_boundaries(text, boundaries):
    assert [index for index in range(len(text) + 1) if is_grapheme_boundary(text, index)] == (
        boundaries
    )


PIECES = ["a", "b", " ", "\n", "\r", ".", "é", "e", "\u0301", "\u200d", "\ufe0f", "👩", "👧",
          "🏽", "🇫", "🇷", "世", "\u1100", "\u1161", "\u0915", "\u094d", "\u0937"]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_boundaries_agree_with_segmenting_the_whole_text(text):
    expected = {0} | {match.end() for match in regex.finditer(r"\X", text)}

    assert {i for i in range(len(text) + 1) if is_grapheme_boundary(text, i)} == expected


def test_a_span_that_cuts_a_character_is_described():
    body = f"Paris {FLAGS} and {FAMILY}."
    flag_start = body.index(FLAGS)

    assert grapheme_split_problem(body, flag_start, flag_start + 2) is None
    assert "start" not in (grapheme_split_problem(body, flag_start, flag_start + 1) or "")
    assert "end" in grapheme_split_problem(body, flag_start, flag_start + 1)
    assert "start" in grapheme_split_problem(body, flag_start + 1, flag_start + 4)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("phrase", "cut"),
    [(FLAGS, (0, 1)), (FAMILY, (0, 2)), (f"caf{E_ACUTE}", (0, 4)), (WAVE, (1, 2))],
)
def test_the_workflow_refuses_a_span_that_cuts_a_character(annotator, phrase, cut):
    article = ArticleFactory(body=f"They said {phrase} twice.")
    start = article.body.index(phrase) + cut[0]
    end = article.body.index(phrase) + cut[1]

    with pytest.raises(workflow.WorkflowError, match="cuts a character"):
        workflow.annotation_create(
            article=article,
            author=annotator,
            kind=Kind.CLAIM,
            start=start,
            end=end,
            exact=article.body[start:end],
        )
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_the_workflow_accepts_whole_characters(annotator):
    article = ArticleFactory(body=f"They said {FLAGS} and {FAMILY} café.")
    start = article.body.index(FLAGS)
    end = article.body.index(FAMILY) + len(FAMILY)

    annotation = workflow.annotation_create(
        article=article,
        author=annotator,
        kind=Kind.CLAIM,
        start=start,
        end=end,
        exact=article.body[start:end],
    )

    assert annotation.exact == f"{FLAGS} and {FAMILY}"
