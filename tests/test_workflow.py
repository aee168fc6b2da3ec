"""Every workflow transition: allowed, wrong state, wrong person, stale form, history, version."""

import pytest
from django.core.exceptions import PermissionDenied

from annotations import workflow
from annotations.models import (
    Annotation,
    Evidence,
    HistoryAction,
    HistoryEntry,
    Kind,
    Review,
    ReviewOutcome,
    Stance,
    State,
    Verdict,
)
from annotations.workflow import StaleVersion, WorkflowError

from .factories import (
    ArticleFactory,
    SourceFactory,
    workflow_draft,
    workflow_in_review,
    workflow_submitted,
)

pytestmark = pytest.mark.django_db

CLAIM = "exports rose 30 percent"
QUOTE = "exports rose 30 percent to US$518.4 billion"
NUMBER = "US$518.4 billion"


def draft(author, **kwargs):
    return workflow_draft(author, **{"phrase": CLAIM, **kwargs})


def submitted(author, **kwargs):
    return workflow_submitted(author, **{"phrase": CLAIM, **kwargs})


def in_review(author, reviewer, **kwargs):
    return workflow_in_review(author, reviewer, **{"phrase": CLAIM, **kwargs})


def add_evidence(annotation, reviewer, source=None):
    return workflow.evidence_add(
        annotation_id=annotation.pk,
        user=reviewer,
        source=source or SourceFactory(),
        stance=Stance.SUPPORTS,
        excerpt="Exports: +30.1 %",
        locator="Table 2",
    )


def current(annotation) -> Annotation:
    return Annotation.objects.get(pk=annotation.pk)


def last_entry(annotation) -> HistoryEntry:
    return HistoryEntry.objects.filter(annotation=annotation).order_by("-at", "-id").first()


def snapshot(annotation):
    """What a refused change must leave untouched."""
    fresh = current(annotation)
    return (
        fresh.state,
        fresh.version,
        fresh.reviewer_id,
        HistoryEntry.objects.filter(annotation=annotation).count(),
        Review.objects.filter(annotation=annotation).count(),
    )


# ---- create, edit, withdraw, submit ----


def test_create_records_the_span_kind_and_attributes_in_the_history(annotator):
    annotation = draft(annotator, claimant="The minister")
    entry = last_entry(annotation)
    assert (annotation.state, annotation.version) == (State.DRAFT, 1)
    assert entry.action == HistoryAction.CREATED and entry.actor == annotator
    assert entry.changes["claimant"] == [None, "The minister"]
    assert entry.changes["kind"] == [None, "claim"]


def test_create_refuses_offsets_that_do_not_point_at_the_text(annotator, article):
    with pytest.raises(WorkflowError, match="does not match"):
        workflow.annotation_create(
            article=article, author=annotator, kind=Kind.CLAIM, start=0, end=5, exact="wrong"
        )


def test_create_refuses_a_speech_type_outside_the_choices(annotator):
    with pytest.raises(WorkflowError, match="direct or reported"):
        draft(annotator, kind=Kind.QUOTATION, phrase=QUOTE, speech_type="sung")


def test_update_records_each_changed_attribute_and_bumps_the_version(annotator):
    annotation = draft(annotator, kind=Kind.NUMBER, phrase=NUMBER)
    updated = workflow.annotation_update(
        annotation_id=annotation.pk,
        user=annotator,
        version=annotation.version,
        changes={"number_unit": "USD", "number_scale": "billion"},
    )
    entry = last_entry(annotation)
    assert updated.version == annotation.version + 1
    assert entry.action == HistoryAction.EDITED and entry.actor == annotator
    assert entry.changes == {"number_unit": ["", "USD"], "number_scale": ["", "billion"]}


def test_update_by_someone_else_is_refused(annotator, other_annotator):
    annotation = draft(annotator)
    with pytest.raises(PermissionDenied, match="Only the author"):
        workflow.annotation_update(
            annotation_id=annotation.pk,
            user=other_annotator,
            version=annotation.version,
            changes={"claimant": "x"},
        )


def test_withdraw_keeps_the_annotation_in_the_history(annotator):
    annotation = draft(annotator)
    workflow.annotation_withdraw(
        annotation_id=annotation.pk, user=annotator, version=annotation.version
    )
    assert current(annotation).state == State.WITHDRAWN
    assert last_entry(annotation).action == HistoryAction.WITHDRAWN


