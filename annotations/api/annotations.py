"""Annotations: list with filters, read one, create one or many, edit, submit, withdraw.

Each endpoint calls the `workflow` function the annotate screen calls, with the version the
client read: a stale one is answered 409 with what changed (`errors.py`).
"""

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.responses import Status

from .. import workflow
from ..forms.export import DateOrDateTimeField
from ..models import Annotation, HistoryEntry, Kind, Review, ReviewOutcome, Scope, State
from ..visibility import visible_annotations
from . import pagination
from .auth import scoped
from .errors import VALIDATION, ApiProblem, FieldError, record_errors
from .schemas import (
    AnnotationChange,
    AnnotationDetail,
    AnnotationOut,
    AnnotationPage,
    AnnotationsIn,
    AnnotationsOut,
    Id,
    Limit,
    SubmitIn,
    VersionIn,
    annotation_data,
    reads,
    writes,
)

router = Router(tags=["annotations"])


def for_api(queryset):
    """Annotations with what `schemas.annotation_data` shows, in the same query: the
    author, the reviewer and the verdict of the latest verification."""
    # A first decision under double review is sealed until the second: not the verdict.
    latest_verification = (
        Review.objects.unsealed()
        .filter(annotation=OuterRef("pk"), outcome=ReviewOutcome.VERIFIED)
        .order_by("-created_at", "-id")
    )
    return queryset.select_related("author", "reviewer").annotate(
        api_verdict=Subquery(latest_verification.values("verdict")[:1])
    )


def shown(annotation_id: int) -> dict:
    """An annotation as it is now (after a change), for the response."""
    return annotation_data(for_api(Annotation.objects.all()).get(pk=annotation_id))


class AnnotationFilters(Limit):
    article: Id | None = None
    kind: Kind | None = None
    state: State | None = None
    author: str | None = None
    verified_since: str | None = None


def _since(raw: str):
    """`verified_since` as the export reads `since` (a date, or a date and time)."""
    try:
        return DateOrDateTimeField().clean(raw)
    except ValidationError as invalid:  # its message says what to write
        message = " ".join(invalid.messages)
        raise ApiProblem(
            422,
            f"verified_since: {message}",
            problem_type=VALIDATION,
            errors=[FieldError(message, parameter="verified_since")],
        ) from None


@router.get("/", response=reads(AnnotationPage), auth=scoped(Scope.READ), exclude_unset=True)
def annotation_list(request, filters: Query[AnnotationFilters]):
    """Annotations in id order, a page at a time (`next_cursor`); withdrawn ones only when
    `state=withdrawn` asks for them. One query per page, whatever its size."""
    annotations = visible_annotations(request.auth)
    if filters.state is not None:
        annotations = annotations.filter(state=filters.state)
    else:
        annotations = annotations.live()
    if filters.article is not None:
        annotations = annotations.filter(article_id=filters.article)
    if filters.kind is not None:
        annotations = annotations.filter(kind=filters.kind)
    if filters.author:
        annotations = annotations.filter(author__username=filters.author)
    if filters.verified_since:
        annotations = annotations.verified().filter(decided_at__gte=_since(filters.verified_since))
    rows, next_cursor = pagination.page(
        for_api(annotations),
        key=("id",),
        kinds=(int,),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [annotation_data(row) for row in rows], "next_cursor": next_cursor}


@router.get(
    "/{annotation_id}", response=reads(AnnotationDetail), auth=scoped(Scope.READ),
    exclude_unset=True,
)  # fmt: skip
def annotation_read(request, annotation_id: Id):
    """One annotation with its evidence, reviews and history."""
    annotation = get_object_or_404(
        for_api(visible_annotations(request.auth)).prefetch_related(
            Prefetch("reviews", Review.objects.visible_to(request.auth).select_related("reviewer")),
            Prefetch("history", HistoryEntry.objects.select_related("actor")),
        ),
        pk=annotation_id,
    )
    evidence = annotation.evidence.live().select_related("source", "added_by")
    return annotation_data(annotation) | {
        "evidence": [
            {
                "id": item.pk,
                "source": item.source,
                "stance": item.stance,
                "excerpt": item.excerpt,
                "locator": item.locator,
                "added_by": item.added_by.get_username(),
                "created_at": item.created_at,
            }
            for item in evidence
        ],
        "reviews": [
            {
                "reviewer": review.reviewer.get_username(),
                "outcome": review.outcome,
                "verdict": review.verdict,
                "rationale": review.rationale,
                "created_at": review.created_at,
            }
            for review in annotation.reviews.all()
        ],
        "history": [
            {
                "action": entry.action,
                "actor": entry.actor.get_username(),
                "from_state": entry.from_state,
                "to_state": entry.to_state,
                "changes": entry.changes,
                "comment": entry.comment,
                "at": entry.at,
            }
            for entry in annotation.history.all()
        ],
    }


