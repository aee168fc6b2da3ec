"""Per-article counters (ArticleCounts) stay equal to a recount after any write.

The database keeps them with triggers (migration 0010), so every path is covered: the
workflow's functions, submit-all's single UPDATE, the admin's actions, bulk_create,
QuerySet.update() and delete().
"""

import importlib
import random

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q
from django.urls import reverse

from annotations import workflow
from annotations.models import Annotation, Article, ArticleCounts, Kind, State, Verdict
from annotations.policy import Role

from .factories import (
    AnnotationFactory,
    ArticleFactory,
    SourceFactory,
    UserFactory,
    verified_annotation,
)

pytestmark = pytest.mark.django_db

BODY = (
    "The minister said “exports rose 30 percent to US$518.4 billion” in 2024. "
    "More than 200 projects were built, officials said. Analysts were not convinced: "
    "“Growth will slow next year,” said Li Wei."
)
PHRASES = [
    "exports rose 30 percent",
    "US$518.4 billion",
    "200 projects",
    "officials said",
    "Growth will slow next year",
    "Li Wei",
    "The minister said",
]


def recount(article_id: int) -> dict[str, int]:
    """The counters as an aggregate over the annotations would give them."""
    live = ~Q(state=State.WITHDRAWN)
    aggregates = {kind: Count("pk", filter=Q(kind=kind) & live) for kind in Kind.values}
    aggregates |= {state: Count("pk", filter=Q(state=state)) for state in State.values}
    aggregates["total"] = Count("pk", filter=live)
    return Annotation.objects.filter(article_id=article_id).aggregate(**aggregates)


def stored(article_id: int) -> dict[str, int]:
    counts = ArticleCounts.objects.get(article_id=article_id)
    return {name: getattr(counts, name) for name in ArticleCounts.COUNTERS}


def assert_exact(*articles):
    for article in articles:
        assert stored(article.pk) == recount(article.pk), article


def test_every_new_article_gets_zero_counts_even_from_bulk_create(db):
    created = ArticleFactory()
    bulk = Article.objects.bulk_create(
        [Article(title=f"Bulk {i}", body=f"Body {i}.", checksum=f"{i:064x}") for i in range(3)]
    )

    for article in [created, *bulk]:
        assert stored(article.pk) == dict.fromkeys(ArticleCounts.COUNTERS, 0)


def test_the_article_list_counts_are_the_counters(client_for, annotator):
    article = ArticleFactory()
    AnnotationFactory(article=article, kind=Kind.CLAIM)
    AnnotationFactory(article=article, kind=Kind.NUMBER, phrase="30 percent", state=State.WITHDRAWN)
    ArticleCounts.objects.filter(article=article).update(claim=41)  # only to tell them apart

    response = client_for(annotator).get(reverse("article_list"))

    assert response.context["page"].object_list[0].counts.claim == 41
    assert '<td class="num">41</td>' in response.text


class NothingToDo(Exception):
    pass


class Desk:
    """Annotators, reviewers and an editor working through the workflow at random."""

    def __init__(self, seed: int, articles):
        self.random = random.Random(seed)
        self.articles = articles
        self.annotators = [UserFactory(role=Role.ANNOTATOR) for _ in range(2)]
        self.reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(2)]
        self.editor = UserFactory(role=Role.EDITOR)
        self.source = SourceFactory()

    def pick(self, *states):
        annotations = list(Annotation.objects.filter(state__in=states).order_by("pk"))
        if not annotations:
            raise NothingToDo()
        return self.random.choice(annotations)

    def reviewer_for(self, annotation):
        return annotation.reviewer or next(
            r for r in self.reviewers if r.pk != annotation.author_id
        )

    def create(self):
        article = self.random.choice(self.articles)
        phrase = self.random.choice(PHRASES)
        start = article.body.index(phrase)
        workflow.annotation_create(
            article=article,
            author=self.random.choice(self.annotators),
            kind=self.random.choice(Kind.values),
            start=start,
            end=start + len(phrase),
            exact=phrase,
            confirm_duplicate=True,
        )

    def change_kind(self):
        draft = self.pick(State.DRAFT)
        kind = self.random.choice([k for k in Kind.values if k != draft.kind])
        workflow.annotation_update(
            annotation_id=draft.pk,
            user=draft.author,
            version=draft.version,
            changes={"kind": kind},
        )

    def withdraw(self):
        draft = self.pick(State.DRAFT)
        workflow.annotation_withdraw(
            annotation_id=draft.pk, user=draft.author, version=draft.version
        )

    def submit(self):
        draft = self.pick(State.DRAFT)
        workflow.annotation_submit(annotation_id=draft.pk, user=draft.author, version=draft.version)

    def submit_all(self):
        draft = self.pick(State.DRAFT)
        workflow.annotations_submit_all(
            article=draft.article, user=draft.author, confirm_unsaved=True
        )

    def take(self):
        waiting = self.pick(State.SUBMITTED)
        workflow.annotation_take(
            annotation_id=waiting.pk,
            reviewer=self.reviewer_for(waiting),
            version=waiting.version,
        )

    def take_next(self):
        workflow.queue_take_next(reviewer=self.random.choice(self.reviewers))

    def release(self):
        held = self.pick(State.IN_REVIEW)
        workflow.annotation_release(annotation_id=held.pk, user=held.reviewer, version=held.version)

    def verify(self):
        held = self.pick(State.IN_REVIEW)
        workflow.evidence_add(
            annotation_id=held.pk, user=held.reviewer, source=self.source, stance="supports"
        )
        held.refresh_from_db()
        workflow.annotation_verify(
            annotation_id=held.pk,
            reviewer=held.reviewer,
            version=held.version,
            verdict=self.random.choice(Verdict.values),
        )

    def reject(self):
        held = self.pick(State.IN_REVIEW)
        workflow.annotation_reject(
            annotation_id=held.pk, reviewer=held.reviewer, version=held.version, rationale="No."
        )

    def send_back(self):
        held = self.pick(State.IN_REVIEW)
        workflow.annotation_send_back(
            annotation_id=held.pk, reviewer=held.reviewer, version=held.version, comment="Fix."
        )

    def reopen(self):
        decided = self.pick(State.VERIFIED, State.REJECTED)
        workflow.annotation_reopen(
            annotation_id=decided.pk,
            editor=self.editor,
            version=decided.version,
            reason="Again.",
        )

    def bulk_update(self):
        """Outside the workflow (a data fix in a shell): the counters follow all the same."""
        chosen = [a.pk for a in Annotation.objects.order_by("?")[:3]]
        Annotation.objects.filter(pk__in=chosen, state=State.DRAFT).update(state=State.WITHDRAWN)

    OPERATIONS = (
        "create", "create", "create", "change_kind", "withdraw", "submit", "submit_all",
        "take", "take", "take_next", "release", "verify", "verify", "reject", "send_back",
        "reopen", "bulk_update",
    )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counters_equal_a_recount_after_random_workflow_operations(seed):
    articles = [ArticleFactory(body=BODY), ArticleFactory(body=BODY + " Again.")]
    desk = Desk(seed, articles)
    done, seen = [], set()

    for _step in range(120):
        operation = desk.random.choice(Desk.OPERATIONS)
        try:
            getattr(desk, operation)()
        except NothingToDo:
            continue
        except (workflow.WorkflowError, PermissionDenied):
            pass  # refused: nothing was written, and the counters must say so too
        else:
            done.append(operation)
        seen |= set(Annotation.objects.values_list("state", flat=True))
        assert_exact(*articles)

    # The run did go through the workflow, not just create drafts.
    assert {"create", "change_kind", "submit", "take", "verify", "reopen"} <= set(done)
    assert {State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.VERIFIED} <= seen


