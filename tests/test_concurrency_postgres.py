"""Races on PostgreSQL: take-next under SKIP LOCKED, two verifications of one item, and
"Submit all" against edits of its drafts (one lock order: article row, then annotations).

Threads need real transactions and their own connections: `transaction=True`, and each
thread closes its connection when done. Deselected on SQLite by tests/conftest.py (see
test_concurrency_sqlite.py for the SQLite race).
"""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from annotations import workflow
from annotations.models import Annotation, HistoryEntry, Kind, Review, Stance, State, Verdict
from annotations.policy import Role

from .factories import (
    ArticleFactory,
    SourceFactory,
    UserFactory,
    overlapping_annotations,
    workflow_submitted,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

PHRASE = "exports rose 30 percent"


def submitted(author, article):
    # Many waiting items on one phrase of one article: duplicates on purpose.
    return workflow_submitted(author, article=article, phrase=PHRASE, confirm_duplicate=True)


def run_at_once(functions):
    """Start every function at the same moment in its own thread; return results or errors."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = function()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_twenty_reviewers_taking_next_at_once_get_twenty_different_items():
    author = UserFactory(role=Role.ANNOTATOR)
    article = ArticleFactory()  # one article: every take also updates the same article row
    items = {submitted(author, article).pk for _ in range(20)}
    reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(20)]

    outcomes = run_at_once(
        [
            lambda reviewer=reviewer: workflow.queue_take_next(reviewer=reviewer)
            for reviewer in reviewers
        ]
    )

    assert all(isinstance(outcome, Annotation) for outcome in outcomes), outcomes
    taken = [outcome.pk for outcome in outcomes]
    assert sorted(taken) == sorted(items)  # 20 distinct items, none twice
    rows = Annotation.objects.filter(pk__in=items)
    assert {row.state for row in rows} == {State.IN_REVIEW}
    assert len({row.reviewer_id for row in rows}) == 20
    assert HistoryEntry.objects.filter(action="taken").count() == 20


def test_more_reviewers_than_items_leaves_the_extra_ones_empty_handed():
    author = UserFactory(role=Role.ANNOTATOR)
    items = {submitted(author, ArticleFactory()).pk for _ in range(5)}
    reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(12)]

    outcomes = run_at_once(
        [
            lambda reviewer=reviewer: workflow.queue_take_next(reviewer=reviewer)
            for reviewer in reviewers
        ]
    )

    taken = [outcome.pk for outcome in outcomes if isinstance(outcome, Annotation)]
    assert sorted(taken) == sorted(items)
    assert outcomes.count(None) == 7


def _ready_to_verify():
    author = UserFactory(role=Role.ANNOTATOR)
    reviewer = UserFactory(role=Role.REVIEWER)
    annotation = submitted(author, ArticleFactory())
    annotation = workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)
    workflow.evidence_add(
        annotation_id=annotation.pk, user=reviewer, source=SourceFactory(), stance=Stance.SUPPORTS
    )
    return annotation, reviewer


def _verify(annotation, reviewer, verdict):
    return lambda: workflow.annotation_verify(
        annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version, verdict=verdict
    )


def test_the_same_verification_sent_twice_at_once_is_applied_once():
    annotation, reviewer = _ready_to_verify()

    outcomes = run_at_once(
        [
            _verify(annotation, reviewer, Verdict.ACCURATE),
            _verify(annotation, reviewer, Verdict.MISLEADING),
        ]
    )

    successes = [outcome for outcome in outcomes if isinstance(outcome, Annotation)]
    conflicts = [outcome for outcome in outcomes if isinstance(outcome, workflow.StaleVersion)]
    assert len(successes) == 1 and len(conflicts) == 1, outcomes
    assert HistoryEntry.objects.filter(annotation=annotation, action="verified").count() == 1
    assert Review.objects.filter(annotation=annotation).count() == 1
    final = Annotation.objects.get(pk=annotation.pk)
    assert (final.state, final.version) == (State.VERIFIED, annotation.version + 1)


def test_two_reviewers_verifying_one_item_at_once_one_succeeds_one_is_refused():
    annotation, holder = _ready_to_verify()
    other = UserFactory(role=Role.REVIEWER)

    outcomes = run_at_once(
        [
            _verify(annotation, holder, Verdict.ACCURATE),
            _verify(annotation, other, Verdict.INACCURATE),
        ]
    )

    assert isinstance(outcomes[0], Annotation), outcomes
    assert isinstance(outcomes[1], PermissionDenied | workflow.StaleVersion), outcomes
    assert HistoryEntry.objects.filter(annotation=annotation, action="verified").count() == 1
    assert Review.objects.get(annotation=annotation).reviewer == holder


def test_two_reviewers_taking_the_same_item_at_once_one_gets_it():
    author = UserFactory(role=Role.ANNOTATOR)
    annotation = submitted(author, ArticleFactory())
    reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(2)]

    outcomes = run_at_once(
        [
            lambda reviewer=reviewer: workflow.annotation_take(
                annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version
            )
            for reviewer in reviewers
        ]
    )

    assert sum(isinstance(outcome, Annotation) for outcome in outcomes) == 1, outcomes
    assert HistoryEntry.objects.filter(annotation=annotation, action="taken").count() == 1


# ---- Submit all racing edits of the same drafts: one lock order, conflicts are 409 ----

EDITS = {Kind.CLAIM: "claimant", Kind.NUMBER: "number_unit", Kind.QUOTATION: "speaker"}
HTMX = {"HX-Request": "true"}


def _client(user):
    client = Client(raise_request_exception=True)  # a 500 would surface as its exception
    client.force_login(user)
    return client


def _post(client, url, data):
    return lambda: client.post(url, data, headers=HTMX).status_code


def test_submit_all_racing_edits_of_its_drafts_answers_200_or_409_and_keeps_history():
    author = UserFactory(role=Role.ANNOTATOR)
    clients = [_client(author) for _ in range(4)]  # one screen per tab
    for _round in range(20):
        article = ArticleFactory()
        drafts = overlapping_annotations(article, [author], 6, seed=_round)
        edits = {
            draft.pk: ({"version": 1, EDITS[draft.kind]: f"tab {index}"}, EDITS[draft.kind])
            for index, draft in enumerate(drafts[:3])
        }

        outcomes = run_at_once(
            [
                _post(
                    clients[0],
                    reverse("annotate_submit_all", args=[article.pk]),
                    {"confirm_unsaved": "1"},
                ),
                *(
                    _post(clients[1 + index], reverse("annotate_edit", args=[pk]), data)
                    for index, (pk, (data, _field)) in enumerate(edits.items())
                ),
            ]
        )

        assert outcomes[0] == 200, outcomes  # submit-all waits for the edits, never fails
        assert all(outcome in (200, 409) for outcome in outcomes[1:]), outcomes
        rows = {row.pk: row for row in Annotation.objects.filter(article=article)}
        assert {row.state for row in rows.values()} == {State.SUBMITTED}
        history = HistoryEntry.objects.filter(annotation__article=article)
        for row in rows.values():
            entries = [entry for entry in history if entry.annotation_id == row.pk]
            assert [e.action for e in entries].count("submitted") == 1
            assert row.version == 1 + len(entries)  # every version has its history entry
        for (pk, (data, field)), status in zip(edits.items(), outcomes[1:], strict=True):
            applied = getattr(rows[pk], field) == data[field]
            assert applied == (status == 200), (pk, status, getattr(rows[pk], field))
            edited = [
                entry for entry in history if entry.annotation_id == pk and entry.action == "edited"
            ]
            assert len(edited) == (1 if applied else 0)


def test_a_writer_never_waits_for_an_annotation_row_held_without_its_article():
    """Take-next holds its candidate before the article; a writer that then met that row
    must answer a conflict at once, never wait (waiting could close a deadlock)."""
    author = UserFactory(role=Role.ANNOTATOR)
    reviewer = UserFactory(role=Role.REVIEWER)
    annotation = submitted(author, ArticleFactory())
    held, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                Annotation.objects.select_for_update().get(pk=annotation.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert held.wait(timeout=30)
        with pytest.raises(workflow.Busy, match="at this very moment"):
            workflow.annotation_take(
                annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version
            )
    finally:
        release.set()
        holder.join(timeout=30)
    assert Annotation.objects.get(pk=annotation.pk).state == State.SUBMITTED


def test_take_next_racing_a_direct_take_of_the_same_item_never_deadlocks():
    author = UserFactory(role=Role.ANNOTATOR)
    for _round in range(20):
        article = ArticleFactory()
        items = [submitted(author, article) for _ in range(2)]
        by_queue, by_hand = UserFactory(role=Role.REVIEWER), UserFactory(role=Role.REVIEWER)

        outcomes = run_at_once(
            [
                lambda reviewer=by_queue, article=article: workflow.queue_take_next(
                    reviewer=reviewer, waiting=Annotation.objects.filter(article=article)
                ),
                lambda reviewer=by_hand, item=items[0]: workflow.annotation_take(
                    annotation_id=item.pk, reviewer=reviewer, version=item.version
                ),
            ]
        )

        # Taken, or refused as a conflict (Busy is a StaleVersion); never a deadlock error.
        expected = (Annotation, PermissionDenied, workflow.StaleVersion)
        assert all(isinstance(outcome, expected) for outcome in outcomes), outcomes
        taken = HistoryEntry.objects.filter(annotation__article=article, action="taken")
        assert taken.count() == sum(isinstance(o, Annotation) for o in outcomes)
