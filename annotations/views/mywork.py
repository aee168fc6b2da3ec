"""My work: each person's page (assigned articles, drafts, what came back, what to review)
and their notifications (the list, marking them read).

A constant number of queries whatever the amount of work: each section is one query,
limited, with the latest review's outcome and reason read by subqueries.
"""

from collections import defaultdict

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import notifications, policy
from ..inputs import parse_id, parse_optional_id
from ..models import (
    Annotation,
    Assignment,
    AssignmentRole,
    Notification,
    Review,
    ReviewOutcome,
    State,
)
from ..policy import Action

# How many rows each section shows (the rest is counted as "more").
SECTION_LIMIT = 50
REJECTED_LIMIT = 20
RECENT_NOTIFICATIONS = 5
NOTIFICATIONS_PER_PAGE = 30
ANNOTATION_FIELDS = ("id", "kind", "exact", "state", "updated_at", "article_id", "article__title")


def _latest_review(field: str) -> Subquery:
    latest = Review.objects.filter(annotation=OuterRef("pk")).order_by("-created_at", "-id")
    return Subquery(latest.values(field)[:1])


def _with_latest_review(annotations):
    return annotations.annotate(
        review_outcome=_latest_review("outcome"),
        review_reason=_latest_review("rationale"),
        review_by=_latest_review("reviewer__username"),
        review_at=_latest_review("created_at"),
    )


def _limited(queryset, limit: int) -> tuple[list, bool]:
    """The first `limit` rows and whether there are more (one query: limit + 1 rows)."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def _assignments(user) -> tuple[list, list]:
    """(articles to annotate, articles to review) assigned to `user`, due first, each with
    the article's counts and, to annotate, the user's own annotations there per state."""
    rows = list(
        Assignment.objects.filter(assignee=user)
        .select_related("article", "article__counts")
        .defer("article__body")
        .order_by("due", "article__title", "id")
    )
    to_annotate = [row for row in rows if row.role == AssignmentRole.ANNOTATOR]
    mine = defaultdict(dict)
    if to_annotate:
        own = (
            Annotation.objects.live()
            .filter(author=user, article_id__in=[row.article_id for row in to_annotate])
            .values_list("article_id", "state")
            .annotate(count=Count("id"))
            .order_by()
        )
        for article_id, state, count in own:
            mine[article_id][state] = count
    today = timezone.localdate()
    for row in to_annotate:
        row.mine = mine[row.article_id]
        row.mine_total = sum(row.mine.values())
    for row in rows:
        row.overdue = row.due is not None and row.due < today
    return to_annotate, [row for row in rows if row.role == AssignmentRole.REVIEWER]


@require_GET
def my_work(request):
    user = request.user
    policy.check(user, Action.VIEW_ARTICLES)
    to_annotate, to_review = _assignments(user)
    drafts = _with_latest_review(
        Annotation.objects.filter(author=user, state=State.DRAFT)
        .select_related("article")
        .only(*ANNOTATION_FIELDS)
    )
    sent_back, more_sent_back = _limited(
        drafts.filter(review_outcome=ReviewOutcome.SENT_BACK).order_by("-review_at", "-id"),
        SECTION_LIMIT,
    )
    own_drafts, more_drafts = _limited(
        # Never reviewed (no outcome: NULL, which a plain exclude would drop) or reopened.
        drafts.filter(
            Q(review_outcome__isnull=True) | ~Q(review_outcome=ReviewOutcome.SENT_BACK)
        ).order_by("-updated_at", "-id"),
        SECTION_LIMIT,
    )
    rejected, more_rejected = _limited(
        _with_latest_review(
            Annotation.objects.filter(author=user, state=State.REJECTED)
            .select_related("article")
            .only(*ANNOTATION_FIELDS, "decided_at")
        ).order_by("-decided_at", "-id"),
        REJECTED_LIMIT,
    )
    context = {
        "to_annotate": to_annotate,
        "to_review": to_review,
        "sent_back": sent_back,
        "more_sent_back": more_sent_back,
        "drafts": own_drafts,
        "more_drafts": more_drafts,
        "rejected": rejected,
        "more_rejected": more_rejected,
        "reviews": policy.allows(user, Action.VIEW_QUEUE),
        "recent_notifications": list(
            Notification.objects.filter(recipient=user)
            .unread()
            .select_related("actor", "annotation__article")
            .defer("annotation__article__body")[:RECENT_NOTIFICATIONS]
        ),
    }
    if context["reviews"]:
        waiting = (
            Annotation.objects.waiting()
            .filter(article_id__in=[row.article_id for row in to_review])
            .exclude(author=user)
            .select_related("article", "author")
            .only(*ANNOTATION_FIELDS, "submitted_at", "author__username")
        )
        context["waiting"], context["more_waiting"] = _limited(waiting, SECTION_LIMIT)
        context["holding"] = list(
            Annotation.objects.filter(state=State.IN_REVIEW, reviewer=user)
            .select_related("article")
            .only(*ANNOTATION_FIELDS, "taken_at")
            .order_by("taken_at", "id")[:SECTION_LIMIT]
        )
    for notification in context["recent_notifications"]:
        notification.summary = notifications.summary(notification)
        notification.url = notifications.target_url(notification)
    return render(request, "annotations/my_work.html", context)


@require_GET
def notification_list(request):
    """Everyone has notifications: the page needs only a login (LoginRequiredMiddleware)."""
    user = request.user
    rows = (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "annotation__article")
        .defer("annotation__article__body")
    )
    page_number = parse_optional_id(request.GET.get("page"), name="page")
    page = Paginator(rows, NOTIFICATIONS_PER_PAGE).get_page(page_number)
    for notification in page.object_list:
        notification.summary = notifications.summary(notification)
        notification.url = notifications.target_url(notification)
    return render(request, "annotations/notifications.html", {"page": page})


@require_POST
def notifications_read(request):
    """Mark one notification read (`notification`), or all of them (no id)."""
    user = request.user
    raw = request.POST.get("notification")
    ids = None if raw in (None, "") else [parse_id(raw, name="notification")]
    count = notifications.notifications_mark_read(user=user, notification_ids=ids)
    if ids is None:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications")
