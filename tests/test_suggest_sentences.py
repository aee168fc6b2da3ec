"""The sentence segmenter behind the check-worthiness engine."""

import pytest

from annotations.suggest.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. J. Smith paid US$4.2 billion. Trade rose 3.5 percent.",
            ["Mr. J. Smith paid US$4.2 billion.", "Trade rose 3.5 percent."],
        ),
        (
            "The U.S. Army left at 5 p.m. Then it rained!",
            ["The U.S. Army left at 5 p.m.", "Then it rained!"],
        ),
        (
            "He said: “We won. They lost.” The crowd cheered.",
            ["He said: “We won.", "They lost.”", "The crowd cheered."],
        ),
        (
            "“Yes,” he said. Growth of the EU. In the current context, no.",
            ["“Yes,” he said.", "Growth of the EU.", "In the current context, no."],
        ),
        ("Is it true? “Nobody knows,” she said.", ["Is it true?", "“Nobody knows,” she said."]),
    ],
)
def test_sentences_end_at_stops_but_not_at_abbreviations_decimals_or_initials(text, expected):
    assert sentences(text) == expected


def test_lines_and_paragraphs_always_end_a_sentence_and_bullets_are_left_out():
    text = "Its main findings:\n\n  •\u2002Fares will be capped.\n  • Track will be electrified"
    assert sentences(text) == [
        "Its main findings:",
        "Fares will be capped.",
        "Track will be electrified",
    ]


def test_offsets_point_into_the_body():
    text = "Première phrase 🚢. Deuxième phrase."
    assert split_sentences(text) == [(0, 18), (19, 35)]
