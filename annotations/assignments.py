"""Assignments: editors give articles (one, a selection, an import batch) to annotators and,
optionally, reviewers, with a due date; and take them back.

An assignment says whose work an article is; it grants nothing (anyone who may annotate
still may, anywhere). Assigning the same person again in the same role changes the due
date and nothing else; assigning is idempotent otherwise. The rules here are checked
before anything is written, and a refused call writes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import notifications, policy
from .models import Article, Assignment, AssignmentRole, ImportBatch
from .policy import PERMISSION_FOR, REVIEW_PERMISSION, Action

# Rows per INSERT when a whole import batch is assigned.
BULK_SIZE = 500


class AssignmentError(ValidationError):
    """An assignment the rules refuse; the message says why and what to change."""


@dataclass(frozen=True)
class AssignResult:
    articles: int
    created: int
    updated: int


def assignable_annotators() -> QuerySet:
    """Active users whose role lets them annotate, by username."""
    users = get_user_model().objects.with_perm(PERMISSION_FOR[Action.CREATE_ANNOTATION])
    return users.filter(is_active=True).order_by("username")


def assignable_reviewers() -> QuerySet:
    """Active users whose role lets them review, by username."""
    users = get_user_model().objects.with_perm(REVIEW_PERMISSION)
    return users.filter(is_active=True).order_by("username")


def batch_articles(batch: ImportBatch) -> QuerySet[Article]:
    return Article.objects.filter(import_batch=batch)


def _names(users) -> str:
    return ", ".join(sorted(user.get_username() for user in users))


def _check_people(annotators: list, reviewers: list) -> None:
    if not annotators and not reviewers:
        raise AssignmentError("Choose at least one annotator or reviewer.")
    may_annotate = set(
        assignable_annotators()
        .filter(pk__in=[u.pk for u in annotators])
        .values_list("pk", flat=True)
    )
    not_annotators = [user for user in annotators if user.pk not in may_annotate]
    if not_annotators:
        raise AssignmentError(f"{_names(not_annotators)} may not annotate (check their role).")
    may_review = set(
        assignable_reviewers().filter(pk__in=[u.pk for u in reviewers]).values_list("pk", flat=True)
    )
    not_reviewers = [user for user in reviewers if user.pk not in may_review]
    if not_reviewers:
        raise AssignmentError(f"{_names(not_reviewers)} may not review (check their role).")
    annotator_ids = {user.pk for user in annotators}
    both = [user for user in reviewers if user.pk in annotator_ids]
    if both:
        raise AssignmentError(
            f"{_names(both)} cannot review the articles they annotate (four-eyes rule): "
            "choose them as annotator or as reviewer."
        )


def _article_ids(articles) -> list[int]:
    """The ids of `articles` (a QuerySet is read as ids only: a batch may be large)."""
    if isinstance(articles, QuerySet):
        return sorted(set(articles.values_list("pk", flat=True)))
    return sorted({article.pk for article in articles})


def _check_no_crossing(article_ids: list[int], annotators: list, reviewers: list) -> None:
    """Nobody becomes reviewer of an article they are assigned to annotate, or the reverse."""
    crossing = Assignment.objects.filter(article_id__in=article_ids).filter(
        assignee__in=annotators, role=AssignmentRole.REVIEWER
    ) | Assignment.objects.filter(article_id__in=article_ids).filter(
        assignee__in=reviewers, role=AssignmentRole.ANNOTATOR
    )
    clash = (
        crossing.select_related("assignee", "article")
        .only("role", "assignee__username", "article__title")
        .first()
    )
    if clash is not None:
        raise AssignmentError(
            f"{clash.assignee.get_username()} is already the {clash.get_role_display().lower()} "
            f"of “{clash.article.title}”: nobody both annotates and reviews an article."
        )


def articles_assign(
    *,
    editor,
    articles: Iterable[Article] | QuerySet[Article],
    annotators: Iterable = (),
    reviewers: Iterable = (),
    due: date | None = None,
) -> AssignResult:
    """Assign every article of `articles` to each annotator and each reviewer, due `due`.

    Existing assignments of the same person in the same role keep their row and take the
    new due date. Each person told once, after commit (`notifications.notify_assigned`).
    """
    policy.check(editor, Action.ASSIGN_ARTICLES)
    annotators, reviewers = list(annotators), list(reviewers)
    _check_people(annotators, reviewers)
    if due is not None and due < timezone.localdate():
        raise AssignmentError("The due date is in the past.")
    with transaction.atomic():
        article_ids = _article_ids(articles)
        if not article_ids:
            raise AssignmentError("Choose at least one article (tick them in the list).")
        _check_no_crossing(article_ids, annotators, reviewers)
        people = [(user, AssignmentRole.ANNOTATOR) for user in annotators]
        people += [(user, AssignmentRole.REVIEWER) for user in reviewers]
        existing = Assignment.objects.filter(
            article_id__in=article_ids, assignee__in=[user for user, _ in people]
        )
        existing_keys = set(existing.values_list("article_id", "assignee_id", "role"))
        rows = [
            Assignment(article_id=article_id, assignee=user, role=role, due=due, assigned_by=editor)
            for user, role in people
            for article_id in article_ids
        ]
        Assignment.objects.bulk_create(
            rows,
            batch_size=BULK_SIZE,
            update_conflicts=True,
            unique_fields=["article", "assignee", "role"],
            update_fields=["due", "assigned_by"],
        )
        updated = sum((row.article_id, row.assignee.pk, row.role) in existing_keys for row in rows)
        notifications.notify_assigned(
            editor=editor, people=people, article_ids=article_ids, due=due
        )
    return AssignResult(articles=len(article_ids), created=len(rows) - updated, updated=updated)


def articles_unassign(
    *,
    editor,
    articles: Iterable[Article] | QuerySet[Article],
    annotators: Iterable = (),
    reviewers: Iterable = (),
) -> int:
    """Remove the assignments of `annotators` (as annotators) and `reviewers` (as reviewers)
    on `articles`; how many were removed (people not assigned there are no error)."""
    policy.check(editor, Action.ASSIGN_ARTICLES)
    annotators, reviewers = list(annotators), list(reviewers)
    if not annotators and not reviewers:
        raise AssignmentError("Choose whom to unassign: annotators, reviewers or both.")
    article_ids = _article_ids(articles)
    if not article_ids:
        raise AssignmentError("Choose at least one article (tick them in the list).")
    on_articles = Assignment.objects.filter(article_id__in=article_ids)
    removed = on_articles.filter(assignee__in=annotators, role=AssignmentRole.ANNOTATOR)
    removed |= on_articles.filter(assignee__in=reviewers, role=AssignmentRole.REVIEWER)
    with transaction.atomic():
        count, _ = removed.delete()
    return count
