"""The research export, described in the API's schema: the existing streaming endpoint.

The operation admits the caller as every operation does (token with the export scope or
session, rate limit), checks the filters with the export's own form, and hands the request
to `views.export.export_download`, the endpoint scripts already call: one export code, which
streams in constant memory.
"""

from enum import StrEnum

from ninja import Query, Router

from .. import exporters
from ..forms.export import ExportFilterForm
from ..models import Kind, Scope, Verdict
from ..views import export as export_views
from .auth import scoped
from .errors import VALIDATION, ApiProblem, FieldError
from .schemas import READ_PROBLEMS, ApiModel, Problem

router = Router(tags=["export"])

ExportFormatName = StrEnum("ExportFormatName", {name: name for name in exporters.FORMATS})


class ExportQuery(ApiModel):
    since: str | None = None
    kind: Kind | None = None
    verdict: Verdict | None = None
    article: int | None = None


# What each format's body is, for clients (and the schema run) that read it as JSON; the
# research format's records are described by docs/export-v1.schema.json (the Link header).
# Both JSON-LD formats are application/ld+json, which clients match without its profile.
JSON_LD = {
    "type": ["object", "array"],
    "description": "w3c: a W3C AnnotationCollection; claimreview: an array of ClaimReview",
}
BODY_SCHEMAS = {
    "json": {"type": "object"},
    "jsonl": {"type": "string", "description": "One JSON object per line"},
    "w3c": JSON_LD,
    "claimreview": JSON_LD,
}


def _content() -> dict:
    """The response bodies, by media type."""
    return {
        fmt.content_type: {"schema": BODY_SCHEMAS.get(name, {})}
        for name, fmt in exporters.FORMATS.items()
    }


@router.get(
    "/verified.{export_format}",
    response={READ_PROBLEMS: Problem},
    auth=scoped(Scope.EXPORT),
    openapi_extra={
        "responses": {200: {"description": "The export, streamed", "content": _content()}}
    },
)
def export_verified(request, export_format: ExportFormatName, filters: Query[ExportQuery]):
    """Verified annotations, in the order they were verified, streamed: `json` (one
    document, research format v1), `jsonl`, `w3c` (W3C Web Annotation JSON-LD),
    `claimreview` (schema.org ClaimReview JSON-LD). Filters: verified `since` (a date or a
    date and time), `kind`, `verdict`, `article`."""
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        raise ApiProblem(
            422,
            "The export filters are not valid.",
            problem_type=VALIDATION,
            errors=[
                FieldError(message, parameter=name)
                for name, messages in form.errors.items()
                for message in messages
            ],
        )
    return export_views.export_download(request, export_format.value)
