"""Suggestions read from the text: number attributes, speakers, direct or reported speech."""

from decimal import Decimal

import pytest

from annotations.numbers import read_number, suggest_speaker, suggest_speech_type


@pytest.mark.parametrize(
    ("text", "value", "unit", "scale", "qualifier", "counts"),
    [
        ("US$518.4 billion", "518400000000", "USD", "billion", "", ""),
        ("more than 200", "200", "", "", "more than", ""),
        ("30 percent", "30", "percent", "", "", ""),
        ("nearly 40 million", "40000000", "", "million", "nearly", ""),
        ("17,000", "17000", "", "", "", ""),
        ("1.5 billion people", "1500000000", "", "billion", "", "people"),
        ("€2.3bn in sales", "2300000000", "EUR", "bn", "", ""),
        ("$5m", "5000000", "USD", "m", "", ""),
        ("-3.5%", "-3.5", "percent", "", "", ""),
        ("30 per cent of voters", "30", "percent", "", "", ""),
        ("about 1,200 people were", "1200", "", "", "about", "people"),
        ("four percentage points", "4", "percentage points", "", "", ""),
        ("twenty-five jobs", "25", "", "", "", "jobs"),
        ("a million homes", "1000000", "", "million", "", "homes"),
    ],
)
def test_read_number_reads_value_unit_scale_qualifier_and_counts(
    text, value, unit, scale, qualifier, counts
):
    reading = read_number(text)
    assert reading.value == Decimal(value)
    assert (reading.unit, reading.scale, reading.qualifier, reading.counts) == (
        unit,
        scale,
        qualifier,
        counts,
    )


def test_read_number_reads_an_ordinal():
    reading = read_number("the 80th anniversary")
    assert reading.ordinal and reading.value == 80
    assert reading.counts == "anniversary"
    assert reading.attributes()["number_unit"] == "ordinal"


def test_read_number_gives_a_plain_value_for_the_form_field():
    assert str(read_number("US$518.4 billion").value) == "518400000000"


def test_read_number_takes_qualifier_and_counts_from_the_text_around_the_span():
    reading = read_number("200", before="were built. More than ", after=" projects were")
    assert (reading.value, reading.qualifier, reading.counts) == (200, "more than", "projects")


def test_read_number_does_not_read_metres_as_millions():
    reading = read_number("5m")
    assert reading.value == 5 and reading.scale == ""


def test_read_number_says_nothing_without_a_figure():
    assert read_number("the minister").value is None


def test_read_number_attributes_name_the_model_fields():
    assert read_number("more than 200").attributes() == {
        "number_value": Decimal(200),
        "number_unit": "",
        "number_scale": "",
        "number_qualifier": "more than",
        "number_counts": "",
    }


BODY = (
    "The minister said “exports rose 30 percent to US$518.4 billion” in 2024.\n\n"
    "More than 200 projects were built, officials said.\n\n"
    "“We will win,” said Jane Doe, the party leader. He said the economy grew. "
    "According to the World Bank, growth slowed. Smith on Monday also noted that prices rose."
)


@pytest.mark.parametrize(
    ("phrase", "speaker"),
    [
        ("exports rose 30 percent", "The minister"),  # X said
        ("More than 200 projects", "officials"),  # …, officials said
        ("We will win", "Jane Doe"),  # “…,” said X
        ("growth slowed", "the World Bank"),  # according to X
        ("prices rose", "Smith"),  # X noted, with the time phrase skipped
        ("the economy grew", ""),  # "he said": the nearest attribution names nobody
    ],
)
def test_suggest_speaker_finds_the_nearest_attribution_in_the_paragraph(phrase, speaker):
    start = BODY.index(phrase)
    assert suggest_speaker(BODY, start, start + len(phrase)) == speaker


def test_suggest_speaker_stays_inside_the_paragraph():
    body = "Officials said so.\n\nExports rose again."
    start = body.index("Exports")
    assert suggest_speaker(body, start, start + 7) == ""


def test_suggest_speaker_ignores_nouns_that_look_like_verbs():
    body = "Latin American and Caribbean States agreed on 30 projects."
    start = body.index("30")
    assert suggest_speaker(body, start, start + 11) == ""


@pytest.mark.parametrize(
    ("phrase", "speech_type"),
    [
        ("exports rose 30 percent to US$518.4 billion", "direct"),
        ("“exports rose 30 percent to US$518.4 billion”", "direct"),
        ("More than 200 projects were built", "reported"),
    ],
)
def test_suggest_speech_type_is_direct_inside_quotation_marks(phrase, speech_type):
    start = BODY.index(phrase)
    assert suggest_speech_type(BODY, start, start + len(phrase)) == speech_type


def test_suggest_speech_type_at_the_start_of_the_text():
    assert suggest_speech_type("Growth slowed.", 0, 6) == "reported"
