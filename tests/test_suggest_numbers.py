"""The numbers engine: every numeric expression typed, with an exact value (issue 9)."""

from decimal import Decimal

import pytest

from annotations.suggest import numbers
from annotations.suggest.numbers import find_numbers, read_number


def only(text: str, exact: str):
    """The one proposal whose span is `exact`."""
    found = [p for p in find_numbers(text) if text[p.start : p.end] == exact]
    assert len(found) == 1, [text[p.start : p.end] for p in find_numbers(text)]
    return found[0]


def spans(text: str) -> list[str]:
    return [text[p.start : p.end] for p in find_numbers(text)]


@pytest.mark.parametrize(
    "text",
    [
        "the overbearing fascist powers. Eighty years later today",  # "rs." is not rupees
        "Among others 10 percent of the vote",  # "rs" inside "others"
        "an amateur 5 kilometre race",  # "eur" inside "amateur"
    ],
)
def test_a_currency_needs_a_word_boundary(text):
    for proposal in find_numbers(text):
        assert proposal.attributes["number_unit"] not in ("INR", "EUR")
        assert proposal.details["type"] != "money"


def test_percent_is_kept_after_a_word_ending_like_a_currency():
    proposal = only("Among others 10 percent of the vote", "10 percent")
    assert proposal.details["type"] == "percent"
    assert proposal.attributes["number_value"] == 10


@pytest.mark.parametrize(
    ("text", "exact", "counts"),
    [
        ("provided 17,000 government scholarships and", "17,000", "scholarships"),
        ("documents with 19 regional countries, and", "19", "countries"),
        ("his second official visit during his third term", "second", "visit"),
        ("More than 200 infrastructure projects were built", "200", "projects"),
        ("over 1.5 billion people marching toward", "1.5 billion", "people"),
        ("Of the 33 member states of CELAC, 28 attended, along", "28", ""),
        ("What binds the two sides together?", "two", "sides"),
    ],
)
def test_what_a_number_counts_is_the_head_noun(text, exact, counts):
    assert only(text, exact).attributes["number_counts"] == counts


def test_a_date_reads_as_an_iso_date_not_its_day():
    proposal = only("held in Tegucigalpa on April 9, 2025.", "April 9, 2025")
    assert proposal.details == {"type": "date", "iso_date": "2025-04-09"}
    assert proposal.attributes["number_value"] is None
    assert proposal.attributes["number_unit"] == "date"


def test_a_date_without_a_year_does_not_guess_one():
    assert only("on April 9 we drew", "April 9").details["iso_date"] == "--04-09"


def test_a_year_is_a_year_not_a_plain_number():
    proposal = only("reaching US$518.4 billion in 2024.", "2024")
    assert proposal.details["type"] == "year"
    assert (proposal.attributes["number_value"], proposal.attributes["number_unit"]) == (
        2024,
        "year",
    )


def test_a_decade_is_a_year_with_its_unit():
    proposal = only("From the 1960s onward", "1960s")
    assert (proposal.attributes["number_value"], proposal.attributes["number_unit"]) == (
        1960,
        "decade",
    )


@pytest.mark.parametrize(
    ("text", "exact", "at_least"),
    [
        ("the lives of hundreds of millions across the region", "hundreds of millions", 200000000),
        ("thousands of people gathered", "thousands", 2000),
        ("dozens of projects", "dozens", 24),
    ],
)
def test_a_vague_quantity_says_the_least_it_means_and_no_value(text, exact, at_least):
    proposal = only(text, exact)
    assert proposal.details["type"] == "vague"
    assert proposal.details["at_least"] == at_least
    assert proposal.attributes["number_value"] is None


def test_half_is_a_fraction_of_what_follows():
    proposal = only("over half of the world's population", "half")
    assert proposal.details["type"] == "fraction"
    assert proposal.attributes["number_value"] == Decimal("0.5")
    assert proposal.attributes["number_qualifier"] == "over"
    assert proposal.attributes["number_counts"] == "population"


def test_more_than_half_a_century_is_fifty_years_with_its_qualifier():
    proposal = only("since relations began more than half a century ago", "half a century")
    assert proposal.attributes["number_value"] == 50
    assert proposal.attributes["number_unit"] == "years"
    assert proposal.attributes["number_qualifier"] == "more than"


