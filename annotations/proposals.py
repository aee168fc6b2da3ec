"""The assistant's proposals: stored from the engines, accepted or dismissed by annotators.

The engines in `annotations/suggest/` are pure functions from a body to `Proposal`s; this
module is their workflow. `suggestions_refresh` stores what they propose for an article
(running it again adds nothing, and a proposal dismissed once is not proposed again by the
same engine version); `proposals_push` stores a model's proposals sent from outside (the
API's pre-annotations) by the same rule, after checking each as a draft made from it would
be; `suggestion_accept` turns one into the annotator's draft with its attributes filled in,
and `suggestions_accept_all` does that for every pending proposal of one kind in a stretch
of text at a constant number of statements. An annotation that began as a proposal points
to it (`Annotation.suggestion`): the research export's `origin`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import policy
from .exporters import decimal_text
from .models import (
    Annotation,
    Article,
    Kind,
    Suggestion,
    SuggestionStatus,
)
from .policy import Action
from .suggest import Proposal, claims, numbers, propose_all, quotations
from .text import paragraphs_around
from .workflow import (
    KIND_FIELDS,
    RecordProblem,
    RecordsRefused,
    WorkflowError,
    _bump_article,
    _empty,
    _lock_article,
    _new_draft,
    annotation_create,
    insert_drafts,
)

DECIMAL_ATTRIBUTES = {"number_value"}
# Names a pushed model may not take: its proposals would mix with the engine's, and a new
# version of it would drop the engine's pending ones (`suggestions_refresh`).
BUILT_IN_ENGINES = frozenset({numbers.ENGINE, quotations.ENGINE, claims.ENGINE})


class ProposalMissing(WorkflowError):
    """No proposal has that id."""


class AlreadyDecided(WorkflowError):
    """Someone accepted or dismissed the proposal already."""


def _stored(value):
    """An engine's attribute or detail as JSON: decimals as strings (exact), the rest as is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _stored(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_stored(item) for item in value]
    return value


def proposal_row(article: Article, proposal: Proposal) -> Suggestion:
    """An unsaved Suggestion for `proposal` (its attributes limited to its kind's fields)."""
    fields = KIND_FIELDS[Kind(proposal.kind)]
    return Suggestion(
        article=article,
        kind=proposal.kind,
        start=proposal.start,
        end=proposal.end,
        exact=article.body[proposal.start : proposal.end],
        attributes={
            name: _stored(value) for name, value in proposal.attributes.items() if name in fields
        },
        details=_stored(proposal.details),
        score=round(float(proposal.score), 6),
        engine=proposal.engine,
        engine_version=proposal.version,
    )


def suggestions_refresh(*, article: Article, proposals: list[Proposal] | None = None) -> int:
    """Store the engines' proposals for `article`; how many were new.

    Idempotent: a proposal already stored by the same engine version (pending, accepted or
    dismissed) is skipped by the unique constraint. Pending proposals of an older version
    of an engine that has spoken now are dropped (nobody decided them; the new version's
    are what to look at); decided ones stay, with the annotations that point to them.
    Nothing is proposed where a live annotation of the same kind covers exactly that span.
    """
    if proposals is None:
        proposals = propose_all(article.body)
    taken = set(
        article.annotations.live().values_list("kind", "start", "end")
    )  # the annotator already has these
    rows = [
        proposal_row(article, proposal)
        for proposal in proposals
        if (proposal.kind, proposal.start, proposal.end) not in taken
    ]
    current = {(row.engine, row.engine_version) for row in rows}
    with transaction.atomic():
        version = _lock_article(pk=article.pk)
        for row in rows:  # stored at the version this refresh's bump makes
            row.changed_version = version + 1
        before = Suggestion.objects.filter(article=article).count()
        outdated = Q()
        for engine, engine_version in current:
            outdated |= Q(engine=engine) & ~Q(engine_version=engine_version)
        if current:
            Suggestion.objects.pending().filter(article=article).filter(outdated).delete()
            before = Suggestion.objects.filter(article=article).count()
        Suggestion.objects.bulk_create(rows, ignore_conflicts=True)
        added = Suggestion.objects.filter(article=article).count() - before
        if added:
            _bump_article(article.pk)
    return added


@dataclass(frozen=True)
class PushedSpan:
    """One proposal of an outside model: a span, its kind, its attributes (the Annotation
    field names), the model's score in [0, 1], and optionally the text it expects there."""

    kind: str
    start: int
    end: int
    score: float
    attributes: dict = field(default_factory=dict)
    exact: str | None = None


