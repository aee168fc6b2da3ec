"""The import screen: editors upload article files and get a report per file.

The status says what the report says, for scripts as much as for people: 200 when every
file was imported (or skipped as duplicates), 422 with the same report when any file was
refused or the form itself is wrong (no file chosen).
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .. import policy
from ..forms.importing import ImportForm
from ..importers import import_uploads
from ..models import ImportBatch
from ..policy import Action

RECENT_BATCHES = 8


@require_http_methods(["GET", "POST"])
def import_upload(request):
    policy.check(request.user, Action.IMPORT_ARTICLES)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    reports = []
    status = 422 if form.is_bound and not form.is_valid() else 200
    if form.is_bound and form.is_valid():
        reports = import_uploads(
            form.cleaned_data["files"],
            file_format=form.cleaned_data["file_format"] or None,
            publisher=form.cleaned_data["publisher"],
            imported_by=request.user,
        )
        # A fresh form: the files are done, sending them again would only find duplicates.
        form = ImportForm()
        if not all(report.ok for report in reports):
            status = 422
    context = {
        "form": form,
        "reports": reports,
        "max_bytes": settings.IMPORT_MAX_BYTES,
        "recent_batches": ImportBatch.objects.select_related("imported_by")[:RECENT_BATCHES],
    }
    template = "annotations/import.html#panel" if request.htmx else "annotations/import.html"
    return render(request, template, context, status=status)
