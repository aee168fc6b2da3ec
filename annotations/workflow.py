"""Every change to an annotation, as one function each: check, act, record.

Each function takes keyword arguments and runs in one transaction. It locks the article's
row first and then the annotation rows it changes, in id order (`_lock`), refuses a stale
version (`StaleVersion`, answered 409 by views, saying who changed it and when), asks the
policy module whether the user may act, checks the state rules, writes the change, bumps
the annotation's version, writes a HistoryEntry, and bumps the article's
`annotations_version` once so other open screens notice on their next poll. Each annotation
whose drawing on the annotate screen changed records that new article version
(`changed_version`): the screens fetch only those (see highlight.screen_changes).

One lock order for every write is what keeps PostgreSQL free of deadlocks: every writer
waits for the article row before it touches an annotation row, so two writers on one
article run one after the other. The only transaction that holds an annotation row before
its article is `queue_take_next` (it must pick a waiting item with SKIP LOCKED); writers
therefore lock annotation rows with NOWAIT, and a row held that way is answered as a
conflict (`Busy`, 409) instead of a wait that could close a cycle.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.formats import date_format

from . import double_review, events, notifications, policy, statements
from .exporters import decimal_text
from .models import (
    Annotation,
    Article,
    Evidence,
    HistoryAction,
    HistoryEntry,
    Kind,
    Review,
    ReviewOutcome,
    RoundStatus,
    Source,
    SpeechType,
    Stance,
    State,
    Verdict,
    open_round_of,
)
from .policy import Action
from .suggest import read_number, suggest_speaker, suggest_speech_type
from .text import assign_lanes, grapheme_split_problem, lanes_moved, quote_context


class WorkflowError(ValidationError):
    """A rule refused the change; the message says which and what to do."""


# Actions that do not change an annotation's version (evidence is the holder's alone; a
# comment is said about the annotation, it changes nothing of it).
UNVERSIONED_ACTIONS = (
    HistoryAction.EVIDENCE_ADDED,
    HistoryAction.EVIDENCE_REMOVED,
    HistoryAction.COMMENTED,
)
# How many of the changes made since a stale form was opened its message names.
STALE_CHANGES_NAMED = 3


class StaleVersion(Exception):
    """The form was based on an older version of the annotation: nothing was changed.

    The message says who changed it since (the user themselves, in another tab or window,
    or the other people by name), what they did and when, read from the history.
    """

    def __init__(self, annotation: Annotation | None, *, user=None, changes=(), message=""):
        self.annotation = annotation
        self.changes = list(changes)
        super().__init__(message or _stale_message(annotation, user, self.changes))


def _stale_message(annotation: Annotation, user, changes: list[HistoryEntry]) -> str:
    user_id = getattr(user, "pk", None)
    if not changes:
        opening = "This annotation was changed since you opened it"
    elif all(entry.actor_id == user_id for entry in changes):
        opening = "You changed this annotation in another tab or window since this one opened it"
    else:
        opening = "This annotation was changed by someone else since you opened it"
    phrases = []
    for entry in changes:
        action = entry.get_action_display().lower()
        at = date_format(timezone.localtime(entry.at), "j M Y, H:i:s T")
        if entry.actor_id != user_id:
            phrases.append(f"{action} by {entry.actor.get_username()} at {at}")
        elif opening.startswith("You"):
            phrases.append(f"{action} at {at}")
        else:
            phrases.append(f"{action} by you at {at}")
    named = f": {'; '.join(phrases)}" if phrases else ""
    now = f"now version {annotation.version}, {annotation.get_state_display().lower()}"
    return f"{opening}{named} ({now}). Nothing was saved: reload to see the current version."


class Busy(StaleVersion):
    """Another transaction holds the annotation at this moment (taking it for review).

    A conflict like a stale form, answered 409 wherever a StaleVersion is; nothing could
    be read, so there is no annotation to show.
    """

    def __init__(self):
        super().__init__(
            None,
            message="Someone is changing this annotation at this very moment. "
            "Nothing was saved: reload to see what they did.",
        )


class DuplicateSpan(WorkflowError):
    """The author already has a live annotation of this kind on exactly this span."""

    def __init__(self, duplicate: Annotation):
        self.duplicate = duplicate
        super().__init__(
            f"You already marked this text as a {duplicate.get_kind_display().lower()} "
            f"({duplicate.get_state_display().lower()})."
        )


class UnsavedSuggestions(WorkflowError):
    """Some drafts show suggested attributes that were never saved: submitting them now
    would send them to review without those attributes."""

    def __init__(self, drafts: list[tuple[Annotation, dict]], draft_count: int):
        self.drafts = drafts
        self.draft_count = draft_count
        count = len(drafts)
        super().__init__(
            f"{count} of your {draft_count} draft{'s' if draft_count != 1 else ''} "
            f"{'has' if count == 1 else 'have'} suggested attributes that were never saved."
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
        return decimal_text(value)  # "518400000000", as the export writes it (no exponent)
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


def suggested_attributes(annotation: Annotation) -> dict:
    """What the text says about the span's attributes (read from the article around it),
    without the empty ones: what the side panel prefills for a span with no attributes."""
    if annotation.kind == Kind.NUMBER:
        suggested = read_number(annotation.exact, annotation.prefix, annotation.suffix)
        suggestions = suggested.attributes()
    else:
        body = annotation.article.body
        speaker = suggest_speaker(body, annotation.start, annotation.end)
        if annotation.kind == Kind.QUOTATION:
            speech_type = suggest_speech_type(body, annotation.start, annotation.end)
            suggestions = {"speaker": speaker, "speech_type": speech_type}
        else:
            suggestions = {"claimant": speaker}
    return {name: value for name, value in suggestions.items() if value not in (None, "")}


def has_attributes(annotation: Annotation) -> bool:
    return any(getattr(annotation, name) != _empty(name) for name in KIND_FIELDS[annotation.kind])


def unsaved_suggestions(annotation: Annotation) -> dict:
    """The suggestions the panel shows for a span whose attributes were never saved
    (empty when it has attributes: then the panel shows those)."""
    return {} if has_attributes(annotation) else suggested_attributes(annotation)


def duplicate_among(spans, *, author_id: int, kind: str, start: int, end: int) -> int | None:
    """The id of the author's span of this kind on exactly [start, end) among `spans`, the
    article's live spans as (id, start, end, author_id, kind) in (start, -end, id) order:
    the oldest when there are several. None when there is none.

    Overlapping and nested spans are the point of the screen, and two people marking the
    same words is agreement; the same person marking the same words as the same kind twice
    is almost always a double click, so creating it again needs a confirmation.
    """
    same = (start, end, author_id, kind)
    return next((span[0] for span in spans if tuple(span[1:]) == same), None)


def _record(annotation, actor, action, *, from_state="", to_state="", changes=None, comment="",
            bump=True):  # fmt: skip
    """The history entry of a change, and the article's version moved on (unless the
    caller did that already, `bump=False`)."""
    entry = HistoryEntry(
        annotation=annotation,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        comment=comment,
    )
    statements.insert(entry)
    if bump:
        _bump_article(annotation.article_id)


def _bump_article(article_id: int) -> None:
    """Other open screens re-render on their next poll (it compares this number)."""
    Article.objects.filter(pk=article_id).update(annotations_version=F("annotations_version") + 1)


def _lock_article(**lookup) -> int | None:
    """Lock the article row first (the one lock order, see the module docstring); its
    annotations_version (None: no such article), which this transaction's bump will raise
    by one.

    FOR NO KEY UPDATE, the lock the version bump takes anyway: it does not block the
    foreign-key checks of annotations being created in the article meanwhile. SQLite has no
    row locks; its transactions start IMMEDIATE (settings), which takes the database write
    lock at BEGIN, so every write is serialised there and this is a plain read.
    """
    queryset = Article.objects.filter(**lookup)
    if connection.features.has_select_for_no_key_update:
        queryset = queryset.select_for_update(no_key=True, of=("self",))
    return queryset.values_list("annotations_version", flat=True).first()


def _lock_and_bump_article(article_id: int) -> int | None:
    """Lock the article row and move its annotations_version on in one statement, as
    `_lock_article` and `_bump_article` do in two; the new version (None: no such article).

    For a change that will certainly bump the version once (a create): one round trip
    fewer. The UPDATE takes the same row lock as FOR NO KEY UPDATE on PostgreSQL; on
    SQLite the transaction holds the write lock already. RETURNING: PostgreSQL, SQLite 3.35+.
    """
    table = connection.ops.quote_name(Article._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET annotations_version = annotations_version + 1 "
            "WHERE id = %s RETURNING annotations_version",
            [article_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _lock_annotations(queryset) -> list[Annotation]:
    """The annotations of `queryset` in id order, each row locked after its article's.

    NOWAIT: a row whose article we hold can only be held by `queue_take_next` picking it
    (every other writer waits for the article first); waiting for it could deadlock, and
    the answer is the same as for a stale form anyway.
    """
    if connection.features.has_select_for_update_nowait:
        # Only the annotation rows: the reviewer is an outer join, which cannot be locked.
        queryset = queryset.select_for_update(nowait=True, of=("self",))
    try:
        return list(queryset.order_by("pk"))
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Busy() from error
        raise


LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a NOWAIT lock held by another


def _lock(annotation_id: int, version: int | None, user) -> Annotation:
    """Lock the annotation's article, then the annotation, and check the form's version."""
    if _lock_article(annotations__pk=annotation_id) is None:
        raise WorkflowError("This annotation does not exist.")
    queryset = Annotation.objects.select_related("article", "author", "reviewer")
    annotation = _lock_annotations(queryset.filter(pk=annotation_id))[0]
    if version is not None and int(version) != annotation.version:
        raise StaleVersion(annotation, user=user, changes=_changes_since(annotation, int(version)))
    return annotation


def _changes_since(annotation: Annotation, version: int) -> list[HistoryEntry]:
    """The history entries that moved the annotation past `version`, latest first."""
    missed = min(annotation.version - version, STALE_CHANGES_NAMED)
    if missed <= 0:
        return []  # a version from the future: nothing to name
    entries = annotation.history.exclude(action__in=UNVERSIONED_ACTIONS).select_related("actor")
    return list(entries.order_by("-at", "-id")[:missed])


def _save(annotation: Annotation, fields: list[str]) -> None:
    """Save a locked annotation (`_lock` read its article under the lock) as changed at the
    article version that `_record` is about to make."""
    annotation.version += 1
    annotation.changed_version = annotation.article.annotations_version + 1
    annotation.save(update_fields=[*fields, "version", "changed_version", "updated_at"])


def _redraw_moved_lanes(
    annotation: Annotation, before: tuple[int, int] | None, *, spans=None
) -> None:
    """Record the other spans whose underline lane changed because `annotation` appeared,
    moved or went (`before`: its extent until now, None when it is new) as changed along
    with it, so that every screen redraws them too.

    Lanes are given per overlap cluster (`text.assign_lanes`): one span more or less can
    push its neighbours to another lane, far along a dense cluster. Reads the article's
    live spans as three integers each, under the article's lock, unless the caller read
    them already (`spans`, in the same order).
    """
    if spans is None:
        live = Annotation.objects.live().filter(article_id=annotation.article_id)
        spans = list(live.order_by("start", "-end", "id").values_list("id", "start", "end"))
    moved = lanes_moved(spans, annotation.pk, before)
    if moved:
        Annotation.objects.filter(pk__in=moved).update(changed_version=annotation.changed_version)


def redraw_after_many(created: list[Annotation], versions: dict[int, int]) -> None:
    """After many spans appeared at once (a bulk create, accepting a paragraph's proposals):
    record every other span whose lane moved as changed at its article's new version
    (`versions`: article id -> version), as `_redraw_moved_lanes` does for one span. The
    lanes of each article before and after, in O(n log n); two statements whatever the
    number of articles."""
    created_ids = {annotation.pk for annotation in created}
    spans_by_article = defaultdict(list)
    live = Annotation.objects.live().filter(article_id__in=versions)
    for article_id, *span in live.order_by("article_id", "start", "-end", "id").values_list(
        "article_id", "id", "start", "end"
    ):
        spans_by_article[article_id].append(tuple(span))
    moved = {}
    for article_id, spans in spans_by_article.items():
        now = assign_lanes(spans)
        then = assign_lanes([span for span in spans if span[0] not in created_ids])
        for identifier, lane in then.items():
            if now.get(identifier) != lane:
                moved[identifier] = versions[article_id]
    if moved:
        Annotation.objects.filter(pk__in=moved).update(
            changed_version=Case(
                *[
                    When(pk=identifier, then=Value(version))
                    for identifier, version in moved.items()
                ],
                output_field=models.PositiveBigIntegerField(),
            )
        )


def _new_draft(
    *, article: Article, author, kind: str, start, end, exact, attributes, suggestion=None
):
    """An unsaved draft of `kind` on [start, end) with `attributes`, and its history
    changes; WorkflowError when the kind, the span or an attribute is refused. `suggestion`:
    the proposal it is accepted from (its origin, kept with it)."""
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
        suggestion=suggestion,
    )
    changes = {"span": [None, [span.start, span.end]], "kind": [None, kind]}
    if suggestion is not None:
        changes["suggestion"] = [None, suggestion.pk]
    for name, value in (attributes or {}).items():
        if name not in KIND_FIELDS[Kind(kind)]:
            raise WorkflowError(f"{name} is not an attribute of a {kind}.")
        setattr(annotation, name, value)
        if value != _empty(name):
            changes[name] = [None, _jsonable(value)]
    _check_attributes(annotation)
    return annotation, changes


# The article's live spans as a create reads them under the article's lock (`statements`).
LIVE_SPANS = statements.PreparedQuery(
    lambda article_id: (
        Annotation.objects.live()
        .filter(article_id=article_id)
        .order_by("start", "-end", "id")
        .values_list("id", "start", "end", "author_id", "kind")
    ),
    "article_id",
)


def annotation_create(
    *,
    article: Article,
    author,
    kind: str,
    start,
    end,
    exact: str,
    attributes=None,
    confirm_duplicate: bool = False,
    suggestion=None,
) -> Annotation:
    """A new draft; an exact duplicate of the author's (`duplicate_among`) needs
    `confirm_duplicate`, else `DuplicateSpan` names the one already there. `suggestion`:
    the proposal it is accepted from."""
    policy.check(author, Action.CREATE_ANNOTATION)
    annotation, changes = _new_draft(
        article=article,
        author=author,
        kind=kind,
        start=start,
        end=end,
        exact=exact,
        attributes=attributes,
        suggestion=suggestion,
    )
    with transaction.atomic():
        # Under the article's lock two identical creates cannot both miss each other.
        version = _lock_and_bump_article(article.pk)
        # The article's live spans, read once: for the author's duplicate and for the lanes.
        spans = LIVE_SPANS.rows(article_id=article.pk)
        if not confirm_duplicate:
            duplicate_id = duplicate_among(spans, author_id=author.pk, kind=kind,
                                           start=annotation.start, end=annotation.end)  # fmt: skip
            if duplicate_id is not None:
                raise DuplicateSpan(Annotation.objects.get(pk=duplicate_id))
        annotation.created_version = annotation.changed_version = version
        statements.insert(annotation)
        spans = [span[:3] for span in spans] + [(annotation.pk, annotation.start, annotation.end)]
        spans.sort(key=lambda span: (span[1], -span[2], span[0]))
        _redraw_moved_lanes(annotation, None, spans=spans)
        _record(annotation, author, HistoryAction.CREATED, to_state=State.DRAFT, changes=changes,
                bump=False)  # fmt: skip
    return annotation


@dataclass(frozen=True)
class DraftSpec:
    """One span of a bulk create: what `annotation_create` takes, the article by id."""

    article_id: int
    kind: str
    start: int
    end: int
    exact: str
    attributes: dict | None = None
    confirm_duplicate: bool = False


@dataclass(frozen=True)
class RecordProblem:
    index: int
    message: str
    code: str = ""


class RecordsRefused(WorkflowError):
    """Some records of a bulk create were refused; nothing was created. `problems` name
    each refused record by its index in the request."""

    def __init__(self, problems: list[RecordProblem]):
        self.problems = problems
        count = len(problems)
        super().__init__(f"{count} record{'s' if count != 1 else ''} refused; nothing was created.")


# Rows per INSERT: ~30 columns each stays under SQLite's 32,766 parameters.
BULK_BATCH_SIZE = 1000


def annotations_create_bulk(*, author, specs: list[DraftSpec]) -> list[Annotation]:
    """Create many drafts at once, all or none, with the rules of `annotation_create`.

    Every record is checked as one created alone would be (kind, span against the body,
    graphemes, attributes of its kind, the author's duplicates: those already stored and
    those earlier in the request); every refused record is reported (`RecordsRefused`,
    by index) and nothing is written. A constant number of statements whatever the
    number of records: the articles read and locked (in id order) in one, the author's
    live spans there in one, the annotations and their history entries in one INSERT each
    (per BULK_BATCH_SIZE), and one bump of the articles' versions.
    """
    policy.check(author, Action.CREATE_ANNOTATION)
    with transaction.atomic():
        article_ids = sorted({spec.article_id for spec in specs})
        articles = Article.objects.filter(pk__in=article_ids).order_by("pk")
        if connection.features.has_select_for_no_key_update:
            articles = articles.select_for_update(no_key=True)
        articles = {article.pk: article for article in articles}
        existing = set(
            Annotation.objects.live()
            .filter(author=author, article_id__in=articles)
            .values_list("article_id", "kind", "start", "end")
        )
        problems, drafts = [], []
        for index, spec in enumerate(specs):
            article = articles.get(spec.article_id)
            if article is None:
                problems.append(RecordProblem(index, f"Article {spec.article_id} does not exist."))
                continue
            try:
                annotation, changes = _new_draft(
                    article=article,
                    author=author,
                    kind=spec.kind,
                    start=spec.start,
                    end=spec.end,
                    exact=spec.exact,
                    attributes=spec.attributes,
                )
            except WorkflowError as refused:
                problems.append(RecordProblem(index, " ".join(refused.messages)))
                continue
            key = (article.pk, annotation.kind, annotation.start, annotation.end)
            if key in existing and not spec.confirm_duplicate:
                problems.append(RecordProblem(index, _duplicate_message(annotation), "duplicate"))
                continue
            existing.add(key)
            annotation.created_version = annotation.changed_version = (
                article.annotations_version + 1
            )
            drafts.append((annotation, changes))
        if problems:
            raise RecordsRefused(problems)
        created = insert_drafts(
            drafts,
            actor=author,
            versions={pk: article.annotations_version + 1 for pk, article in articles.items()},
        )
        Article.objects.filter(pk__in=articles).update(
            annotations_version=F("annotations_version") + 1
        )
    return created


def insert_drafts(drafts: list, *, actor, versions: dict[int, int]) -> list[Annotation]:
    """Store checked drafts (`_new_draft`'s pairs of annotation and changes) at once: the
    annotations and a "created" history entry each, one INSERT per table (per
    BULK_BATCH_SIZE), then the lanes they moved (`redraw_after_many`, `versions`: article
    id -> the version the caller's bump makes). Inside the caller's transaction, with the
    articles locked; the caller bumps the versions."""
    created = Annotation.objects.bulk_create(
        [annotation for annotation, _changes in drafts], batch_size=BULK_BATCH_SIZE
    )
    HistoryEntry.objects.bulk_create(
        [
            HistoryEntry(
                annotation=annotation,
                actor=actor,
                action=HistoryAction.CREATED,
                to_state=State.DRAFT,
                changes=changes,
            )
            for annotation, changes in drafts
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    redraw_after_many(created, versions)
    return created


def _duplicate_message(annotation: Annotation) -> str:
    return (
        f"You already marked this text as a {annotation.get_kind_display().lower()}: "
        "send confirm_duplicate to create it again."
    )


def _edit(annotation: Annotation, changes: dict) -> dict:
    """Apply `changes` to the locked draft in memory; the {field: [old, new]} diff."""
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
            annotation.start, annotation.end, annotation.exact = span.start, span.end, span.exact
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
    return diff


def annotation_update(*, annotation_id: int, user, version, changes: dict) -> Annotation:
    """Edit a draft: attributes of its kind, its kind, or its span (`start`, `end`)."""
    with transaction.atomic():
        annotation = _lock(annotation_id, version, user)
        policy.check(user, Action.EDIT_ANNOTATION, annotation)
        extent = (annotation.start, annotation.end)
        diff = _edit(annotation, changes)
        if not diff:
            return annotation
        fields = ["kind", "start", "end", "exact", "prefix", "suffix", *ATTRIBUTE_FIELDS]
        _save(annotation, fields)
        if "span" in diff:
            _redraw_moved_lanes(annotation, extent)
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
    with transaction.atomic():
        annotation = _lock(annotation_id, version, user)
        policy.check(user, action, annotation)
        if precondition is not None:
            precondition(annotation)
        _apply(
            annotation,
            user,
            history_action,
            to_state=to_state,
            updates=updates or {},
            changes=changes,
            comment=comment,
        )
    return annotation


def _apply(annotation, user, history_action, *, to_state, updates, changes=None, comment=""):
    """Change a locked annotation's state and fields; record who/when/what."""
    from_state = annotation.state
    diff = dict(changes or {})
    if "reviewer" in updates and updates["reviewer"] != annotation.reviewer:
        diff["reviewer"] = [_jsonable(annotation.reviewer), _jsonable(updates["reviewer"])]
    annotation.state = to_state
    for name, value in updates.items():
        setattr(annotation, name, value)
    _save(annotation, ["state", *updates])
    if to_state == State.WITHDRAWN:  # it leaves the screen: its neighbours' lanes may move
        _redraw_moved_lanes(annotation, (annotation.start, annotation.end))
    _record(
        annotation,
        user,
        history_action,
        from_state=from_state,
        to_state=to_state,
        changes=diff,
        comment=comment,
    )


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


def annotation_submit(*, annotation_id: int, user, version, changes: dict | None = None):
    """Send a draft for review.

    `changes` are the attributes as the panel showed them when Submit was pressed (saved
    or suggested): they are saved first, in the same transaction, as their own history
    entry, so what the annotator saw is what the reviewer gets.
    """
    with transaction.atomic():
        if changes:
            annotation = annotation_update(
                annotation_id=annotation_id, user=user, version=version, changes=changes
            )
            version = annotation.version
        return _transition(
            annotation_id=annotation_id,
            user=user,
            version=version,
            action=Action.SUBMIT_ANNOTATION,
            history_action=HistoryAction.SUBMITTED,
            to_state=State.SUBMITTED,
            updates={"submitted_at": timezone.now()},
        )


def annotations_submit_all(
    *, article: Article, user, confirm_unsaved: bool = False
) -> list[Annotation]:
    """Submit every draft of `user` in `article`, each as it is now.

    The drafts are read under the lock (article first, then the drafts in id order), so a
    concurrent edit either finishes before or waits until after: no stale version, no
    deadlock. A constant number of statements whatever the number of drafts: one UPDATE of
    the annotations, one INSERT of their history entries (one each), one version bump.
    Drafts whose suggested attributes were never saved are refused (`UnsavedSuggestions`)
    unless `confirm_unsaved`: the annotator saw values that the reviewer would not get.
    """
    with transaction.atomic():
        version = _lock_article(pk=article.pk)
        drafts = _lock_annotations(
            Annotation.objects.filter(article=article, author=user, state=State.DRAFT)
        )
        for draft in drafts:
            draft.article = article  # the body is already here (suggestions read it)
            policy.check(user, Action.SUBMIT_ANNOTATION, draft)
        if not confirm_unsaved:
            unsaved = [(draft, unsaved_suggestions(draft)) for draft in drafts]
            unsaved = [(draft, suggestions) for draft, suggestions in unsaved if suggestions]
            if unsaved:
                raise UnsavedSuggestions(unsaved, len(drafts))
        if not drafts:
            return []
        now = timezone.now()
        Annotation.objects.filter(pk__in=[draft.pk for draft in drafts]).update(
            state=State.SUBMITTED,
            submitted_at=now,
            updated_at=now,
            version=F("version") + 1,
            changed_version=version + 1,
        )
        HistoryEntry.objects.bulk_create(
            HistoryEntry(
                annotation=draft,
                actor=user,
                action=HistoryAction.SUBMITTED,
                from_state=State.DRAFT,
                to_state=State.SUBMITTED,
            )
            for draft in drafts
        )
        _bump_article(article.pk)
    for draft in drafts:
        draft.state, draft.submitted_at, draft.updated_at = State.SUBMITTED, now, now
        draft.version += 1
        draft.changed_version = version + 1
    return drafts


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
    waiting = policy.takeable_by(reviewer, waiting).select_related(None)
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


def _latest_verdict(annotation_id: int, *, excluding: Review | None = None) -> str | None:
    latest = Review.objects.filter(annotation_id=annotation_id).order_by("-created_at", "-id")
    if excluding is not None:
        latest = latest.exclude(pk=excluding.pk)
    return latest.values_list("verdict", flat=True).first() or None


# What a decision does to the item when it decides it.
DECIDED = {
    ReviewOutcome.VERIFIED: (State.VERIFIED, HistoryAction.VERIFIED),
    ReviewOutcome.REJECTED: (State.REJECTED, HistoryAction.REJECTED),
    ReviewOutcome.SENT_BACK: (State.DRAFT, HistoryAction.SENT_BACK),
}
# A double-reviewed item that needs another decision goes back to the queue, in its old
# place (submitted_at is kept).
BACK_TO_QUEUE = {"reviewer": None, "taken_at": None}


def _decided_updates(outcome: ReviewOutcome, decider) -> dict:
    if outcome == ReviewOutcome.SENT_BACK:
        return {"reviewer": None, "taken_at": None, "submitted_at": None}
    return {"reviewer": decider, "decided_at": timezone.now()}


def _review_line(review: Review) -> str:
    """A decision as the history of a disputed item shows it: "verified: accurate"."""
    outcome = review.get_outcome_display().lower()
    return f"{outcome}: {review.get_verdict_display().lower()}" if review.verdict else outcome


def _decide(
    *,
    annotation_id,
    reviewer,
    version,
    outcome: ReviewOutcome,
    verdict: str,
    rationale: str,
    action: Action,
    precondition=None,
) -> Annotation:
    """A decision (a reviewer's, or an editor's settling a dispute): a Review row and the
    transition, in one transaction.

    Under double review (`double_review.py`) a first decision sends the item back to the
    queue with its outcome sealed, a second that differs leaves it disputed; only a
    decision that decides the item tells its author and the webhooks.
    """
    with transaction.atomic():
        annotation = _lock(annotation_id, version, reviewer)
        policy.check(reviewer, action, annotation)
        if precondition is not None:
            precondition(annotation)
        review_round = open_round_of(annotation)
        old_verdict = _latest_verdict(
            annotation.pk, excluding=review_round.first if review_round else None
        )
        review = Review.objects.create(
            annotation=annotation,
            reviewer=reviewer,
            outcome=outcome,
            verdict=verdict,
            rationale=rationale,
        )
        to_state, history_action = DECIDED[outcome]
        updates = _decided_updates(outcome, reviewer)
        changes = {"verdict": [old_verdict, verdict]} if verdict else {}
        comment, decides = rationale, True
        if review_round is not None:
            status = double_review.round_close(review_round=review_round, review=review)
            if status == RoundStatus.SETTLED:
                history_action = HistoryAction.SETTLED
            elif status == RoundStatus.DISPUTED:
                to_state, history_action = State.SUBMITTED, HistoryAction.DISPUTED
                changes = {
                    "first_review": _review_line(review_round.first),
                    "second_review": _review_line(review),
                }
                updates = dict(BACK_TO_QUEUE)
                decides = False
        elif outcome != ReviewOutcome.SENT_BACK and double_review.is_on(annotation.article_id):
            double_review.round_open(annotation=annotation, first=review)
            # Sealed: neither the outcome nor the verdict nor the reason shows in the history.
            to_state, history_action = State.SUBMITTED, HistoryAction.FIRST_REVIEW
            updates, changes, comment, decides = dict(BACK_TO_QUEUE), {}, "", False
        _apply(
            annotation,
            reviewer,
            history_action,
            to_state=to_state,
            updates=updates,
            changes=changes,
            comment=comment,
        )
        if decides:
            events.emit(f"annotation.{outcome}", annotation_id=annotation.pk)
            notifications.notify_decision(
                annotation=annotation, reviewer=reviewer, outcome=outcome, rationale=rationale
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
        action=Action.VERIFY,
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
        action=Action.REJECT,
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
        action=Action.SEND_BACK,
    )


def annotation_settle(
    *, annotation_id: int, editor, version, outcome: str, verdict: str = "", rationale: str = ""
) -> Annotation:
    """An editor's final decision on an item whose two reviewers disagree (double review):
    verified with a verdict (and its evidence), rejected or sent back, like a reviewer's."""
    rationale = (rationale or "").strip()
    precondition = None
    if outcome == ReviewOutcome.VERIFIED:
        if verdict not in Verdict.values:
            raise WorkflowError("Choose a verdict before verifying.")
        precondition = _ready_to_verify
    elif outcome == ReviewOutcome.REJECTED:
        verdict, rationale = "", _require_reason(rationale, "Rejecting")
    elif outcome == ReviewOutcome.SENT_BACK:
        verdict, rationale = "", _require_reason(rationale, "Sending back")
    else:
        raise WorkflowError("Settle by verifying, rejecting or sending back.")
    return _decide(
        annotation_id=annotation_id,
        reviewer=editor,
        version=version,
        outcome=outcome,
        verdict=verdict,
        rationale=rationale,
        action=Action.SETTLE,
        precondition=precondition,
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
        annotation = _lock(annotation_id, None, user)
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
        annotation = _lock(annotation_id, None, user)
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


def evidence_copy(*, annotation_id: int, from_annotation_id: int, user) -> list[Evidence]:
    """Copy the live evidence of another appearance of the claim ("seen before") into the
    review `user` holds: new Evidence rows, each pointing at its original (`copied_from`),
    added by `user`, one history entry each. The verdict is never copied: the reviewer
    still decides, and the four-eyes rule is the one of `evidence_add` (only the holder,
    who is never the author). Evidence already there (same source, stance, excerpt and
    locator) is not copied twice.
    """
    if annotation_id == from_annotation_id:
        raise WorkflowError("An annotation cannot copy its own evidence.")
    with transaction.atomic():
        annotation = _lock(annotation_id, None, user)
        policy.check(user, Action.EDIT_EVIDENCE, annotation)
        originals = list(
            Evidence.objects.live()
            .filter(annotation_id=from_annotation_id)
            .select_related("source")
            .order_by("pk")
        )
        if not originals:
            raise WorkflowError("That annotation has no evidence to copy.")
        present = set(
            annotation.evidence.live().values_list("source_id", "stance", "excerpt", "locator")
        )
        copies = []
        for original in originals:
            key = (original.source_id, original.stance, original.excerpt, original.locator)
            if key in present:
                continue
            present.add(key)
            copies.append(
                Evidence.objects.create(
                    annotation=annotation,
                    source=original.source,
                    stance=original.stance,
                    excerpt=original.excerpt,
                    locator=original.locator,
                    added_by=user,
                    copied_from=original,
                )
            )
            changes = {
                "evidence": [None, copies[-1].pk],
                "source": [None, original.source.url],
                "stance": [None, original.stance],
                "copied from": [
                    None,
                    f"evidence #{original.pk} of annotation #{from_annotation_id}",
                ],
            }
            _record(annotation, user, HistoryAction.EVIDENCE_ADDED, changes=changes)
        if not copies:
            raise WorkflowError("This review already has every evidence item of that one.")
    return copies
