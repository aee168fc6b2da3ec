"""`text.sentence_around`: the sentence a figure belongs to (what ClaimReview says of a number)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.text import sentence_around


def sentence_of(body: str, figure: str) -> str:
    start = body.index(figure)
    sentence_start, sentence_end = sentence_around(body, start, start + len(figure))
    return body[sentence_start:sentence_end]


@pytest.mark.parametrize(
    ("body", "figure", "sentence"),
    [
        ("It rose. Exports hit US$518.4 billion in 2024. Then fell.", "US$518.4 billion",
         "Exports hit US$518.4 billion in 2024."),
        ("Title\nPolice arrested 200 people\n\nNext paragraph.", "200",
         "Police arrested 200 people"),
        ("He said: “We built 200.” Others disagreed.", "200", "He said: “We built 200.”"),
        ("Why 12 million? Nobody knows.", "12 million", "Why 12 million?"),
        ("Mr. Smith paid 40 dollars. Dr. Jones paid 50.", "40", "Mr. Smith paid 40 dollars."),
        ("Mr. Smith paid 40 dollars. Dr. Jones paid 50.", "50", "Dr. Jones paid 50."),
        ("The U.S. spent 5 bn in 2024. Next.", "5 bn", "The U.S. spent 5 bn in 2024."),
        ("北京建了200个项目。官员说。", "200", "北京建了200个项目。"),
        ("   200 lines of text   ", "200", "200 lines of text"),
    ],
)  # fmt: skip
def test_the_sentence_around_a_figure(body, figure, sentence):
    assert sentence_of(body, figure) == sentence


def test_a_span_over_two_sentences_gets_both():
    body = "First 1. Second 2. Third 3."

    start, end = sentence_around(body, body.index("1"), body.index("2") + 1)

    assert body[start:end] == "First 1. Second 2."


@given(st.text(alphabet="ab .!?\n。”", max_size=40), st.data())
def test_the_sentence_always_holds_the_span(body, data):
    if not body:
        return
    start = data.draw(st.integers(0, len(body) - 1))
    end = data.draw(st.integers(start + 1, len(body)))

    sentence_start, sentence_end = sentence_around(body, start, end)

    assert 0 <= sentence_start <= start < end <= sentence_end <= len(body)