@dataclass(frozen=True)
class PushResult:
    """What became of each pushed span, in the request's order: the proposal stored for
    it (None when a live annotation of that kind already covers the span, as
    `suggestions_refresh` skips it) and whether this push created it."""

    added: int
    stored: list[Suggestion | None]
    created: list[bool]


def _pushed_proposal(article: Article, span: PushedSpan, *, user, engine, version) -> Proposal:
    """The span as a Proposal, checked as the draft accepting it would make (kind, span
    against the body and `exact`, whole characters, attributes of the kind)."""
    draft, _changes = _new_draft(
        article=article,
        author=user,
        kind=span.kind,
        start=span.start,
        end=span.end,
        exact=span.exact,
        attributes=span.attributes,
    )
    attributes = {}
    for name in span.attributes:
        value = getattr(draft, name)
        if value != _empty(name):
            attributes[name] = decimal_text(value) if name in DECIMAL_ATTRIBUTES else value
    return Proposal(
        start=draft.start,
        end=draft.end,
        kind=draft.kind,
        attributes=attributes,
        score=span.score,
        engine=engine,
        version=version,
    )


def proposals_push(
    *, article: Article, engine: str, version: str, spans: list[PushedSpan], user
) -> PushResult:
    """Store an outside model's proposals for `article` (pre-annotations), all or none.

    Every span is checked as a draft made from it would be; every refused one is reported
    by its index (`RecordsRefused`) and nothing is stored. The rest is
    `suggestions_refresh`'s rule: sending the same proposals again adds nothing, one
    dismissed for this model version is not proposed again, a live annotation of the same
    kind on the same span is not proposed, and a new version of the model drops the
    pending proposals of its older versions. A constant number of statements, whatever
    the number of spans.
    """
    policy.check(user, Action.CREATE_ANNOTATION)
    if engine in BUILT_IN_ENGINES:
        raise WorkflowError(
            f"“{engine}” is the name of one of Workbench's own engines: name your model otherwise."
        )
    problems, proposals, first_at = [], [], {}
    for index, span in enumerate(spans):
        try:
            proposal = _pushed_proposal(article, span, user=user, engine=engine, version=version)
        except (WorkflowError, ValueError) as refused:
            message = " ".join(getattr(refused, "messages", [str(refused)]))
            problems.append(RecordProblem(index, message))
            continue
        key = (proposal.kind, proposal.start, proposal.end)
        if key in first_at:
            message = f"Record {first_at[key]} proposes this span as a {proposal.kind} already."
            problems.append(RecordProblem(index, message, "duplicate"))
            continue
        first_at[key] = index
        proposals.append(proposal)
    if problems:
        raise RecordsRefused(problems)
    with transaction.atomic():
        _lock_article(pk=article.pk)
        this_version = Suggestion.objects.filter(
            article=article, engine=engine, engine_version=version
        )
        before = set(this_version.values_list("kind", "start", "end"))
        added = suggestions_refresh(article=article, proposals=proposals)
        after = {
            (suggestion.kind, suggestion.start, suggestion.end): suggestion
            for suggestion in this_version.select_related("decided_by")
        }
    keys = list(first_at)
    return PushResult(
        added=added,
        stored=[after.get(key) for key in keys],
        created=[key in after and key not in before for key in keys],
    )


def _attributes_for_annotation(suggestion: Suggestion) -> dict:
    attributes = {}
    for name, value in suggestion.attributes.items():
        if name in DECIMAL_ATTRIBUTES and value is not None:
            value = Decimal(value)
        attributes[name] = value
    return attributes


def _locked_pending(suggestion_id: int) -> tuple[Suggestion, int]:
    """The pending proposal, read again under its article's lock, and the article's version."""
    suggestion = Suggestion.objects.select_related("article").filter(pk=suggestion_id).first()
    if suggestion is None:
        raise ProposalMissing("This proposal does not exist.")
    version = _lock_article(pk=suggestion.article_id)
    try:
        suggestion.refresh_from_db(fields=["status", "decided_by", "decided_at"])
    except Suggestion.DoesNotExist:  # an engine's new version dropped it meanwhile
        raise ProposalMissing("This proposal does not exist any more.") from None
    if suggestion.status != SuggestionStatus.PENDING:
        status = suggestion.get_status_display().lower()
        raise AlreadyDecided(f"This proposal was already {status}.")
    return suggestion, version


def _decide(suggestion: Suggestion, user, status: SuggestionStatus, version: int) -> None:
    """Record the decision at `version`, the one this transaction's bump makes."""
    suggestion.status = status
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.changed_version = version
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "changed_version"])