def test_submit_moves_a_draft_to_the_queue_and_records_it(annotator):
    annotation = draft(annotator)
    done = workflow.annotation_submit(
        annotation_id=annotation.pk, user=annotator, version=annotation.version
    )
    entry = last_entry(annotation)
    assert (done.state, done.version) == (State.SUBMITTED, 2)
    assert done.submitted_at is not None
    assert (entry.from_state, entry.to_state, entry.actor) == ("draft", "submitted", annotator)


def test_submit_by_another_annotator_is_refused(annotator, other_annotator):
    annotation = draft(annotator)
    before = snapshot(annotation)
    with pytest.raises(PermissionDenied):
        workflow.annotation_submit(
            annotation_id=annotation.pk, user=other_annotator, version=annotation.version
        )
    assert snapshot(annotation) == before


def test_submit_twice_is_refused_as_a_wrong_state(annotator):
    annotation = submitted(annotator)
    with pytest.raises(PermissionDenied, match="not a draft"):
        workflow.annotation_submit(
            annotation_id=annotation.pk, user=annotator, version=annotation.version
        )


def test_submit_all_submits_only_the_users_drafts_in_the_article(annotator, other_annotator):
    article = ArticleFactory()
    mine = [draft(annotator, article=article), draft(annotator, article=article, phrase=NUMBER)]
    theirs = draft(other_annotator, article=article)
    # The claim's suggested claimant and the number's figure were never saved: confirmed.
    workflow.annotations_submit_all(article=article, user=annotator, confirm_unsaved=True)
    assert {current(a).state for a in mine} == {State.SUBMITTED}
    assert current(theirs).state == State.DRAFT


# ---- take, take next, release ----


def test_take_assigns_the_item_and_records_the_reviewer(annotator, reviewer):
    annotation = submitted(annotator)
    taken = workflow.annotation_take(
        annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version
    )
    entry = last_entry(annotation)
    assert (taken.state, taken.reviewer, taken.version) == (State.IN_REVIEW, reviewer, 3)
    assert entry.action == HistoryAction.TAKEN
    assert entry.changes == {"reviewer": [None, reviewer.username]}


def test_take_of_an_item_another_reviewer_holds_is_refused(annotator, reviewer, other_reviewer):
    annotation = in_review(annotator, reviewer)
    before = snapshot(annotation)
    with pytest.raises(PermissionDenied, match="in review, not waiting"):
        workflow.annotation_take(annotation_id=annotation.pk, reviewer=other_reviewer)
    assert snapshot(annotation) == before


def test_take_by_an_annotator_is_refused(annotator, other_annotator):
    annotation = submitted(annotator)
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        workflow.annotation_take(annotation_id=annotation.pk, reviewer=other_annotator)


def test_an_editor_cannot_take_their_own_annotation(editor):
    annotation = submitted(editor)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        workflow.annotation_take(annotation_id=annotation.pk, reviewer=editor)


def test_take_with_a_stale_version_changes_nothing(annotator, reviewer):
    annotation = submitted(annotator)
    before = snapshot(annotation)
    with pytest.raises(StaleVersion, match="Nothing was saved"):
        workflow.annotation_take(
            annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version - 1
        )
    assert snapshot(annotation) == before


def test_take_next_assigns_the_oldest_waiting_item(annotator, reviewer):
    first, second = submitted(annotator), submitted(annotator)
    taken = workflow.queue_take_next(reviewer=reviewer)
    assert taken.pk == first.pk and taken.reviewer == reviewer
    assert workflow.queue_take_next(reviewer=reviewer).pk == second.pk
    assert workflow.queue_take_next(reviewer=reviewer) is None


def test_take_next_skips_the_reviewers_own_annotations(editor, annotator):
    own = submitted(editor)
    other = submitted(annotator)
    assert workflow.queue_take_next(reviewer=editor).pk == other.pk
    assert workflow.queue_take_next(reviewer=editor) is None
    assert current(own).state == State.SUBMITTED


def test_take_next_respects_a_filtered_queue(annotator, reviewer):
    submitted(annotator)
    number = submitted(annotator, kind=Kind.NUMBER, phrase=NUMBER)
    taken = workflow.queue_take_next(
        reviewer=reviewer, waiting=Annotation.objects.filter(kind=Kind.NUMBER)
    )
    assert taken.pk == number.pk


def test_take_next_is_refused_to_annotators(annotator, other_annotator):
    submitted(annotator)
    with pytest.raises(PermissionDenied):
        workflow.queue_take_next(reviewer=other_annotator)