@router.post(
    "/", response=writes(AnnotationsOut, 201), auth=scoped(Scope.ANNOTATE), exclude_unset=True
)
def annotation_create(request, payload: AnnotationsIn):
    """Create one or many drafts in one request: all or none.

    Each span is checked against its article's body (offsets in code points, `exact` equal
    to the body's slice, whole characters), each attribute against its kind; marking a
    span you already marked as the same kind needs `confirm_duplicate`. A refusal lists
    every refused record (`errors[].pointer` is `/annotations/<index>`) and creates nothing.
    """
    specs = [
        workflow.DraftSpec(
            article_id=record.article,
            kind=record.kind,
            start=record.start,
            end=record.end,
            exact=record.exact,
            attributes=record.attributes.changes(),
            confirm_duplicate=record.confirm_duplicate,
        )
        for record in payload.annotations
    ]
    try:
        created = workflow.annotations_create_bulk(author=request.auth, specs=specs)
    except workflow.RecordsRefused as refused:
        raise ApiProblem(
            422,
            str(refused.message),
            problem_type=VALIDATION,
            errors=record_errors(refused.problems, "annotations"),
        ) from None
    author = request.auth
    for annotation in created:
        annotation.author = author  # shown by name: no query per record
    return Status(201, {"annotations": [annotation_data(annotation) for annotation in created]})


@router.patch(
    "/{annotation_id}", response=writes(AnnotationOut), auth=scoped(Scope.ANNOTATE),
    exclude_unset=True,
)  # fmt: skip
def annotation_update(request, annotation_id: Id, payload: AnnotationChange):
    """Change a draft of yours: its attributes, its kind, or its span (`start`, `end`),
    based on `version` (409 when someone changed it since)."""
    changes = payload.attributes.changes()
    for name in ("kind", "start", "end"):
        if name in payload.model_fields_set and getattr(payload, name) is not None:
            changes[name] = getattr(payload, name)
    annotation = workflow.annotation_update(
        annotation_id=_existing(annotation_id),
        user=request.auth,
        version=payload.version,
        changes=changes,
    )
    return shown(annotation.pk)


@router.post(
    "/{annotation_id}/submit", response=writes(AnnotationOut),
    auth=scoped(Scope.ANNOTATE), exclude_unset=True,
)  # fmt: skip
def annotation_submit(request, annotation_id: Id, payload: SubmitIn):
    """Send a draft of yours for review; `attributes` are saved first, in one step."""
    annotation = workflow.annotation_submit(
        annotation_id=_existing(annotation_id),
        user=request.auth,
        version=payload.version,
        changes=payload.attributes.changes() or None,
    )
    return shown(annotation.pk)


@router.post(
    "/{annotation_id}/withdraw", response=writes(AnnotationOut),
    auth=scoped(Scope.ANNOTATE), exclude_unset=True,
)  # fmt: skip
def annotation_withdraw(request, annotation_id: Id, payload: VersionIn):
    """Take back a draft of yours; it stays in the history."""
    annotation = workflow.annotation_withdraw(
        annotation_id=_existing(annotation_id), user=request.auth, version=payload.version
    )
    return shown(annotation.pk)


def _existing(annotation_id: int) -> int:
    """404 for an id that is not an annotation (the workflow would say 422)."""
    if not Annotation.objects.filter(pk=annotation_id).exists():
        raise ApiProblem(404, f"There is no annotation {annotation_id}.")
    return annotation_id
