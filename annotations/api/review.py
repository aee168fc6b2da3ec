"""Review: the queue, take next (with the queue's filters), take, release, sources,
evidence, and the decisions (verify, reject, send back).

The queue's filters are the review screen's (`forms.review.QueueFilterForm`) and the
takeable items the policy's (`policy.takeable_by`: never one's own); every change is the
`workflow` function the review screen calls.
"""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router
from ninja.responses import Status
from pydantic import ConfigDict

from .. import policy, workflow
from ..forms.review import QueueFilterForm, SourceForm
from ..models import Annotation, Evidence, Scope, Source
from ..sources import SEARCH_LIMIT, source_find_or_create, sources_search
from . import pagination
from .annotations import for_api, shown
from .auth import scoped
from .errors import VALIDATION, ApiProblem, FieldError, json_pointer
from .schemas import (
    AnnotationOut,
    ApiModel,
    EvidenceIn,
    EvidenceOut,
    Id,
    Limit,
    QueueFilters,
    QueuePage,
    RejectIn,
    SendBackIn,
    SourceCreated,
    SourceIn,
    SourceOut,
    TakeNextOut,
    VerifyIn,
    VersionIn,
    annotation_data,
    reads,
    writes,
)

router = Router(tags=["review"])
REVIEW = scoped(Scope.REVIEW)


def _queue_form(filters: QueueFilters) -> QueueFilterForm:
    data = {name: value for name, value in filters.model_dump().items() if value is not None}
    return QueueFilterForm({name: str(value) for name, value in data.items()})


def _takeable(request, filters: QueueFilters):
    """The waiting items this reviewer may take that match the filters (a filter that
    matches no waiting item matches nothing, as on the screen)."""
    form = _queue_form(filters)
    return policy.takeable_by(request.auth, form.filter(Annotation.objects.waiting()))


class QueueQuery(QueueFilters, Limit):
    # Query strings may carry more (a cache buster): only bodies refuse unknown fields.
    model_config = ConfigDict(extra="ignore")


@router.get("/queue", response=reads(QueuePage), auth=REVIEW, exclude_unset=True)
def queue_list(request, filters: Query[QueueQuery]):
    """The waiting items you may take, oldest first, a page at a time (never your own)."""
    rows, next_cursor = pagination.page(
        for_api(_takeable(request, filters)),
        key=("submitted_at", "id"),
        kinds=(datetime, int),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [annotation_data(row) for row in rows], "next_cursor": next_cursor}


@router.post("/take-next", response=writes(TakeNextOut), auth=REVIEW, exclude_unset=True)
def queue_take_next(request, filters: QueueFilters):
    """Take the oldest waiting item matching the filters, atomically (two reviewers never
    get the same one); `annotation` is null when nothing is waiting for you."""
    taken = workflow.queue_take_next(reviewer=request.auth, waiting=_takeable(request, filters))
    return {"annotation": shown(taken.pk) if taken is not None else None}


def _item(annotation_id: int) -> int:
    if not Annotation.objects.filter(pk=annotation_id).exists():
        raise ApiProblem(404, f"There is no annotation {annotation_id}.")
    return annotation_id


@router.post("/{annotation_id}/take", response=writes(AnnotationOut), auth=REVIEW,
             exclude_unset=True)  # fmt: skip
def review_take(request, annotation_id: Id, payload: VersionIn):
    """Take this waiting item for review."""
    annotation = workflow.annotation_take(
        annotation_id=_item(annotation_id), reviewer=request.auth, version=payload.version
    )
    return shown(annotation.pk)


@router.post("/{annotation_id}/release", response=writes(AnnotationOut), auth=REVIEW,
             exclude_unset=True)  # fmt: skip
def review_release(request, annotation_id: Id, payload: VersionIn):
    """Put the item you hold back in the queue, in its old place."""
    annotation = workflow.annotation_release(
        annotation_id=_item(annotation_id), user=request.auth, version=payload.version
    )
    return shown(annotation.pk)


def _evidence_data(evidence) -> dict:
    return {
        "id": evidence.pk,
        "source": evidence.source,
        "stance": evidence.stance,
        "excerpt": evidence.excerpt,
        "locator": evidence.locator,
        "added_by": evidence.added_by.get_username(),
        "created_at": evidence.created_at,
    }


