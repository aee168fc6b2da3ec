"""Seen before (annotations/matching.py): normalisation, near-duplicates, numbers, the index."""

import itertools
from decimal import Decimal

import pytest

from annotations import matching, workflow
from annotations.matching import find_matches, normalise, similarity
from annotations.models import Kind, MatchKey, MatchPending, State

from .factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UN = "This year marks the 80th anniversary of the founding of the United Nations."
UN_AGAIN = "Wang Yi said that this year marks the 80th founding anniversary of the United Nations."
CUBA = "This year marks the 65th anniversary of diplomatic relations between China and Cuba."
VIET_NAM = (
    "This year marks the 75th anniversary of diplomatic relations between China and Viet Nam."
)


ARTICLES = itertools.count()


def claim(sentence: str, *, phrase: str = "", **fields):
    """An annotation (a claim unless `kind=`) of `phrase` (the sentence) in a new article."""
    article = ArticleFactory(body=f"{sentence}\n\nArticle {next(ARTICLES)} goes on.")
    return AnnotationFactory(article=article, phrase=phrase or sentence, **fields)


def matched(annotation) -> list[str]:
    return [match.annotation.exact for match in find_matches(annotation)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("“Trade wars have no winners”", '"Trade wars have no winners"'),
        ("China’s exports", "China's exports"),
        ("the\u00a0United\u00a0Nations", "the United Nations"),
        ("US$518.4\u2002billion", "US$518.4 billion"),
        ("  Exports   rose\n30  percent. ", "exports rose 30 percent"),
        ("EXPORTS ROSE!", "exports rose"),
        ("17,000 companies", "17000 companies"),
        ("Exports rose — sharply, (officials said).", "exports rose sharply officials said"),
    ],
)
def test_normalise_sets_case_quotes_spaces_and_punctuation_aside(first, second):
    assert normalise(first) == normalise(second)


def test_normalise_keeps_the_decimal_point_of_a_number():
    assert normalise("US$518.4 billion.") == "us 518.4 billion"
    assert normalise("518.4") != normalise("5184")


def test_the_same_text_with_other_quotes_and_spaces_matches_with_score_one(reviewer):
    first = claim("“There are no winners in trade wars,” he said.")
    second = claim('"There are no\u00a0winners in TRADE wars" he said')
    [match] = find_matches(second)
    assert match.annotation == first
    assert match.score == 1.0 and match.reason == "same text"


def test_a_near_duplicate_matches():
    original = claim(UN)
    reworded = claim(UN_AGAIN)
    assert matched(reworded) == [original.exact]
    assert 0.45 <= find_matches(reworded)[0].score < 1


def test_a_similar_looking_claim_with_another_figure_does_not_match():
    claim(CUBA)
    other = claim(VIET_NAM)
    assert similarity(normalise(CUBA), normalise(VIET_NAM)) > matching.TEXT_THRESHOLD  # alike…
    assert matched(other) == []  # …but it is another claim


def test_a_denial_does_not_match_the_claim():
    claim("Tariff wars have winners in the long run, the minister said.")
    denial = claim("Tariff wars have no winners in the long run, the minister said.")
    assert matched(denial) == []


def test_only_the_same_kind_matches():
    claim(UN)
    quotation = claim(UN_AGAIN, kind=Kind.QUOTATION)
    assert matched(quotation) == []


def test_verified_matches_come_first_and_rejected_or_withdrawn_never(reviewer):
    pending = claim(UN)  # the same text: score 1
    verified = claim(UN_AGAIN, state=State.VERIFIED, reviewer=reviewer)
    ReviewFactory(annotation=verified, reviewer=reviewer)
    claim(UN, state=State.REJECTED, reviewer=reviewer)
    claim(UN, state=State.WITHDRAWN)
    query = claim(UN)
    matches = find_matches(query)
    assert [match.annotation for match in matches] == [verified, pending]
    assert matches[0].verdict_label == "Accurate"


def test_the_same_words_marked_again_in_the_same_place_are_not_a_match():
    first = claim(UN)
    again = AnnotationFactory(article=first.article, phrase=UN)
    assert matched(again) == []


def test_numbers_match_by_value_and_unit_in_a_similar_sentence():
    body = "Exports rose 30 percent to US$518.4 billion in 2024, the ministry said."
    figure = {"kind": Kind.NUMBER, "number_value": Decimal("518400000000"), "number_unit": "USD"}
    first = claim(body, phrase="US$518.4 billion", **figure)
    again = claim(
        "In 2024 exports rose 30 percent to US$518.4 billion, according to the ministry.",
        phrase="US$518.4 billion",
        **figure,
    )
    other_topic = claim(
        "The new port cost US$518.4 billion over ten years.", phrase="US$518.4 billion", **figure
    )
    in_euros = claim(
        body.replace("US$", "€"),
        phrase="€518.4 billion",
        **(figure | {"number_unit": "EUR"}),
    )
    assert matched(again) == [first.exact]
    assert find_matches(again)[0].reason == "same figure, similar sentence"
    assert other_topic.pk not in [m.annotation.pk for m in find_matches(first)]
    assert matched(in_euros) == []


