"""Every change to an annotation, as one function each: check, act, record.

Each function takes keyword arguments, runs in one transaction, re-reads the annotation
under a row lock, refuses a stale version (`StaleVersion`, answered 409 by views), asks the
policy module whether the user may act, checks the state rules, writes the change, bumps
the annotation's version, writes a HistoryEntry, and bumps the article's
`annotations_version` so other open screens notice on their next poll.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import policy
from .models import (
    Annotation,
    Article,
    Evidence,
    HistoryAction,
    HistoryEntry,
    Kind,
    Review,
    ReviewOutcome,
    Source,
    SpeechType,
    Stance,
    State,
    Verdict,
)
from .policy import Action
from .text import grapheme_split_problem, quote_context


class WorkflowError(ValidationError):
    """A rule refused the change; the message says which and what to do."""


class StaleVersion(Exception):
    """The form was based on an older version of the annotation: nothing was changed."""

    def __init__(self, annotation: Annotation):
        self.annotation = annotation
        super().__init__(
            "This annotation was changed by someone else since you opened it "
            f"(now version {annotation.version}, {annotation.get_state_display().lower()}). "
            "Nothing was saved: reload to see the current version."
        )


# The attribute fields of each kind; changing the kind clears the others.
KIND_FIELDS = {
    Kind.NUMBER: [
        "number_value",
        "number_unit",
        "number_scale",
        "number_qualifier",
        "number_counts",
    ],
    Kind.QUOTATION: ["speaker", "speech_type", "attribution_start", "attribution_end"],
    Kind.CLAIM: ["claimant", "check_worthy"],
}
ATTRIBUTE_FIELDS = [name for names in KIND_FIELDS.values() for name in names]
EMPTY_VALUES = {
    "number_value": None,
    "attribution_start": None,
    "attribution_end": None,
    "check_worthy": None,
}


def _empty(field_name: str):
    return EMPTY_VALUES.get(field_name, "")


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if hasattr(value, "get_username"):
        return value.get_username()
    return value


@dataclass(frozen=True)
class SpanCheck:
    start: int
    end: int
    exact: str


def check_span(article: Article, start, end, exact: str | None) -> SpanCheck:
    """Refuse offsets that do not point at `exact` in the body (never trust the browser)."""
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise WorkflowError("The span's start and end must be whole numbers.") from None
    if not 0 <= start < end <= len(article.body):
        raise WorkflowError(
            f"The span [{start}, {end}) is outside the article (0 to {len(article.body)})."
        )
    actual = article.body[start:end]
    if exact is not None and actual != exact:
        raise WorkflowError(
            "The selected text does not match the article at those offsets "
            f"(expected {actual[:40]!r}, got {exact[:40]!r}). Reload the page and select again."
        )
    if (problem := grapheme_split_problem(article.body, start, end)) is not None:
        raise WorkflowError(problem)
    return SpanCheck(start, end, actual)


def _check_attributes(annotation: Annotation) -> None:
    if annotation.speech_type and annotation.speech_type not in SpeechType.values:
        raise WorkflowError("Speech is either direct or reported.")
    start, end = annotation.attribution_start, annotation.attribution_end
    if (start is None) != (end is None):
        raise WorkflowError("An attribution span needs both its start and its end.")
    if start is not None:
        check_span(annotation.article, start, end, None)


def _record(annotation, actor, action, *, from_state="", to_state="", changes=None, comment=""):
    HistoryEntry.objects.create(
        annotation=annotation,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        comment=comment,
    )
    Article.objects.filter(pk=annotation.article_id).update(
        annotations_version=F("annotations_version") + 1
    )


def _lock(annotation_id: int, version: int | None) -> Annotation:
    """Re-read the annotation under a row lock (PostgreSQL) and check the form's version.

    SQLite has no row locks; its transactions start IMMEDIATE (settings), which takes the
    database write lock at BEGIN, so the read-check-write below is serialised there too.
    """
    queryset = Annotation.objects.select_related("article", "author", "reviewer")
    if connection.features.has_select_for_update:
        # Only the annotation row: the reviewer is an outer join, which cannot be locked.
        queryset = queryset.select_for_update(of=("self",))
    try:
        annotation = queryset.get(pk=annotation_id)
    except Annotation.DoesNotExist:
        raise WorkflowError("This annotation does not exist.") from None
    if version is not None and int(version) != annotation.version:
        raise StaleVersion(annotation)
    return annotation


def _save(annotation: Annotation, fields: list[str]) -> None:
    annotation.version += 1
    annotation.save(update_fields=[*fields, "version", "updated_at"])


def annotation_create(
    *, article: Article, author, kind: str, start, end, exact: str, attributes=None
) -> Annotation:
    policy.check(author, Action.CREATE_ANNOTATION)
    if kind not in Kind.values:
        raise WorkflowError(f"Unknown kind {kind!r}: choose claim, number or quotation.")
    span = check_span(article, start, end, exact)
    prefix, suffix = quote_context(article.body, span.start, span.end)
    annotation = Annotation(
        article=article,
        author=author,
        kind=kind,
        start=span.start,
        end=span.end,
        exact=span.exact,
        prefix=prefix,
        suffix=suffix,
    )
    changes = {"span": [None, [span.start, span.end]], "kind": [None, kind]}
    for name, value in (attributes or {}).items():
        if name not in KIND_FIELDS[Kind(kind)]:
            raise WorkflowError(f"{name} is not an attribute of a {kind}.")
        setattr(annotation, name, value)
        if value != _empty(name):
            changes[name] = [None, _jsonable(value)]
    _check_attributes(annotation)
    with transaction.atomic():
        annotation.save()
        _record(annotation, author, HistoryAction.CREATED, to_state=State.DRAFT, changes=changes)
    return annotation


def annotation_update(*, annotation_id: int, user, version, changes: dict) -> Annotation:
    """Edit a draft: attributes of its kind, its kind, or its span (`start`, `end`)."""
    with transaction.atomic():
        annotation = _lock(annotation_id, version)
        policy.check(user, Action.EDIT_ANNOTATION, annotation)
        diff = {}
        new_kind = changes.get("kind", annotation.kind)
        if new_kind not in Kind.values:
            raise WorkflowError(f"Unknown kind {new_kind!r}: choose claim, number or quotation.")
        if new_kind != annotation.kind:
            for name in KIND_FIELDS[Kind(annotation.kind)]:
                old = getattr(annotation, name)
                if old != _empty(name):
                    diff[name] = [_jsonable(old), _jsonable(_empty(name))]
                setattr(annotation, name, _empty(name))
            diff["kind"] = [annotation.kind, new_kind]
            annotation.kind = new_kind
        if "start" in changes or "end" in changes:
            span = check_span(
                annotation.article,
                changes.get("start", annotation.start),
                changes.get("end", annotation.end),
                None,
            )
            if (span.start, span.end) != (annotation.start, annotation.end):
                diff["span"] = [[annotation.start, annotation.end], [span.start, span.end]]
                annotation.start, annotation.end, annotation.exact = (
                    span.start,
                    span.end,
                    span.exact,
                )
                annotation.prefix, annotation.suffix = quote_context(
                    annotation.article.body, span.start, span.end
                )
        for name, value in changes.items():
            if name in ("kind", "start", "end"):
                continue
            if name not in KIND_FIELDS[Kind(annotation.kind)]:
                raise WorkflowError(f"{name} is not an attribute of a {annotation.kind}.")
            old = getattr(annotation, name)
            if old != value:
                diff[name] = [_jsonable(old), _jsonable(value)]
                setattr(annotation, name, value)
        _check_attributes(annotation)
        if not diff:
            return annotation
        fields = ["kind", "start", "end", "exact", "prefix", "suffix", *ATTRIBUTE_FIELDS]
        _save(annotation, fields)
        _record(annotation, user, HistoryAction.EDITED, changes=diff)
    return annotation


def _transition(
    *,
    annotation_id: int,
    user,
    version,
    action: Action,
    history_action: HistoryAction,
    to_state: State,
    comment: str = "",
    updates: dict | None = None,
    changes: dict | None = None,
    precondition=None,
) -> Annotation:
    """Lock, check the version and the policy, change the state, record who/when/what."""
    updates = updates or {}
    with transaction.atomic():
        annotation = _lock(annotation_id, version)
        policy.check(user, action, annotation)
        if precondition is not None:
            precondition(annotation)
        from_state = annotation.state
        diff = dict(changes or {})
        if "reviewer" in updates and updates["reviewer"] != annotation.reviewer:
            diff["reviewer"] = [_jsonable(annotation.reviewer), _jsonable(updates["reviewer"])]
        annotation.state = to_state
        for name, value in updates.items():
            setattr(annotation, name, value)
        _save(annotation, ["state", *updates])
        _record(
            annotation,
            user,
            history_action,
            from_state=from_state,
            to_state=to_state,
            changes=diff,
            comment=comment,
        )
    return annotation


def annotation_withdraw(*, annotation_id: int, user, version) -> Annotation:
    """The author takes back a draft; it stays in the history, never deleted."""
    return _transition(
        annotation_id=annotation_id,
        user=user,
        version=version,
        action=Action.WITHDRAW_ANNOTATION,
        history_action=HistoryAction.WITHDRAWN,
        to_state=State.WITHDRAWN,
    )


def annotation_submit(*, annotation_id: int, user, version) -> Annotation:
    return _transition(
        annotation_id=annotation_id,
        user=user,
        version=version,
        action=Action.SUBMIT_ANNOTATION,
        history_action=HistoryAction.SUBMITTED,
        to_state=State.SUBMITTED,
        updates={"submitted_at": timezone.now()},
    )


def annotations_submit_all(*, article: Article, user) -> list[Annotation]:
    """Submit every draft of `user` in `article` (each as of its current version)."""
    drafts = Annotation.objects.filter(article=article, author=user, state=State.DRAFT)
    with transaction.atomic():
        return [
            annotation_submit(annotation_id=draft.pk, user=user, version=draft.version)
            for draft in drafts.only("pk", "version")
        ]


def annotation_take(*, annotation_id: int, reviewer, version=None) -> Annotation:
    """Assign one waiting item to `reviewer` (four-eyes: never their own)."""
    return _transition(
        annotation_id=annotation_id,
        user=reviewer,
        version=version,
        action=Action.TAKE,
        history_action=HistoryAction.TAKEN,
        to_state=State.IN_REVIEW,
        updates={"reviewer": reviewer, "taken_at": timezone.now()},
    )


def queue_take_next(*, reviewer, waiting=None) -> Annotation | None:
    """Assign the oldest waiting item (optionally from a filtered queue) to `reviewer`.

    On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent reviewers
    each get a different item without waiting on each other; the lock is held until the
    take commits. On SQLite the IMMEDIATE transaction holds the database write lock from
    BEGIN, so takers run one after the other and each reads the queue as the previous one
    left it. In both cases `annotation_take` re-checks the state under that lock: an item
    taken meanwhile is refused (never taken twice) and the next candidate is tried.
    """
    policy.check(reviewer, Action.VIEW_QUEUE)
    waiting = (waiting if waiting is not None else Annotation.objects.all()).waiting()
    waiting = waiting.exclude(author=reviewer).select_related(None)
    for _attempt in range(20):
        with transaction.atomic():
            candidates = waiting
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            candidate = candidates.only("pk").first()
            if candidate is None:
                return None
            try:
                return annotation_take(annotation_id=candidate.pk, reviewer=reviewer)
            except PermissionDenied:
                continue  # taken by someone else between our read and our lock
    return None


def annotation_release(*, annotation_id: int, user, version=None) -> Annotation:
    """Put an item in review back in the queue, in its old place (submitted_at is kept)."""
    return _transition(
        annotation_id=annotation_id,
        user=user,
        version=version,
        action=Action.RELEASE,
        history_action=HistoryAction.RELEASED,
        to_state=State.SUBMITTED,
        updates={"reviewer": None, "taken_at": None},
    )


def _require_reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(f"{what} needs a reason.")
    return text


def _ready_to_verify(annotation: Annotation) -> None:
    if not annotation.evidence.live().exists():
        if annotation.kind == Kind.QUOTATION:
            raise WorkflowError("Add a source where the quotation was said before verifying it.")
        raise WorkflowError("Add at least one evidence item before verifying.")


def _latest_verdict(annotation_id: int) -> str | None:
    latest = Review.objects.filter(annotation_id=annotation_id).order_by("-created_at", "-id")
    return latest.values_list("verdict", flat=True).first() or None


def _decide(
    *,
    annotation_id,
    reviewer,
    version,
    outcome: ReviewOutcome,
    verdict: str,
    rationale: str,
    to_state: State,
    action: Action,
    history_action: HistoryAction,
    updates: dict,
    precondition=None,
) -> Annotation:
    """A reviewer's decision: the transition plus a Review row, in one transaction."""
    with transaction.atomic():
        changes = {}
        if verdict:
            changes["verdict"] = [_latest_verdict(annotation_id), verdict]
        annotation = _transition(
            annotation_id=annotation_id,
            user=reviewer,
            version=version,
            action=action,
            history_action=history_action,
            to_state=to_state,
            comment=rationale,
            updates=updates,
            changes=changes,
            precondition=precondition,
        )
        Review.objects.create(
            annotation=annotation,
            reviewer=reviewer,
            outcome=outcome,
            verdict=verdict,
            rationale=rationale,
        )
    return annotation