def suggestion_accept(*, suggestion_id: int, user) -> Annotation:
    """The proposal becomes `user`'s draft, attributes filled in, pointing back to it."""
    policy.check(user, Action.CREATE_ANNOTATION)
    with transaction.atomic():
        suggestion, version = _locked_pending(suggestion_id)
        annotation = annotation_create(
            article=suggestion.article,
            author=user,
            kind=suggestion.kind,
            start=suggestion.start,
            end=suggestion.end,
            exact=suggestion.exact,
            attributes=_attributes_for_annotation(suggestion),
            suggestion=suggestion,
        )
        _decide(suggestion, user, SuggestionStatus.ACCEPTED, version + 1)  # create's bump
    return annotation


def suggestion_dismiss(*, suggestion_id: int, user) -> Suggestion:
    """Not worth annotating: hidden for everyone, never proposed again by this version."""
    policy.check(user, Action.CREATE_ANNOTATION)
    with transaction.atomic():
        suggestion, version = _locked_pending(suggestion_id)
        _decide(suggestion, user, SuggestionStatus.DISMISSED, version + 1)
        _bump_article(suggestion.article_id)
    return suggestion


def suggestions_accept_all(*, article: Article, kind: str, start: int, end: int, user) -> list:
    """Accept every pending proposal of `kind` inside [start, end) (a paragraph) at once.

    One statement per table whatever their number (insert the annotations, insert one
    history entry each, mark the proposals accepted, bump the article's version), with the
    same checks as one accept: the policy, each span against the body, the kind's
    attributes. Proposals that would duplicate one of the user's live annotations are left
    pending.
    """
    policy.check(user, Action.CREATE_ANNOTATION)
    if kind not in Kind.values:
        raise WorkflowError(f"Unknown kind {kind!r}: choose claim, number or quotation.")
    with transaction.atomic():
        version = _lock_article(pk=article.pk)
        pending = list(
            Suggestion.objects.pending()
            .filter(article=article, kind=kind, start__gte=start, end__lte=end)
            .order_by("start", "-end", "id")
        )
        mine = set(
            article.annotations.live().filter(author=user, kind=kind).values_list("start", "end")
        )
        chosen, drafts = [], []
        for suggestion in pending:
            if (suggestion.start, suggestion.end) in mine:
                continue
            annotation, changes = _new_draft(
                article=article,
                author=user,
                kind=kind,
                start=suggestion.start,
                end=suggestion.end,
                exact=suggestion.exact,
                attributes=_attributes_for_annotation(suggestion),
                suggestion=suggestion,
            )
            mine.add((annotation.start, annotation.end))
            annotation.created_version = annotation.changed_version = version + 1
            chosen.append(suggestion)
            drafts.append((annotation, changes))
        if not drafts:
            return []
        annotations = insert_drafts(drafts, actor=user, versions={article.pk: version + 1})
        Suggestion.objects.filter(pk__in=[suggestion.pk for suggestion in chosen]).update(
            status=SuggestionStatus.ACCEPTED,
            decided_by=user,
            decided_at=timezone.now(),
            changed_version=version + 1,
        )
        _bump_article(article.pk)
    return annotations


def suggestions_accept_paragraph(*, suggestion: Suggestion, user) -> list:
    """Accept every pending proposal of `suggestion`'s kind in its paragraph (the paragraphs
    it spans, if it runs over a break): `suggestions_accept_all` over the body's paragraph."""
    article = suggestion.article
    start, end = paragraphs_around(article.body, suggestion.start, suggestion.end)
    return suggestions_accept_all(
        article=article, kind=suggestion.kind, start=start, end=end, user=user
    )


def origin_of(annotation: Annotation, suggestion: Suggestion | None) -> dict | None:
    """The export's `origin`: which engine proposed the span, and what the annotator changed.

    None for a span marked by hand. `span_changed` when the annotation no longer covers
    the proposed span; `attributes_changed` when any attribute the engine filled (or left
    empty) differs now, or the kind does. The export passes plain rows: `annotation` needs
    only the kind, the span and the attributes, `suggestion` a Suggestion's fields.
    """
    if suggestion is None:
        return None
    proposed = _attributes_for_annotation(suggestion)
    changed = (
        any(
            getattr(annotation, name) != proposed.get(name, _empty(name))
            for name in KIND_FIELDS[Kind(annotation.kind)]
        )
        or annotation.kind != suggestion.kind
    )
    return {
        "engine": suggestion.engine,
        "engine_version": suggestion.engine_version,
        "score": suggestion.score,
        "span_changed": (annotation.start, annotation.end) != (suggestion.start, suggestion.end),
        "attributes_changed": changed,
        "details": dict(suggestion.details),
    }
