"""The quotations engine: direct quotations, their speakers and attributions (issue 9)."""

import pytest

from annotations.suggest.quotations import find_quotations, suggest_speaker, suggest_speech_type

XI = (
    "Reporting on the message sent by President Xi Jinping to the summit, we noted it.\n\n"
    "Xi Jinping attended the opening ceremony and delivered a keynote address.\n\n"
    "He noted that the two sides are separated by a vast ocean.\n\n"
    "He went on to say that: “We stand shoulder to shoulder and support each other. "
    "In the 1960s, mass rallies took place across China.\n\n"
    "“We unite in tough times to conquer challenges through mutual support.”\n\n"
    "Regarding the current situation, Xi said: “There are no winners in tariff wars.”"
)


def quotation_at(body: str, first_words: str):
    start = body.index(first_words)
    found = [p for p in find_quotations(body) if p.start <= start < p.end]
    assert len(found) == 1
    return found[0]


def test_a_quotation_over_paragraphs_is_one_span_from_first_to_last_mark():
    proposal = quotation_at(XI, "We stand shoulder")
    assert XI[proposal.start] == "“"
    assert XI[proposal.start : proposal.end].endswith("mutual support.”")
    assert "\n\n“We unite" in XI[proposal.start : proposal.end]


def test_he_went_on_to_say_resolves_the_pronoun_not_the_word_to():
    proposal = quotation_at(XI, "We stand shoulder")
    assert proposal.attributes["speaker"] == "Xi Jinping"
    assert proposal.details["as_written"] == "He"
    assert proposal.details["resolved_pronoun"] is True
    start, end = proposal.attributes["attribution_start"], proposal.attributes["attribution_end"]
    assert XI[start:end] == "He went on to say"


def test_he_noted_that_gets_the_most_recent_person_as_reported_speech():
    start = XI.index("the two sides are separated")
    end = XI.index(" by a vast ocean") + len(" by a vast ocean")
    assert suggest_speaker(XI, start, end) == "Xi Jinping"
    assert suggest_speech_type(XI, start, end) == "reported"


def test_a_short_name_is_the_fullest_name_in_the_article():
    proposal = quotation_at(XI, "There are no winners")
    assert proposal.attributes["speaker"] == "Xi Jinping"
    assert proposal.details["as_written"] == "Xi"
    assert proposal.attributes["speech_type"] == "direct"


def test_according_to_a_title_then_the_name_gives_the_name_and_the_role():
    body = (
        "The creation of CELAC, according to the President of Brazil, Luiz Inácio Lula da "
        "Silva, “Is the most important decision of the region in 500 years.”"
    )
    proposal = quotation_at(body, "Is the most important")
    assert proposal.attributes["speaker"] == "Luiz Inácio Lula da Silva"
    assert proposal.details["role"] == "the President of Brazil"


def test_a_title_is_kept_apart_from_the_name():
    body = (
        "In speeches at the summit, Brazilian President Luiz Inácio Lula da Silva said: "
        "“History teaches us that trade wars have no winners.”"
    )
    proposal = quotation_at(body, "History teaches")
    assert proposal.attributes["speaker"] == "Luiz Inácio Lula da Silva"
    assert proposal.details["role"] == "Brazilian President"


def test_a_hyphenated_surname_before_observed_is_read():
    body = (
        "President of Cuba, Miguel Díaz-Canel observed: “The gravity of this hour demands "
        "the multiplication of unitary forces.”\n\n"
        "Díaz-Canel observed: “Only unity can save us, today and tomorrow.”"
    )
    assert quotation_at(body, "Only unity").attributes["speaker"] == "Miguel Díaz-Canel"
    first = quotation_at(body, "The gravity")
    assert first.attributes["speaker"] == "Miguel Díaz-Canel"
    assert first.details["role"] == "President of Cuba"


@pytest.mark.parametrize(
    ("body", "speaker"),
    [
        ("“We will win the next election,” said Jane Doe, the party leader.", "Jane Doe"),
        ("“We will win the next election,” Mayor José Núñez said.", "José Núñez"),
        ("“We will win the next election,” organiser Amélie Durand said.", "Amélie Durand"),
        ("Officials said: “The terminals will raise capacity by a third.”", "Officials"),
        ("The council told reporters, “The market will open every Saturday.”", "The council"),
    ],
)
def test_attributions_before_and_after_the_quotation(body, speaker):
    (proposal,) = find_quotations(body)
    assert proposal.attributes["speaker"] == speaker


def test_the_second_part_of_a_broken_quotation_keeps_its_speaker():
    body = (
        "“This port was built for the last century,” Mayor José Núñez said. “Today we build anew.”"
    )
    first, second = find_quotations(body)
    assert first.attributes["speaker"] == second.attributes["speaker"] == "José Núñez"


def test_a_pronoun_with_nobody_named_before_gives_no_speaker():
    body = "He said: “We will always stand with our friends in the region.”"
    (proposal,) = find_quotations(body)
    assert proposal.attributes["speaker"] == ""
    assert proposal.score < 0.9