def annotation_verify(
    *, annotation_id: int, reviewer, version, verdict: str, rationale: str = ""
) -> Annotation:
    """Verified with a verdict; claims and numbers need evidence, quotations a source."""
    if verdict not in Verdict.values:
        raise WorkflowError("Choose a verdict before verifying.")
    return _decide(
        annotation_id=annotation_id,
        reviewer=reviewer,
        version=version,
        outcome=ReviewOutcome.VERIFIED,
        verdict=verdict,
        rationale=(rationale or "").strip(),
        to_state=State.VERIFIED,
        action=Action.VERIFY,
        history_action=HistoryAction.VERIFIED,
        updates={"decided_at": timezone.now()},
        precondition=_ready_to_verify,
    )


def annotation_reject(*, annotation_id: int, reviewer, version, rationale: str) -> Annotation:
    """Not a fact worth keeping (wrong span, not a claim…): final, with a reason."""
    return _decide(
        annotation_id=annotation_id,
        reviewer=reviewer,
        version=version,
        outcome=ReviewOutcome.REJECTED,
        verdict="",
        rationale=_require_reason(rationale, "Rejecting"),
        to_state=State.REJECTED,
        action=Action.REJECT,
        history_action=HistoryAction.REJECTED,
        updates={"decided_at": timezone.now()},
    )