def test_every_write_path_is_indexed_and_an_edit_reindexes(annotator):
    """Factories write with save(), the workflow with its functions: triggers queue both."""
    stored = claim(UN)
    assert MatchPending.objects.filter(annotation=stored).exists()
    assert matching.index_pending() >= 1
    assert not MatchPending.objects.exists()
    assert MatchKey.objects.filter(annotation=stored).count() > 1

    article = ArticleFactory(body=f"{UN_AGAIN} And exports rose.")
    created = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, start=0,
        end=len(UN_AGAIN), exact=UN_AGAIN,
    )  # fmt: skip
    assert matched(created) == [stored.exact]
    workflow.annotation_update(
        annotation_id=stored.pk, user=stored.author, version=stored.version,
        changes={"end": stored.start + len("This year marks")},
    )  # fmt: skip
    assert MatchPending.objects.filter(annotation=stored).exists()
    assert matched(created) == []  # re-indexed as its new text before the lookup


def test_a_lookup_takes_a_fixed_number_of_queries(django_assert_num_queries, reviewer):
    query = claim(UN)
    for _ in range(8):
        match = claim(UN, state=State.VERIFIED, reviewer=reviewer)
        EvidenceFactory.create_batch(2, annotation=match)
        ReviewFactory(annotation=match, reviewer=reviewer)
    matching.index_pending()
    with django_assert_num_queries(5):
        matches = find_matches(query)
        assert all(len(match.evidence) == 2 for match in matches)
    assert len(matches) == matching.SHOWN


# ---- Copying a match's evidence into a review ----


@pytest.fixture
def in_review(reviewer):
    return claim(UN_AGAIN, state=State.IN_REVIEW, reviewer=reviewer)


@pytest.fixture
def checked(other_reviewer):
    earlier = claim(UN, state=State.VERIFIED, reviewer=other_reviewer)
    EvidenceFactory(annotation=earlier, added_by=other_reviewer, locator="Table 2")
    ReviewFactory(annotation=earlier, reviewer=other_reviewer)
    return earlier


def test_the_holder_copies_sources_and_evidence_but_never_the_verdict(in_review, checked, reviewer):
    [original] = checked.evidence.all()
    [copy] = workflow.evidence_copy(
        annotation_id=in_review.pk, from_annotation_id=checked.pk, user=reviewer
    )
    assert copy.annotation == in_review and copy.copied_from == original
    assert (copy.source, copy.stance, copy.excerpt, copy.locator) == (
        original.source, original.stance, original.excerpt, original.locator,
    )  # fmt: skip
    assert copy.added_by == reviewer
    in_review.refresh_from_db()
    assert in_review.state == State.IN_REVIEW and not in_review.reviews.exists()
    entry = in_review.history.get()
    assert entry.changes["copied from"][1] == f"evidence #{original.pk} of annotation #{checked.pk}"


def test_copying_twice_adds_nothing_the_second_time(in_review, checked, reviewer):
    workflow.evidence_copy(annotation_id=in_review.pk, from_annotation_id=checked.pk, user=reviewer)
    with pytest.raises(workflow.WorkflowError, match="already has every evidence"):
        workflow.evidence_copy(
            annotation_id=in_review.pk, from_annotation_id=checked.pk, user=reviewer
        )
    assert in_review.evidence.count() == 1


def test_only_the_holder_may_copy_four_eyes(in_review, checked, other_reviewer):
    from django.core.exceptions import PermissionDenied

    for user in (in_review.author, other_reviewer, UserFactory(role="annotator")):
        with pytest.raises(PermissionDenied):
            workflow.evidence_copy(
                annotation_id=in_review.pk, from_annotation_id=checked.pk, user=user
            )
    assert not in_review.evidence.exists()


def test_the_holder_who_copied_still_cannot_verify_without_a_verdict(in_review, checked, reviewer):
    workflow.evidence_copy(annotation_id=in_review.pk, from_annotation_id=checked.pk, user=reviewer)
    with pytest.raises(workflow.WorkflowError, match="verdict"):
        workflow.annotation_verify(
            annotation_id=in_review.pk, reviewer=reviewer, version=in_review.version, verdict=""
        )


def test_the_command_indexes_every_queued_annotation():
    from io import StringIO

    from django.core.management import call_command

    stored = [claim(UN) for _ in range(3)]
    output = StringIO()
    call_command("index_matches", stdout=output)
    assert output.getvalue().strip() == "Indexed 3 annotations for matching."
    assert not MatchPending.objects.exists()
    assert set(MatchKey.objects.values_list("annotation_id", flat=True)) == {a.pk for a in stored}