@router.post("/{annotation_id}/evidence", response=writes(EvidenceOut, 201), auth=REVIEW)
def review_evidence_add(request, annotation_id: Id, payload: EvidenceIn):
    """Link a source to the item you hold, with a stance, an excerpt and a locator."""
    source = Source.objects.filter(pk=payload.source).first()
    if source is None:
        raise ApiProblem(
            422,
            f"There is no source {payload.source}: add it first (POST /sources).",
            problem_type=VALIDATION,
            errors=[FieldError("No such source.", pointer=json_pointer("source"))],
        )
    evidence = workflow.evidence_add(
        annotation_id=_item(annotation_id),
        user=request.auth,
        source=source,
        stance=payload.stance,
        excerpt=payload.excerpt,
        locator=payload.locator,
    )
    return Status(201, _evidence_data(evidence))


@router.delete("/{annotation_id}/evidence/{evidence_id}", response=writes(None, 204),
               auth=REVIEW)  # fmt: skip
def review_evidence_remove(request, annotation_id: Id, evidence_id: Id):
    """Remove an evidence item from the item you hold (the history keeps it)."""
    get_object_or_404(Evidence.objects.live(), pk=evidence_id, annotation=annotation_id)
    workflow.evidence_remove(evidence_id=evidence_id, user=request.auth)
    return Status(204, None)


@router.post("/{annotation_id}/verify", response=writes(AnnotationOut), auth=REVIEW,
             exclude_unset=True)  # fmt: skip
def review_verify(request, annotation_id: Id, payload: VerifyIn):
    """Verify the item you hold with a verdict (claims and numbers need evidence, a
    quotation a source where it was said)."""
    annotation = workflow.annotation_verify(
        annotation_id=_item(annotation_id),
        reviewer=request.auth,
        version=payload.version,
        verdict=payload.verdict,
        rationale=payload.rationale,
    )
    return shown(annotation.pk)


@router.post("/{annotation_id}/reject", response=writes(AnnotationOut), auth=REVIEW,
             exclude_unset=True)  # fmt: skip
def review_reject(request, annotation_id: Id, payload: RejectIn):
    """Reject the item you hold, with a reason."""
    annotation = workflow.annotation_reject(
        annotation_id=_item(annotation_id),
        reviewer=request.auth,
        version=payload.version,
        rationale=payload.rationale,
    )
    return shown(annotation.pk)


@router.post("/{annotation_id}/send-back", response=writes(AnnotationOut), auth=REVIEW,
             exclude_unset=True)  # fmt: skip
def review_send_back(request, annotation_id: Id, payload: SendBackIn):
    """Send the item you hold back to its author as a draft, with what to change."""
    annotation = workflow.annotation_send_back(
        annotation_id=_item(annotation_id),
        reviewer=request.auth,
        version=payload.version,
        comment=payload.comment,
    )
    return shown(annotation.pk)


# ---- Sources ----

sources_router = Router(tags=["review"])


class SourceQuery(ApiModel):
    q: str = Field(min_length=1)
    limit: int = Field(SEARCH_LIMIT, ge=1, le=50)


@sources_router.get("/", response=reads(list[SourceOut]), auth=REVIEW)
def source_search(request, query: Query[SourceQuery]):
    """Sources whose url, title or publisher matches `q` (at most `limit`)."""
    return list(sources_search(query.q, limit=query.limit))


@sources_router.post("/", response=writes(SourceCreated, 201) | {200: SourceCreated}, auth=REVIEW)
def source_create(request, payload: SourceIn):
    """Add a source; a url already known (in any spelling: case, tracking parameters,
    fragment) gives the existing source, unchanged (200)."""
    form = SourceForm({
        name: "" if value is None else str(value)
        for name, value in payload.model_dump().items()
    })  # fmt: skip
    if not form.is_valid():
        raise ApiProblem(
            422,
            "The source is not valid.",
            problem_type=VALIDATION,
            errors=[
                FieldError(message, pointer=json_pointer(name) if name != "__all__" else "")
                for name, messages in form.errors.items()
                for message in messages
            ],
        )
    source, created = source_find_or_create(details=form.details(), user=request.auth)
    return Status(201 if created else 200, {"source": source, "created": created})
