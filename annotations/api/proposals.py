"""Pre-annotations: a model's proposals pushed for an article, listed, accepted or dismissed.

A proposal is never an annotation until a person accepts it; then it becomes their draft
and the annotation keeps its origin (the exports' `origin`). The endpoints call the
functions of `proposals.py` that the annotate screen calls.
"""

from ninja import Query, Router
from ninja.responses import Status

from .. import proposals, workflow
from ..models import Article, Kind, Scope, Suggestion, SuggestionStatus
from . import pagination
from .annotations import shown
from .auth import scoped
from .errors import (
    CONFLICT,
    NOT_FOUND,
    VALIDATION,
    ApiProblem,
    FieldError,
    json_pointer,
    record_errors,
)
from .schemas import (
    Id,
    Limit,
    ProposalAccepted,
    ProposalOut,
    ProposalPage,
    ProposalsIn,
    ProposalsPushOut,
    proposal_data,
    reads,
    writes,
)

# Under /articles: an article's proposals. Under /proposals: one proposal.
article_router = Router(tags=["proposals"])
router = Router(tags=["proposals"])


def _article(article_id: int) -> Article:
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise ApiProblem(404, f"There is no article {article_id}.")
    return article


@article_router.post(
    "/{article_id}/proposals", response=writes(ProposalsPushOut, 201) | {200: ProposalsPushOut},
    auth=scoped(Scope.ANNOTATE),
)  # fmt: skip
def proposals_push(request, article_id: Id, payload: ProposalsIn):
    """Push a model's proposals for the article (pre-annotations), all or none.

    Each span is checked against the body as a draft made from it would be (offsets in code
    points, `exact` if sent, whole characters, the kind's attributes); a refusal lists
    every refused record (`errors[].pointer` is `/proposals/<index>`) and stores nothing.
    Sending the same proposals again adds nothing; one dismissed for this model version is
    not proposed again; a new version drops the older versions' pending proposals. 201 when
    something was stored, else 200.
    """
    article = _article(article_id)
    spans = [
        proposals.PushedSpan(
            kind=record.kind,
            start=record.start,
            end=record.end,
            score=round(record.score, 6),  # as the engines' scores are stored
            attributes=record.attributes.changes(),
            exact=record.exact,
        )
        for record in payload.proposals
    ]
    try:
        result = proposals.proposals_push(
            article=article,
            engine=payload.model.name,
            version=payload.model.version,
            spans=spans,
            user=request.auth,
        )
    except workflow.RecordsRefused as refused:
        raise ApiProblem(
            422,
            f"{len(refused.problems)} of {len(spans)} proposals refused; nothing was stored.",
            problem_type=VALIDATION,
            errors=record_errors(refused.problems, "proposals"),
        ) from None
    except workflow.WorkflowError as refused:  # the model's name
        message = " ".join(refused.messages)
        raise ApiProblem(
            422, message, problem_type=VALIDATION,
            errors=[FieldError(message, pointer=json_pointer("model", "name"))],
        ) from None  # fmt: skip
    records = [
        {
            "index": index,
            "id": stored.pk if stored else None,
            "status": stored.status if stored else None,
            "created": created,
        }
        for index, (stored, created) in enumerate(zip(result.stored, result.created, strict=True))
    ]
    return Status(201 if result.added else 200, {"added": result.added, "proposals": records})


class ProposalFilters(Limit):
    status: SuggestionStatus | None = None
    kind: Kind | None = None
    engine: str | None = None


@article_router.get(
    "/{article_id}/proposals", response=reads(ProposalPage), auth=scoped(Scope.ANNOTATE),
    exclude_unset=True,
)  # fmt: skip
def proposal_list(request, article_id: Id, filters: Query[ProposalFilters]):
    """The article's proposals in id order (every status unless `status` says), a page at
    a time (`next_cursor`). One query per page, whatever its size."""
    article = _article(article_id)
    found = Suggestion.objects.filter(article=article).select_related("decided_by")
    if filters.status is not None:
        found = found.filter(status=filters.status)
    if filters.kind is not None:
        found = found.filter(kind=filters.kind)
    if filters.engine:
        found = found.filter(engine=filters.engine)
    rows, next_cursor = pagination.page(
        found, key=("id",), kinds=(int,), cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [proposal_data(row) for row in rows], "next_cursor": next_cursor}


def _decided(decide, *, proposal_id: int, user):
    """`decide` (accept or dismiss) the proposal: 404 when unknown, 409 when decided."""
    try:
        return decide(suggestion_id=proposal_id, user=user)
    except proposals.ProposalMissing as missing:
        raise ApiProblem(404, " ".join(missing.messages), problem_type=NOT_FOUND) from None
    except proposals.AlreadyDecided as decided:
        raise ApiProblem(409, " ".join(decided.messages), problem_type=CONFLICT) from None


@router.post(
    "/{proposal_id}/accept", response=writes(ProposalAccepted, 201),
    auth=scoped(Scope.ANNOTATE), exclude_unset=True,
)  # fmt: skip
def proposal_accept(request, proposal_id: Id):
    """Accept a pending proposal: it becomes your draft, its attributes filled in (409 when
    someone already accepted or dismissed it)."""
    annotation = _decided(proposals.suggestion_accept, proposal_id=proposal_id, user=request.auth)
    proposal = Suggestion.objects.select_related("decided_by").get(pk=proposal_id)
    return Status(201, {"proposal": proposal_data(proposal), "annotation": shown(annotation.pk)})


@router.post(
    "/{proposal_id}/dismiss", response=writes(ProposalOut), auth=scoped(Scope.ANNOTATE),
    exclude_unset=True,
)  # fmt: skip
def proposal_dismiss(request, proposal_id: Id):
    """Dismiss a pending proposal: hidden for everyone, and never proposed again by the same
    model version (409 when someone already accepted or dismissed it)."""
    _decided(proposals.suggestion_dismiss, proposal_id=proposal_id, user=request.auth)
    return proposal_data(Suggestion.objects.select_related("decided_by").get(pk=proposal_id))
