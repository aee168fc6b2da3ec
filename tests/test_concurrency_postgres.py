"""Races on PostgreSQL: take-next under SKIP LOCKED, and two verifications of one item.

Threads need real transactions and their own connections: `transaction=True`, and each
thread closes its connection when done. Deselected on SQLite by tests/conftest.py (see
test_concurrency_sqlite.py for the SQLite race).
"""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from annotations import workflow
from annotations.models import Annotation, HistoryEntry, Review, Stance, State, Verdict
from annotations.policy import Role

from .factories import ArticleFactory, SourceFactory, UserFactory, workflow_submitted

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

PHRASE = "exports rose 30 percent"


def submitted(author, article):
    return workflow_submitted(author, article=article, phrase=PHRASE)


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
