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


def _content() -> dict:
    """The response bodies, by media type: the research format's JSON Schema is in
    docs/export-v1.schema.json (and named by the response's Link header)."""
    media_types = {
        fmt.content_type: {"schema": {"type": "string"}} for fmt in exporters.FORMATS.values()
    }
    media_types["application/json"] = {"schema": {"type": "object"}}
    return media_types


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
