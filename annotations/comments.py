"""Comments: the thread on each annotation, its @mentions, and its place in the history.

A comment is written once and kept (no editing, no deleting); the annotation's history
gets a "commented" entry with the text, so the history reads as the whole story. A
comment changes nothing of the annotation: no version bump (a form open elsewhere stays
valid), no redraw of the annotate screens.
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from . import notifications, policy, visibility
from .inputs import text_problem
from .models import Annotation, Comment, HistoryAction, HistoryEntry
from .policy import Action

MAX_LENGTH = 5000
MAX_MENTIONS = 10
# @username: Django's username characters; not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")


class CommentError(ValidationError):
    """A comment the rules refuse; the message says why."""


@dataclass
class CommentResult:
    comment: Comment
    # Those told of the mention, and the names that reach nobody (unknown, or a person who
    # may not read the thread), for the message to the writer.
    notified: list = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def mentioned_names(body: str) -> list[str]:
    """The usernames after an @ in `body`, in order, once each (trailing punctuation off:
    "thanks @anna." mentions anna)."""
    names = []
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip(".-+@")
        if name and name not in names:
            names.append(name)
    return names


def _mentioned_users(names: list[str], annotation: Annotation) -> tuple[list, list[str]]:
    found = {
        user.get_username(): user
        for user in get_user_model().objects.filter(username__in=names, is_active=True)
    }
    users = [
        found[name]
        for name in names
        if name in found
        and policy.allows(found[name], Action.VIEW_COMMENTS, annotation)
        and visibility.may_see(found[name], annotation)  # blind annotation hides threads too
    ]
    reached = {user.get_username() for user in users}
    return users, [name for name in names if name not in reached]


def comment_add(*, annotation_id: int, user, body: str) -> CommentResult:
    """Add `user`'s comment to the annotation's thread; notify those it mentions."""
    body = (body or "").strip()
    if not body:
        raise CommentError("Write something first.")
    if len(body) > MAX_LENGTH:
        raise CommentError(f"A comment has at most {MAX_LENGTH} characters ({len(body)} here).")
    if (problem := text_problem(body)) is not None:
        raise CommentError(f"The comment {problem}.")
    names = mentioned_names(body)
    if len(names) > MAX_MENTIONS:
        raise CommentError(f"A comment mentions at most {MAX_MENTIONS} people.")
    with transaction.atomic():
        annotation = (
            Annotation.objects.select_related("article")
            .only("id", "kind", "state", "author_id", "article_id", "article__title")
            .filter(pk=annotation_id)
            .first()
        )
        if annotation is None:
            raise CommentError("This annotation does not exist.")
        policy.check(user, Action.COMMENT, annotation)
        if not visibility.may_see(user, annotation):  # hidden by blind annotation
            raise CommentError("This annotation does not exist.")
        comment = Comment.objects.create(annotation=annotation, author=user, body=body)
        HistoryEntry.objects.create(
            annotation=annotation,
            actor=user,
            action=HistoryAction.COMMENTED,
            comment=body,
        )
        # Mentioning oneself tells nobody and is no mistake either.
        names = [name for name in names if name != user.get_username()]
        mentioned, unknown = _mentioned_users(names, annotation)
        notifications.notify_comment(comment=comment, mentioned=mentioned)
    return CommentResult(comment=comment, notified=mentioned, unknown=unknown)


def thread(annotation: Annotation):
    """The annotation's comments, oldest first, with their authors (one query)."""
    return Comment.objects.filter(annotation=annotation).select_related("author")


def body_parts(body: str) -> list[tuple[str, bool]]:
    """`body` cut into (text, is_mention) parts, for the template to mark the @names."""
    parts, position = [], 0
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip(".-+@")
        start, end = match.start(), match.start() + 1 + len(name)
        if start > position:
            parts.append((body[position:start], False))
        parts.append((body[start:end], True))
        position = end
    if position < len(body):
        parts.append((body[position:], False))
    return parts