def test_admin_actions_move_the_counters(client_for, editor, annotator, reviewer):
    article = ArticleFactory()
    annotation = AnnotationFactory(article=article, author=annotator, state=State.DRAFT)
    workflow.annotation_submit(annotation_id=annotation.pk, user=annotator, version=1)
    annotation = workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)
    assert stored(article.pk)["in_review"] == 1

    client_for(editor).post(
        reverse("admin:annotations_annotation_changelist"),
        {"action": "release", "index": 0, helpers.ACTION_CHECKBOX_NAME: [annotation.pk]},
        follow=True,
    )

    assert Annotation.objects.get(pk=annotation.pk).state == State.SUBMITTED
    assert stored(article.pk)["submitted"] == 1
    assert_exact(article)


def test_bulk_create_update_delete_and_moving_articles_are_counted(annotator):
    first, second = ArticleFactory(), ArticleFactory()
    made = Annotation.objects.bulk_create(
        [
            AnnotationFactory.build(article=first, author=annotator, kind=kind, state=state)
            for kind, state in [
                (Kind.CLAIM, State.DRAFT),
                (Kind.NUMBER, State.SUBMITTED),
                (Kind.QUOTATION, State.WITHDRAWN),
            ]
        ]
    )
    assert stored(first.pk) | {} == recount(first.pk)
    assert stored(first.pk)["total"] == 2

    Annotation.objects.filter(article=first).update(kind=Kind.QUOTATION)
    assert_exact(first)
    Annotation.objects.filter(pk=made[0].pk).update(article=second)  # same body: same span
    assert_exact(first, second)
    Annotation.objects.filter(pk=made[1].pk).delete()
    assert_exact(first, second)
    assert stored(first.pk)["total"] == 0 and stored(second.pk)["total"] == 1


def test_an_unchanged_state_written_again_moves_nothing(annotator):
    annotation = verified_annotation(author=annotator)
    before = stored(annotation.article_id)

    Annotation.objects.filter(pk=annotation.pk).update(state=State.VERIFIED, kind=Kind.CLAIM)

    assert stored(annotation.article_id) == before == recount(annotation.article_id)


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_annotations_that_exist_before_it(annotator):
    migration = importlib.import_module("annotations.migrations.0010_article_counts")
    before = [("annotations", "0009_annotation_versions")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("annotations")
    article = ArticleFactory()
    other = ArticleFactory()
    AnnotationFactory(article=article, author=annotator, kind=Kind.NUMBER, phrase="30 percent")
    AnnotationFactory(article=article, author=annotator, state=State.WITHDRAWN)
    AnnotationFactory(
        article=article, author=annotator, state=State.VERIFIED, reviewer=UserFactory()
    )
    expected = {pk: recount(pk) for pk in (article.pk, other.pk)}
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(before)  # the counters and their triggers are gone
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        assert {pk: stored(pk) for pk in expected} == expected
        # And the triggers are back: a new annotation counts.
        AnnotationFactory(article=other, author=annotator)
        assert stored(other.pk)["draft"] == 1
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert migration.COUNTERS == ArticleCounts.COUNTERS