@pytest.mark.parametrize(
    ("text", "exact", "value"),
    [
        ("the IX Summit of CELAC", "IX", 9),
        ("Wang Yi attended Session I of the Meeting", "I", 1),
        ("the victory of World War II, resolutely", "II", 2),
        ("the 80th anniversary of the victory", "80th", 80),
        ("the Fourth Ministerial Meeting", "Fourth", 4),
    ],
)
def test_ordinals_in_digits_words_and_roman_numerals(text, exact, value):
    proposal = only(text, exact)
    assert proposal.details["type"] == "ordinal"
    assert proposal.attributes["number_value"] == value


@pytest.mark.parametrize(
    "text",
    [
        "I said it myself",  # the pronoun
        "cites Malcolm X, who highlighted",  # a name, not a rank
        "At first, nobody came",  # an adverb
        "first-time traders",
        "any third party",
        "the one-China principle",
        "one of the largest ports",
        "During the COVID-19 pandemic",  # a figure inside a name
        "the G20 Summit",
    ],
)
def test_words_that_only_look_like_numbers_are_not_proposed(text):
    assert spans(text) == []


@pytest.mark.parametrize(
    ("text", "exact", "low", "high", "unit"),
    [
        ("Key Areas (2025-2027).", "2025-2027", Decimal(2025), Decimal(2027), "year"),
        ("between 3 and 5 percent of output", "between 3 and 5 percent", 3, 5, "percent"),
        ("visited Russia from May 7-10 to pay", "May 7-10", "--05-07", "--05-10", "date"),
    ],
)
def test_ranges_have_a_low_and_a_high(text, exact, low, high, unit):
    proposal = only(text, exact)
    assert proposal.details["type"] == "range"
    assert (proposal.details["low"], proposal.details["high"]) == (low, high)
    assert proposal.attributes["number_unit"] == unit
    assert proposal.attributes["number_value"] is None


@pytest.mark.parametrize(
    ("text", "exact", "value", "unit", "scale"),
    [
        (
            "a milestone of US$518.4 billion in 2024",
            "US$518.4 billion",
            518400000000,
            "USD",
            "billion",
        ),
        ("sales of €2.3bn a year", "€2.3bn", 2300000000, "EUR", "bn"),
        ("a £40 million grant", "£40 million", 40000000, "GBP", "million"),
        ("a ¥500 fee", "¥500", 500, "¥", ""),  # yen or yuan: said as written
        ("RMB 5 billion in loans", "RMB 5 billion", 5000000000, "CNY", "billion"),
        ("1 trillion yuan of trade", "1 trillion yuan", 1000000000000, "CNY", "trillion"),
        ("a $5m contract", "$5m", 5000000, "USD", "m"),
    ],
)
def test_money_values_are_exact_with_their_currency(text, exact, value, unit, scale):
    proposal = only(text, exact)
    assert proposal.details["type"] == "money"
    assert proposal.attributes["number_value"] == value
    assert (proposal.attributes["number_unit"], proposal.attributes["number_scale"]) == (
        unit,
        scale,
    )


@pytest.mark.parametrize(
    ("text", "exact", "value", "fraction"),
    [
        ("a third of the budget", "a third", Decimal("0.3333333333"), "1/3"),
        ("two-thirds of voters", "two-thirds", Decimal("0.6666666667"), "2/3"),
        ("One in five children is poor.", "One in five", Decimal("0.2"), "1/5"),
    ],
)
def test_fractions_keep_the_exact_fraction_beside_the_stored_value(text, exact, value, fraction):
    proposal = only(text, exact)
    assert proposal.attributes["number_value"] == value
    assert proposal.details["fraction"] == fraction


@pytest.mark.parametrize(
    ("text", "exact", "unit"),
    [("a road 1,000km long", "1,000km", "km"), ("limited to 50km/h here", "50km/h", "km/h")],
)
def test_units_written_against_the_figure(text, exact, unit):
    assert only(text, exact).attributes["number_unit"] == unit


