"""The "other tools" screen: import Label Studio, doccano and W3C files; export to them.

Editors upload a file and get the report of every record (200 when the file was taken,
422 with the same report when it was refused, as on the Import page). Whoever may export
downloads verified annotations as Label Studio JSON or doccano JSON Lines; editors may
take every live annotation.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .. import policy
from ..forms.interop import EXPORT_CHOICES, InteropExportForm, InteropImportForm
from ..inputs import BadInput, parse_optional_id
from ..interop import (
    EXPORT_FORMATS,
    ExportScope,
    InteropError,
    InteropFormat,
    import_annotations,
    stream_interop_export,
)
from ..interop.exporting import interop_filename
from ..policy import Action


def _check_may_visit(user) -> None:
    if not (policy.allows(user, Action.IMPORT_ARTICLES) or policy.allows(user, Action.EXPORT)):
        policy.check(user, Action.IMPORT_ARTICLES)  # raises with the reason


@require_http_methods(["GET", "POST"])
def interop_page(request):
    _check_may_visit(request.user)
    form, report, status = InteropImportForm(), None, 200
    if request.method == "POST":
        policy.check(request.user, Action.IMPORT_ARTICLES)
        form = InteropImportForm(request.POST, request.FILES)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = import_annotations(
                    data["file"],
                    filename=data["file"].name,
                    file_format=data["file_format"],
                    author=request.user,
                    imported_by=request.user,
                    label_map=data["label_map"],
                    offsets=data["offsets"] or None,
                    skip_invalid=data["skip_invalid"],
                )
            except InteropError as error:
                form.add_error(None, str(error))
            else:
                status = 200 if report.ok else 422
    context = {
        "form": form,
        "report": report,
        "may_import": policy.allows(request.user, Action.IMPORT_ARTICLES),
        "may_export": policy.allows(request.user, Action.EXPORT),
        "may_export_all": policy.allows(request.user, Action.EXPORT_ALL),
        "export_choices": EXPORT_CHOICES,
    }
    template = "annotations/interop.html#panel" if request.htmx else "annotations/interop.html"
    return render(request, template, context, status=status)


@require_GET
def interop_export(request, export_format: str):
    policy.check(request.user, Action.EXPORT)
    if export_format not in EXPORT_FORMATS:
        raise Http404("Workbench exports label-studio and doccano files.")
    form = InteropExportForm(request.GET)
    if not form.is_valid():
        raise BadInput(f"scope must be {ExportScope.VERIFIED} or {ExportScope.ALL}.")
    scope = ExportScope(form.cleaned_data["scope"])
    if scope == ExportScope.ALL and not policy.allows(request.user, Action.EXPORT_ALL):
        raise PermissionDenied(policy.reason_denied(request.user, Action.EXPORT_ALL))
    article_id = parse_optional_id(request.GET.get("article"), name="article")
    stream = stream_interop_export(InteropFormat(export_format), scope, article_id=article_id)
    fmt = EXPORT_FORMATS[InteropFormat(export_format)]
    # One piece per article: big enough writes without buffering here.
    response = StreamingHttpResponse(stream, content_type=fmt.content_type)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    filename = interop_filename(export_format, scope, stamp)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