@pytest.mark.parametrize(
    "body",
    [
        "China’s countermeasures against “reciprocal tariffs” are admirable.",
        "The partnership has moved into a “fast lane”.",
        "Wang Yi released an article entitled “Planning Together for Development and Building a "
        "Community with a Shared Future”.",
        "They upheld the “Five Principles of Peaceful Coexistence” again.",
    ],
)
def test_terms_titles_and_scare_quotes_are_not_proposed_by_default(body):
    assert find_quotations(body) == []
    (term,) = find_quotations(body, include_terms=True)
    assert term.details["term"] is True
    assert term.score < 0.5


def test_nested_single_quotes_stay_inside_the_quotation():
    body = "He added: “Yan Baohang, hailed as the ‘Richard Sorge of the East,’ sent the date.”"
    (proposal,) = find_quotations(body)
    assert body[proposal.start : proposal.end].startswith("“Yan")
    assert body[proposal.start : proposal.end].endswith("date.”")


@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        ('The minister said: "Growth will return next year, and jobs with it."', '"Growth'),
        ("Le ministre a dit : « La croissance reviendra l'an prochain, et les emplois. »", "«"),
    ],
)
def test_straight_quotes_and_guillemets(body, quoted):
    (proposal,) = find_quotations(body)
    assert body[proposal.start :].startswith(quoted)


def test_no_speaker_is_ever_a_function_word():
    body = XI + "\n\nThat said, “it is what it is and will be what it will be,” it was said."
    for proposal in find_quotations(body):
        assert proposal.attributes["speaker"].lower() not in {"to", "that", "it", "he", "the"}


def test_speech_type_is_direct_inside_marks():
    start = XI.index("There are no winners")
    assert suggest_speech_type(XI, start, start + 20) == "direct"


def test_the_same_body_gives_the_same_proposals():
    assert find_quotations(XI) == find_quotations(XI)


def test_a_gerund_of_saying_takes_the_subject_of_its_clause():
    body = (
        "TML carried an article by Peggy Morton.\n\n"
        "Peggy begins by explaining that, “Following the lead of the previous government, "
        "Ottawa imposed its own tariffs.”"
    )
    (proposal,) = find_quotations(body)
    assert proposal.attributes["speaker"] == "Peggy Morton"


def test_a_surname_is_completed_by_the_full_name_written_elsewhere():
    body = (
        "Mark Carney has now received his own mandate.\n\n"
        "Prime Minister Carney responded that: “The Government of Canada is deeply "
        "disappointed by this decision.”"
    )
    (proposal,) = find_quotations(body)
    assert proposal.attributes["speaker"] == "Mark Carney"
    assert proposal.details["role"] == "Prime Minister"


def test_a_possessive_before_a_noun_of_speech_names_the_speaker():
    body = (
        "It is time to fulfil President Ho Chi Minh’s aspiration of “building a peaceful, "
        "unified, independent, democratic, and prosperous Vietnam.”"
    )
    (proposal,) = find_quotations(body)
    assert proposal.attributes["speaker"] == "Ho Chi Minh"
    assert proposal.details["role"] == "President"


@pytest.mark.parametrize(
    ("body", "speaker"),
    [
        (
            "Dr. Ahmed Khan, an economist at the university, said: “The recovery is fragile.”",
            "Ahmed Khan",
        ),
        ("Smith, who led the talks, said: “There is still a long way to go.”", "Smith"),
    ],
)
def test_an_apposition_between_the_name_and_the_verb_is_skipped(body, speaker):
    (proposal,) = find_quotations(body)
    assert proposal.attributes["speaker"] == speaker


def test_a_short_quotation_right_before_its_attribution_is_speech_not_a_term():
    body = "“We are ready,” said Maria Lopez, the captain. “Everyone has trained hard.”"
    first, second = find_quotations(body)
    assert body[first.start : first.end] == "“We are ready,”"
    assert first.attributes["speaker"] == second.attributes["speaker"] == "Maria Lopez"


def test_an_unresolved_pronoun_still_makes_it_a_quotation_with_no_speaker():
    body = "“We will not raise taxes this year,” he said."
    (proposal,) = find_quotations(body)
    assert proposal.attributes["speaker"] == ""
    assert (
        body[proposal.attributes["attribution_start"] : proposal.attributes["attribution_end"]]
        == "he said"
    )


PREFILL = (
    "The minister said “exports rose 30 percent to US$518.4 billion” in 2024.\n\n"
    "More than 200 projects were built, officials said.\n\n"
    "“We will win,” said Jane Doe, the party leader. He said the economy grew. "
    "According to the World Bank, growth slowed. Smith on Monday also noted that prices rose."
)


@pytest.mark.parametrize(
    ("phrase", "speaker"),
    [
        ("exports rose 30 percent", "The minister"),
        ("More than 200 projects", "officials"),  # "…, officials said."
        ("We will win", "Jane Doe"),
        ("growth slowed", "the World Bank"),
        ("prices rose", "Smith"),  # the time phrase and the adverb are skipped
        ("the economy grew", "Jane Doe"),  # "He said": the last person named
    ],
)
def test_suggest_speaker_prefills_the_form_for_a_selected_span(phrase, speaker):
    start = PREFILL.index(phrase)
    assert suggest_speaker(PREFILL, start, start + len(phrase)) == speaker
