"""Notifications: who is told what when a decision, an assignment or a comment happens.

The workflow, `assignments.py` and `comments.py` call one `notify_*` function inside their
transaction. It writes the Notification rows (in the app: the notifications page, the
count in the navigation); after commit it drops the recipients' cached unread counts and,
for the kinds in EMAILED_KINDS, enqueues one background task per e-mail
(`tasks.notification_email`), so a rolled-back change tells nobody and a slow mail server
never slows a review down.
"""

from datetime import date
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .models import Annotation, AssignmentRole, Notification, NotificationKind, ReviewOutcome

# Kinds worth an e-mail: something the person must act on or will want to know soon.
EMAILED_KINDS = frozenset(
    {
        NotificationKind.SENT_BACK,
        NotificationKind.REJECTED,
        NotificationKind.VERIFIED,
        NotificationKind.MENTION,
    }
)
DECISION_KINDS = {
    ReviewOutcome.SENT_BACK: NotificationKind.SENT_BACK,
    ReviewOutcome.REJECTED: NotificationKind.REJECTED,
    ReviewOutcome.VERIFIED: NotificationKind.VERIFIED,
}
# The unread count in the navigation is read on every page: cached, dropped on change.
UNREAD_CACHE_SECONDS = 300
EXCERPT_LENGTH = 80


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


# ---- Making them ----


def _after_commit(notifications: list[Notification]) -> None:
    """Forget the recipients' cached counts and enqueue the e-mails, once committed."""
    recipient_ids = {notification.recipient_id for notification in notifications}
    emailed = [n.pk for n in notifications if n.kind in EMAILED_KINDS]

    def done():
        cache.delete_many([_unread_key(user_id) for user_id in recipient_ids])
        from .tasks import notification_email

        for notification_id in emailed:
            notification_email.enqueue(notification_id)

    transaction.on_commit(done, robust=True)


def notify_many(notifications: list[Notification]) -> list[Notification]:
    """Save `notifications` (one INSERT) and tell their recipients after commit."""
    if not notifications:
        return []
    created = Notification.objects.bulk_create(notifications)
    _after_commit(created)
    return created


def notify_decision(*, annotation: Annotation, reviewer, outcome: str, rationale: str) -> None:
    """The author learns that their annotation was sent back, rejected or verified."""
    notify_many(
        [
            Notification(
                recipient_id=annotation.author_id,
                kind=DECISION_KINDS[outcome],
                actor=reviewer,
                annotation=annotation,
                article_id=annotation.article_id,
                text=rationale,
            )
        ]
    )


def notify_assigned(*, editor, people: list[tuple], article_ids: list[int], due: date | None):
    """Each person assigned is told once: how many articles, in which role, by when."""
    notifications = []
    for user, role in people:
        if user.pk == editor.pk:
            continue  # one's own doing is no news
        count = len(article_ids)
        verb = "annotate" if role == AssignmentRole.ANNOTATOR else "review"
        what = f"{count} article{'s' if count != 1 else ''} to {verb}"
        notifications.append(
            Notification(
                recipient=user,
                kind=NotificationKind.ASSIGNED,
                actor=editor,
                article_id=article_ids[0] if count == 1 else None,
                text=f"{what}, due {due:%Y-%m-%d}" if due else what,
            )
        )
    notify_many(notifications)


def notify_comment(*, comment, mentioned: list) -> None:
    """Everyone `mentioned` in `comment`, and the annotation's author (when someone else
    comments on their annotation, unless they were mentioned anyway)."""
    annotation = comment.annotation
    base = {
        "actor_id": comment.author_id,
        "annotation": annotation,
        "article_id": annotation.article_id,
        "text": comment.body,
    }
    notifications = [
        Notification(recipient=user, kind=NotificationKind.MENTION, **base)
        for user in mentioned
        if user.pk != comment.author_id
    ]
    told = {notification.recipient.pk for notification in notifications}
    if annotation.author_id != comment.author_id and annotation.author_id not in told:
        notifications.append(
            Notification(recipient_id=annotation.author_id, kind=NotificationKind.COMMENT, **base)
        )
    notify_many(notifications)