def test_a_numbered_item_is_an_ordinal_naming_the_item():
    proposal = only("as Article 5 of the treaty says", "5")
    assert proposal.details["type"] == "ordinal"
    assert proposal.attributes["number_counts"] == "Article"


@pytest.mark.parametrize("text", ["open 24/7 all year", "since the 9/11 attacks"])
def test_figures_joined_by_a_slash_are_left_alone(text):
    assert spans(text) == []


def test_a_few_thousand_is_vague():
    proposal = only("We expected a few thousand people", "a few thousand")
    assert proposal.details == {"type": "vague", "at_least": 2000}


def test_a_day_without_its_month_is_a_date_with_no_guess():
    proposal = only("in Moscow on the evening of the 7th, Xi delivered", "7th")
    assert proposal.details == {"type": "date", "day": 7, "iso_date": "---07"}


def test_a_number_word_compound_is_one_span():
    proposal = only("issued a six-point common understanding", "six-point")
    assert proposal.attributes["number_value"] == 6


def test_percentage_points_are_their_own_unit():
    proposal = only("rose by 2.5 percentage points last year", "2.5 percentage points")
    assert proposal.details["type"] == "percent"
    assert proposal.attributes["number_unit"] == "percentage points"


def test_a_qualifier_goes_to_its_field_not_into_the_span():
    proposal = only("providing over 300 million doses of vaccines", "300 million")
    assert proposal.attributes["number_qualifier"] == "over"
    assert proposal.attributes["number_value"] == 300000000
    assert proposal.attributes["number_counts"] == "doses"


def test_proposals_carry_the_engine_and_its_version():
    proposal = only("200 jobs", "200")
    assert (proposal.kind, proposal.engine, proposal.version) == (
        "number",
        "numbers",
        numbers.VERSION,
    )
    assert 0 <= proposal.score <= 1


def test_the_same_body_gives_the_same_proposals():
    body = "On May 13, 2025, 28 of the 33 states signed; US$518.4 billion in 2024.\n\n" * 3
    assert find_numbers(body) == find_numbers(body)


# read_number is the annotate form's prefill of one selected span's attributes.


@pytest.mark.parametrize(
    ("text", "value", "unit", "scale", "qualifier", "counts"),
    [
        ("US$518.4 billion", "518400000000", "USD", "billion", "", ""),
        ("more than 200", "200", "", "", "more than", ""),
        ("30 percent", "30", "percent", "", "", ""),
        ("nearly 40 million", "40000000", "", "million", "nearly", ""),
        ("1.5 billion people", "1500000000", "", "billion", "", "people"),
        ("$5m", "5000000", "USD", "m", "", ""),
        ("-3.5%", "-3.5", "percent", "", "", ""),
        ("about 1,200 people were", "1200", "", "", "about", "people"),
        ("twenty-five jobs", "25", "", "", "", "jobs"),
        ("a million homes", "1000000", "", "million", "", "homes"),
    ],
)
def test_read_number_reads_a_selected_span(text, value, unit, scale, qualifier, counts):
    reading = read_number(text)
    assert reading.value == Decimal(value)
    assert (reading.unit, reading.scale, reading.qualifier, reading.counts) == (
        unit,
        scale,
        qualifier,
        counts,
    )


def test_read_number_takes_the_context_around_the_selection():
    reading = read_number("200", before="were built. More than ", after=" projects were")
    assert (reading.value, reading.qualifier, reading.counts) == (200, "more than", "projects")


def test_read_number_says_nothing_without_a_figure():
    assert read_number("the minister").value is None


def test_read_number_marks_an_ordinal():
    reading = read_number("the 80th anniversary")
    assert reading.ordinal and reading.value == 80
    assert reading.attributes()["number_unit"] == "ordinal"


# ---- Second round (issue 9): scores, times, days, hyphenated ranges ----


