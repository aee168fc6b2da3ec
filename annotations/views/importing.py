"""The import screen: editors upload article files and get a report per file.

The status says what the report says, for scripts as much as for people: 200 when every
file was imported (or skipped as duplicates), 422 with the same report when any file was
refused or the form itself is wrong (no file chosen). An upload larger than
IMPORT_BACKGROUND_BYTES is imported by a worker: 202 with the job's progress (htmx polls
it), or a redirect to the job's page without htmx; the report comes when it is done.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import jobs, policy, tasks
from ..forms.importing import ImportForm
from ..importers import import_uploads
from ..models import ImportBatch, Job, JobKind
from ..policy import Action

RECENT_BATCHES = 8


def _render_panel(request, *, form, reports=(), job=None, status=200):
    context = {
        "form": form,
        "reports": reports,
        "job": job,
        "max_bytes": settings.IMPORT_MAX_BYTES,
        "recent_batches": ImportBatch.objects.select_related("imported_by")[:RECENT_BATCHES],
    }
    template = "annotations/import.html#panel" if request.htmx else "annotations/import.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def import_upload(request):
    policy.check(request.user, Action.IMPORT_ARTICLES)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if not form.is_bound:
        return _render_panel(request, form=form)
    if not form.is_valid():
        return _render_panel(request, form=form, status=422)
    options = {
        "file_format": form.cleaned_data["file_format"] or "",
        "publisher": form.cleaned_data["publisher"],
    }
    if jobs.import_runs_in_background(form.cleaned_data["files"]):
        job = jobs.import_job_create(
            files=form.cleaned_data["files"],
            created_by=request.user,
            task=tasks.import_articles,
            **options,
        )
        if not request.htmx:
            return redirect("import_job", job_id=job.pk)
        return _render_panel(request, form=ImportForm(), job=job, status=202)
    reports = import_uploads(
        form.cleaned_data["files"],
        file_format=options["file_format"] or None,
        publisher=options["publisher"],
        imported_by=request.user,
    )
    # A fresh form: the files are done, sending them again would only find duplicates.
    status = 200 if all(report.ok for report in reports) else 422
    return _render_panel(request, form=ImportForm(), reports=reports, status=status)


def _import_job_for(request, job_id: int) -> Job:
    """The import job `job_id` if the user may see it; someone else's is not found."""
    policy.check(request.user, Action.IMPORT_ARTICLES)
    job = get_object_or_404(Job, pk=job_id, kind=JobKind.IMPORT)
    if jobs.job_access_denied(request.user, job) is not None:
        raise Http404("No such import.")
    return job


@require_GET
def import_job(request, job_id: int):
    """The import page with a background import's progress, then its report (200 or 422
    like an import in the request)."""
    job = _import_job_for(request, job_id)
    reports = jobs.import_job_reports(job) if job.is_finished else ()
    status = 422 if any(not report["ok"] for report in reports) else 200
    return _render_panel(request, form=ImportForm(), reports=reports, job=job, status=status)