# ---- Reading them ----


def unread_count(user) -> int:
    """How many notifications `user` has not read: from the cache, or one counting query."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user).unread().count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def navigation(request) -> dict:
    """Context processor: the unread count for the navigation, read only if shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(partial(unread_count, user))}


def notifications_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark `user`'s notifications read (all of them, or those of `notification_ids`);
    how many changed. Other people's ids are ignored, never an error."""
    unread = Notification.objects.filter(recipient=user).unread()
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    with transaction.atomic():
        count = unread.update(read_at=timezone.now())
        transaction.on_commit(partial(cache.delete, _unread_key(user.pk)), robust=True)
    return count


def target_url(notification: Notification) -> str:
    """Where a notification leads: the review item for a decision (the author may open
    it), the annotation on the annotate screen for a comment, the article list otherwise."""
    if notification.kind in (
        NotificationKind.SENT_BACK,
        NotificationKind.REJECTED,
        NotificationKind.VERIFIED,
    ):
        return reverse("review_item", args=[notification.annotation_id])
    if notification.annotation_id is not None:
        url = reverse("article_detail", args=[notification.article_id])
        return f"{url}?a={notification.annotation_id}#panel"
    if notification.article_id is not None:
        return reverse("article_detail", args=[notification.article_id])
    return reverse("my_work")


def summary(notification: Notification) -> str:
    """One line saying what happened, as the page and the e-mail's subject put it."""
    actor = notification.actor.get_username() if notification.actor else "Someone"
    annotation = notification.annotation
    what = f"your {annotation.get_kind_display().lower()}" if annotation else ""
    where = f" in “{_excerpt(annotation.article.title)}”" if annotation else ""
    match notification.kind:
        case NotificationKind.SENT_BACK:
            return f"{actor} sent {what}{where} back to you"
        case NotificationKind.REJECTED:
            return f"{actor} rejected {what}{where}"
        case NotificationKind.VERIFIED:
            return f"{actor} verified {what}{where}"
        case NotificationKind.MENTION:
            kind = annotation.get_kind_display().lower()
            return f"{actor} mentioned you on a {kind}{where}"
        case NotificationKind.COMMENT:
            return f"{actor} commented on {what}{where}"
        case _:
            return f"{actor} assigned you {notification.text}"


# ---- E-mail (the background task's work) ----


def email_send(*, notification_id: int) -> str:
    """Send the e-mail of one notification, once: "sent", or why not.

    Claimed by one conditional UPDATE first, so two workers never both send it; a
    failure to send releases the claim (and the task fails, for the worker's log).
    """
    claimed = Notification.objects.filter(
        pk=notification_id, emailed_at__isnull=True, kind__in=EMAILED_KINDS
    ).update(emailed_at=timezone.now())
    if not claimed:
        return "already sent or not e-mailed"
    notification = Notification.objects.select_related(
        "recipient", "actor", "annotation__article"
    ).get(pk=notification_id)
    address = notification.recipient.email
    if not address or not notification.recipient.is_active:
        return "no address"
    lines = [summary(notification) + "."]
    if notification.annotation is not None:
        lines += ["", f"“{_excerpt(notification.annotation.exact)}”"]
    if notification.text:
        label = "Comment" if notification.kind == NotificationKind.MENTION else "Reason"
        lines += ["", f"{label}:", notification.text]
    lines += ["", f"Open it: {settings.PUBLIC_BASE_URL}{target_url(notification)}"]
    lines += ["", f"All your notifications: {settings.PUBLIC_BASE_URL}{reverse('notifications')}"]
    try:
        send_mail(
            subject=f"[Workbench] {summary(notification)}",
            message="\n".join(lines),
            from_email=None,  # DEFAULT_FROM_EMAIL
            recipient_list=[address],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return "sent"