def test_release_puts_the_item_back_in_its_place(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    released = workflow.annotation_release(
        annotation_id=annotation.pk, user=reviewer, version=annotation.version
    )
    assert (released.state, released.reviewer, released.taken_at) == (State.SUBMITTED, None, None)
    assert released.submitted_at == annotation.submitted_at
    assert last_entry(annotation).changes == {"reviewer": [reviewer.username, None]}


def test_release_by_another_reviewer_is_refused(annotator, reviewer, other_reviewer):
    annotation = in_review(annotator, reviewer)
    with pytest.raises(PermissionDenied, match="Another reviewer"):
        workflow.annotation_release(annotation_id=annotation.pk, user=other_reviewer)


def test_an_editor_may_release_an_item_someone_else_holds(annotator, reviewer, editor):
    annotation = in_review(annotator, reviewer)
    workflow.annotation_release(annotation_id=annotation.pk, user=editor)
    assert current(annotation).state == State.SUBMITTED
    assert last_entry(annotation).actor == editor


def test_an_editor_may_not_release_their_own_annotation(editor, reviewer):
    annotation = in_review(editor, reviewer)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        workflow.annotation_release(annotation_id=annotation.pk, user=editor)


def test_release_of_a_waiting_item_is_refused(annotator, editor):
    annotation = submitted(annotator)
    with pytest.raises(PermissionDenied, match="Only an item in review"):
        workflow.annotation_release(annotation_id=annotation.pk, user=editor)


# ---- evidence ----


def test_evidence_add_records_the_source_and_stance(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    evidence = add_evidence(annotation, reviewer)
    entry = last_entry(annotation)
    assert entry.action == HistoryAction.EVIDENCE_ADDED and entry.actor == reviewer
    assert entry.changes["source"] == [None, evidence.source.url]
    assert entry.changes["stance"] == [None, "supports"]
    assert current(annotation).version == annotation.version  # the verdict form stays valid


def test_evidence_add_by_a_reviewer_not_holding_the_item_is_refused(
    annotator, reviewer, other_reviewer
):
    annotation = in_review(annotator, reviewer)
    with pytest.raises(PermissionDenied):
        add_evidence(annotation, other_reviewer)
    assert not Evidence.objects.filter(annotation=annotation).exists()


def test_evidence_add_to_a_waiting_item_is_refused(annotator, reviewer):
    annotation = submitted(annotator)
    with pytest.raises(PermissionDenied, match="take it for review first"):
        add_evidence(annotation, reviewer)


def test_evidence_add_needs_a_known_stance(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    with pytest.raises(WorkflowError, match="stance"):
        workflow.evidence_add(
            annotation_id=annotation.pk, user=reviewer, source=SourceFactory(), stance="maybe"
        )


def test_evidence_remove_keeps_the_row_and_records_who_removed_it(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    evidence = add_evidence(annotation, reviewer)
    workflow.evidence_remove(evidence_id=evidence.pk, user=reviewer)
    evidence.refresh_from_db()
    assert evidence.removed_by == reviewer and evidence.removed_at is not None
    assert last_entry(annotation).action == HistoryAction.EVIDENCE_REMOVED
    with pytest.raises(WorkflowError, match="already removed"):
        workflow.evidence_remove(evidence_id=evidence.pk, user=reviewer)


def test_evidence_remove_by_another_reviewer_is_refused(annotator, reviewer, other_reviewer):
    annotation = in_review(annotator, reviewer)
    evidence = add_evidence(annotation, reviewer)
    with pytest.raises(PermissionDenied):
        workflow.evidence_remove(evidence_id=evidence.pk, user=other_reviewer)
    evidence.refresh_from_db()
    assert evidence.removed_at is None


# ---- verify, reject, send back ----


def verify(annotation, reviewer, verdict=Verdict.ACCURATE, version=None):
    return workflow.annotation_verify(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version if version is None else version,
        verdict=verdict,
        rationale="Matches table 2.",
    )


def test_verify_with_a_verdict_and_evidence_records_the_review(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    add_evidence(annotation, reviewer)
    done = verify(annotation, reviewer, Verdict.MOSTLY_ACCURATE)
    review = Review.objects.get(annotation=annotation)
    entry = last_entry(annotation)
    assert (done.state, done.version) == (State.VERIFIED, annotation.version + 1)
    assert done.decided_at is not None
    assert (review.outcome, review.verdict, review.reviewer) == (
        ReviewOutcome.VERIFIED,
        Verdict.MOSTLY_ACCURATE,
        reviewer,
    )
    assert entry.action == HistoryAction.VERIFIED
    assert entry.changes == {"verdict": [None, "mostly_accurate"]}
    assert entry.comment == "Matches table 2."


def test_verify_without_a_verdict_is_refused(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    add_evidence(annotation, reviewer)
    before = snapshot(annotation)
    with pytest.raises(WorkflowError, match="verdict"):
        verify(annotation, reviewer, verdict="")
    assert snapshot(annotation) == before


@pytest.mark.parametrize("kind,phrase", [(Kind.CLAIM, CLAIM), (Kind.NUMBER, NUMBER)])
def test_verify_a_claim_or_number_without_evidence_is_refused(annotator, reviewer, kind, phrase):
    annotation = in_review(annotator, reviewer, kind=kind, phrase=phrase)
    before = snapshot(annotation)
    with pytest.raises(WorkflowError, match="at least one evidence item"):
        verify(annotation, reviewer)
    assert snapshot(annotation) == before


def test_verify_a_quotation_needs_a_source_where_it_was_said(annotator, reviewer):
    annotation = in_review(annotator, reviewer, kind=Kind.QUOTATION, phrase=QUOTE)
    with pytest.raises(WorkflowError, match="source where the quotation was said"):
        verify(annotation, reviewer)
    add_evidence(annotation, reviewer)
    assert verify(annotation, reviewer).state == State.VERIFIED


def test_removed_evidence_does_not_count_for_verification(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    evidence = add_evidence(annotation, reviewer)
    workflow.evidence_remove(evidence_id=evidence.pk, user=reviewer)
    with pytest.raises(WorkflowError, match="evidence"):
        verify(annotation, reviewer)


def test_verify_by_a_reviewer_not_holding_the_item_is_refused(annotator, reviewer, other_reviewer):
    annotation = in_review(annotator, reviewer)
    add_evidence(annotation, reviewer)
    before = snapshot(annotation)
    with pytest.raises(PermissionDenied, match="Another reviewer"):
        verify(annotation, other_reviewer)
    assert snapshot(annotation) == before


def test_verify_by_the_author_is_refused_even_for_an_editor(editor, reviewer):
    annotation = in_review(editor, reviewer)
    add_evidence(annotation, reviewer)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        verify(annotation, editor)


def test_verify_of_a_waiting_item_is_refused(annotator, reviewer):
    annotation = submitted(annotator)
    with pytest.raises(PermissionDenied, match="take it for review first"):
        verify(annotation, reviewer)


def test_verify_with_a_stale_version_changes_nothing(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    add_evidence(annotation, reviewer)
    before = snapshot(annotation)
    with pytest.raises(StaleVersion):
        verify(annotation, reviewer, version=annotation.version - 1)
    assert snapshot(annotation) == before


def test_reject_needs_a_reason(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    before = snapshot(annotation)
    with pytest.raises(WorkflowError, match="Rejecting needs a reason"):
        workflow.annotation_reject(
            annotation_id=annotation.pk,
            reviewer=reviewer,
            version=annotation.version,
            rationale="   ",
        )
    assert snapshot(annotation) == before


def test_reject_with_a_reason_is_final_and_recorded(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    done = workflow.annotation_reject(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version,
        rationale="Not a factual claim.",
    )
    review = Review.objects.get(annotation=annotation)
    assert (done.state, done.version) == (State.REJECTED, annotation.version + 1)
    assert (review.outcome, review.rationale) == (ReviewOutcome.REJECTED, "Not a factual claim.")
    assert last_entry(annotation).comment == "Not a factual claim."


def test_reject_by_another_reviewer_is_refused(annotator, reviewer, other_reviewer):
    annotation = in_review(annotator, reviewer)
    with pytest.raises(PermissionDenied):
        workflow.annotation_reject(
            annotation_id=annotation.pk,
            reviewer=other_reviewer,
            version=annotation.version,
            rationale="No.",
        )


def test_send_back_needs_a_reason(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    with pytest.raises(WorkflowError, match="Sending back needs a reason"):
        workflow.annotation_send_back(
            annotation_id=annotation.pk,
            reviewer=reviewer,
            version=annotation.version,
            comment="",
        )
    assert current(annotation).state == State.IN_REVIEW


def test_send_back_returns_a_draft_to_its_author_with_the_comment(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    done = workflow.annotation_send_back(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version,
        comment="Include the currency in the span.",
    )
    review = Review.objects.get(annotation=annotation)
    entry = last_entry(annotation)
    assert (done.state, done.reviewer, done.submitted_at) == (State.DRAFT, None, None)
    assert done.version == annotation.version + 1
    assert (review.outcome, review.rationale) == (
        ReviewOutcome.SENT_BACK,
        "Include the currency in the span.",
    )
    assert (entry.action, entry.actor, entry.to_state) == (
        HistoryAction.SENT_BACK,
        reviewer,
        State.DRAFT,
    )
    # The author can edit and resubmit it.
    workflow.annotation_update(
        annotation_id=annotation.pk,
        user=annotator,
        version=done.version,
        changes={"claimant": "The minister"},
    )


def test_send_back_of_a_waiting_item_is_refused(annotator, reviewer):
    annotation = submitted(annotator)
    with pytest.raises(PermissionDenied):
        workflow.annotation_send_back(
            annotation_id=annotation.pk,
            reviewer=reviewer,
            version=annotation.version,
            comment="Fix it.",
        )


# ---- reopen ----


def verified(annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    add_evidence(annotation, reviewer)
    return verify(annotation, reviewer)


def test_an_editor_reopens_a_verified_item_with_a_reason(annotator, reviewer, editor):
    annotation = verified(annotator, reviewer)
    done = workflow.annotation_reopen(
        annotation_id=annotation.pk,
        editor=editor,
        version=annotation.version,
        reason="The source was revised.",
    )
    entry = last_entry(annotation)
    assert (done.state, done.reviewer, done.decided_at) == (State.SUBMITTED, None, None)
    assert done.version == annotation.version + 1
    assert (entry.action, entry.actor, entry.comment) == (
        HistoryAction.REOPENED,
        editor,
        "The source was revised.",
    )
    assert Review.objects.filter(annotation=annotation).count() == 1  # the old review stays


def test_reopen_needs_a_reason(annotator, reviewer, editor):
    annotation = verified(annotator, reviewer)
    with pytest.raises(WorkflowError, match="Reopening needs a reason"):
        workflow.annotation_reopen(
            annotation_id=annotation.pk, editor=editor, version=annotation.version, reason=""
        )


def test_reopen_by_a_reviewer_is_refused(annotator, reviewer):
    annotation = verified(annotator, reviewer)
    with pytest.raises(PermissionDenied, match="Only editors"):
        workflow.annotation_reopen(
            annotation_id=annotation.pk,
            editor=reviewer,
            version=annotation.version,
            reason="Again.",
        )


def test_reopen_of_an_item_in_review_is_refused(annotator, reviewer, editor):
    annotation = in_review(annotator, reviewer)
    with pytest.raises(PermissionDenied, match="verified or rejected"):
        workflow.annotation_reopen(
            annotation_id=annotation.pk,
            editor=editor,
            version=annotation.version,
            reason="Again.",
        )


def test_an_editor_cannot_reopen_their_own_annotation(editor, reviewer):
    annotation = verified(editor, reviewer)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        workflow.annotation_reopen(
            annotation_id=annotation.pk,
            editor=editor,
            version=annotation.version,
            reason="I disagree.",
        )


def test_a_reopened_item_records_the_previous_verdict_when_verified_again(
    annotator, reviewer, other_reviewer, editor
):
    annotation = verified(annotator, reviewer)
    reopened = workflow.annotation_reopen(
        annotation_id=annotation.pk, editor=editor, version=annotation.version, reason="Check."
    )
    taken = workflow.annotation_take(
        annotation_id=annotation.pk, reviewer=other_reviewer, version=reopened.version
    )
    add_evidence(taken, other_reviewer)
    verify(taken, other_reviewer, Verdict.MISLEADING)
    assert last_entry(annotation).changes == {"verdict": ["accurate", "misleading"]}


def test_every_transition_writes_one_history_entry_and_bumps_the_version(annotator, reviewer):
    annotation = draft(annotator)
    versions = [annotation.version]
    annotation = workflow.annotation_submit(
        annotation_id=annotation.pk, user=annotator, version=annotation.version
    )
    versions.append(annotation.version)
    annotation = workflow.annotation_take(
        annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version
    )
    versions.append(annotation.version)
    add_evidence(annotation, reviewer)
    annotation = verify(annotation, reviewer)
    versions.append(annotation.version)
    actions = list(
        HistoryEntry.objects.filter(annotation=annotation).values_list("action", flat=True)
    )
    assert versions == [1, 2, 3, 4]
    assert actions == ["created", "submitted", "taken", "evidence_added", "verified"]


def test_a_missing_annotation_is_a_clear_error(reviewer):
    with pytest.raises(WorkflowError, match="does not exist"):
        workflow.annotation_take(annotation_id=999_999, reviewer=reviewer)