def annotation_send_back(*, annotation_id: int, reviewer, version, comment: str) -> Annotation:
    """Changes requested: the item returns to its author as a draft, with the comment."""
    return _decide(
        annotation_id=annotation_id,
        reviewer=reviewer,
        version=version,
        outcome=ReviewOutcome.SENT_BACK,
        verdict="",
        rationale=_require_reason(comment, "Sending back"),
        to_state=State.DRAFT,
        action=Action.SEND_BACK,
        history_action=HistoryAction.SENT_BACK,
        updates={"reviewer": None, "taken_at": None, "submitted_at": None},
    )


def annotation_reopen(*, annotation_id: int, editor, version, reason: str) -> Annotation:
    """An editor puts a decided item back in the review queue; the old reviews stay."""
    return _transition(
        annotation_id=annotation_id,
        user=editor,
        version=version,
        action=Action.REOPEN,
        history_action=HistoryAction.REOPENED,
        to_state=State.SUBMITTED,
        comment=_require_reason(reason, "Reopening"),
        updates={
            "reviewer": None,
            "taken_at": None,
            "decided_at": None,
            "submitted_at": timezone.now(),
        },
    )


LOCATOR_MAX_LENGTH = Evidence._meta.get_field("locator").max_length


def evidence_add(
    *, annotation_id: int, user, source: Source, stance: str, excerpt: str = "", locator: str = ""
) -> Evidence:
    """Link a source to the item under review. Only the reviewer holding it may.

    Evidence does not bump the annotation's version: the holder is the only one who can
    change it, and the verdict form already open on their screen must stay valid.
    """
    if stance not in Stance.values:
        raise WorkflowError("Choose a stance: supports, refutes or context.")
    if source is None or source.pk is None:
        raise WorkflowError("Choose a source or add a new one.")
    excerpt, locator = (excerpt or "").strip(), (locator or "").strip()
    if len(locator) > LOCATOR_MAX_LENGTH:
        raise WorkflowError(f"A locator has at most {LOCATOR_MAX_LENGTH} characters.")
    with transaction.atomic():
        annotation = _lock(annotation_id, None)
        policy.check(user, Action.EDIT_EVIDENCE, annotation)
        evidence = Evidence.objects.create(
            annotation=annotation,
            source=source,
            stance=stance,
            excerpt=excerpt,
            locator=locator,
            added_by=user,
        )
        changes = {"evidence": [None, evidence.pk], "source": [None, source.url]}
        changes |= {
            name: [None, value]
            for name, value in (("stance", stance), ("excerpt", excerpt), ("locator", locator))
            if value
        }
        _record(annotation, user, HistoryAction.EVIDENCE_ADDED, changes=changes)
    return evidence


def evidence_remove(*, evidence_id: int, user) -> Evidence:
    """Mark evidence removed (kept for the history, never deleted)."""
    with transaction.atomic():
        annotation_id = (
            Evidence.objects.filter(pk=evidence_id).values_list("annotation_id", flat=True).first()
        )
        if annotation_id is None:
            raise WorkflowError("This evidence does not exist.")
        annotation = _lock(annotation_id, None)
        policy.check(user, Action.EDIT_EVIDENCE, annotation)
        # Read again under the annotation's lock: a concurrent removal is seen here.
        evidence = Evidence.objects.select_related("source").get(pk=evidence_id)
        if evidence.removed_at is not None:
            raise WorkflowError("This evidence was already removed.")
        evidence.removed_at = timezone.now()
        evidence.removed_by = user
        evidence.save(update_fields=["removed_at", "removed_by"])
        _record(
            annotation,
            user,
            HistoryAction.EVIDENCE_REMOVED,
            changes={
                "evidence": [evidence.pk, None],
                "source": [evidence.source.url, None],
                "stance": [evidence.stance, None],
            },
        )
    return evidence