@pytest.mark.parametrize(
    ("text", "exact", "first", "second"),
    [
        ("The Senate passed the bill 52-48 on Tuesday.", "52-48", "52", "48"),
        ("The team won 3-1 after extra time.", "3-1", "3", "1"),
        ("It was a 2-1 win over Spain.", "2-1", "2", "1"),
        ("The court ruled 6-3 in favour.", "6-3", "6", "3"),
        ("They drew 1-1 in Madrid.", "1-1", "1", "1"),
        ("The assembly voted 130–2 for the motion.", "130–2", "130", "2"),
    ],
)
def test_a_score_or_a_vote_is_one_span_with_both_sides_and_no_single_value(
    text, exact, first, second
):
    proposal = only(text, exact)
    assert proposal.details["type"] == "score"
    assert proposal.details["sides"] == [Decimal(first), Decimal(second)]
    assert proposal.attributes["number_value"] is None
    assert spans(text) == [exact]


@pytest.mark.parametrize(
    ("text", "exact", "low", "high", "unit"),
    [
        ("Growth of 3-5 percent is expected.", "3-5 percent", "3", "5", "percent"),
        ("Temperatures of 10–20 degrees.", "10–20 degrees", "10", "20", "degrees"),
        ("Between 30-40 people came.", "30-40", "30", "40", ""),
    ],
)
def test_a_hyphenated_pair_rising_is_a_range(text, exact, low, high, unit):
    proposal = only(text, exact)
    assert proposal.details["type"] == "range"
    assert (proposal.details["low"], proposal.details["high"]) == (Decimal(low), Decimal(high))
    assert proposal.attributes["number_unit"] == unit


@pytest.mark.parametrize(
    ("text", "exact", "time"),
    [
        ("The meeting starts at 10am on Monday.", "10am", "10:00"),
        ("It ends at 4.30pm, officials said.", "4.30pm", "16:30"),
        ("Talks resumed at 10 a.m. on Monday.", "10 a.m.", "10:00"),
        ("Polls close at 8 p.m. local time.", "8 p.m.", "20:00"),
        ("At 15:30 the ministers met.", "15:30", "15:30"),
        ("The blast came at 12.15am.", "12.15am", "00:15"),
    ],
)
def test_a_time_of_day_is_a_time_not_a_quantity(text, exact, time):
    proposal = only(text, exact)
    assert proposal.details["type"] == "time"
    assert proposal.details["time"] == time
    assert proposal.attributes["number_value"] is None
    assert spans(text) == [exact]


@pytest.mark.parametrize(
    "text", ["The ratio was 3:1 in the end.", "Verse 3:16 is known.", "at 25:00 hours"]
)
def test_what_is_not_a_time_of_day_is_not_read_as_one(text):
    assert all(p.details["type"] != "time" for p in find_numbers(text))


@pytest.mark.parametrize(
    ("text", "exact", "iso"),
    [
        ("She left on the 7th.", "7th", "---07"),
        ("They arrived on the 7th and left two days later.", "7th", "---07"),
        ("They left on the 9th of May.", "9th of May", "--05-09"),
        ("They left on the 9th of May, 2025.", "9th of May, 2025", "2025-05-09"),
        ("He was born on 7th March 1950.", "7th March 1950", "1950-03-07"),
    ],
)
def test_a_day_without_or_before_its_month_is_a_date(text, exact, iso):
    proposal = only(text, exact)
    assert proposal.details["type"] == "date"
    assert proposal.details["iso_date"] == iso


def test_an_ordinal_before_a_noun_stays_an_ordinal():
    proposal = only("The summit marks the 7th meeting of the two sides.", "7th")
    assert proposal.details["type"] == "ordinal"
    assert proposal.attributes["number_counts"] == "meeting"


@pytest.mark.parametrize(
    "text",
    [
        "The article was first published by Brasil de Fato.",
        "He first visited China in 2013.",
        "The idea was first proposed in Bandung.",
    ],
)
def test_first_as_an_adverb_before_a_verb_is_not_an_ordinal(text):
    assert "first" not in spans(text)


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("the first elected president of the republic", "president"),
        ("China’s first crewed mission to the Moon", "mission"),
    ],
)
def test_first_before_an_adjective_in_ed_stays_an_ordinal(text, counts):
    assert only(text, "first").attributes["number_counts"] == counts


def test_what_an_ordinal_counts_skips_an_editors_bracket():
    text = (
        "Slovakia is the guest of honour at the 4th China-CEEC [Central and East European "
        "Countries] Expo."
    )
    assert only(text, "4th").attributes["number_counts"] == "Expo"
