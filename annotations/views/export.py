"""The export screen (downloads, prepared files, API tokens) and the export endpoint scripts call.

A download asked for on the page streams at once when it is small; larger than
EXPORT_BACKGROUND_RECORDS (or when the person asks for a file), a worker prepares it as a
file, listed on the page until it expires and served only to its creator and editors.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import exporters, jobs, policy, tasks, tokens
from ..forms.export import ApiTokenForm, ExportFilterForm
from ..models import ApiToken, Job, JobKind, JobStatus, Scope
from ..policy import Action

# Session key of a token just created: its id and secret, shown by the next GET, once.
NEW_TOKEN_SESSION_KEY = "export_new_token"
# Prepared files listed on the page (the admin lists them all).
RECENT_FILES = 10


def _files_context(request) -> dict:
    export_jobs = list(
        Job.objects.filter(kind=JobKind.EXPORT, created_by=request.user)[:RECENT_FILES]
    )
    now = timezone.now()
    for job in export_jobs:
        job.available = jobs.job_file_available(job, now)
        job.format_label = exporters.FORMATS[job.params["format"]].label
        job.filters_text = ", ".join(
            f"{name.replace('_id', '')} {value}"
            for name, value in job.params["filters"].items()
            if value is not None
        )
    return {
        "export_jobs": export_jobs,
        "files_pending": any(not job.is_finished for job in export_jobs),
    }


def _render_page(
    request,
    *,
    filter_form=None,
    token_form=None,
    new_token=None,
    new_secret=None,
    notice="",
    status=200,
):
    formats = [
        (fmt, reverse("export_download", kwargs={"export_format": fmt.name}))
        for fmt in exporters.FORMATS.values()
    ]
    context = {
        **_files_context(request),
        "notice": notice,
        "background_records": settings.EXPORT_BACKGROUND_RECORDS,
        "retention_hours": settings.JOB_FILE_RETENTION_HOURS,
        "filter_form": filter_form or ExportFilterForm(),
        "can_export": policy.allows(request.user, Action.EXPORT),
        # The API scopes the user's role allows: the token form offers these.
        "scope_choices": [
            (scope.value, scope.label) for scope in tokens.scopes_allowed(request.user)
        ],
        "formats": formats,
        "token_form": token_form or ApiTokenForm(),
        # Active tokens first, newest first; revoked ones stay listed below for the record.
        "tokens": ApiToken.objects.filter(user=request.user).order_by(
            F("revoked_at").desc(nulls_first=True), "-created_at"
        ),
        "new_token": new_token,
        "new_secret": new_secret,
        "example_url": request.build_absolute_uri(
            reverse("export_download", kwargs={"export_format": "jsonl"})
        ),
    }
    return render(request, "annotations/export.html", context, status=status)


def _pop_new_token(request) -> tuple[ApiToken | None, str | None]:
    """The token created just before this page was asked for, and its secret, at most once:
    reading removes it from the session, so a reload shows only the prefix."""
    created = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if not created:
        return None, None
    token = ApiToken.objects.active().filter(pk=created["token_id"], user=request.user).first()
    return (token, created["secret"]) if token is not None else (None, None)


def _check_may_hold_tokens(user) -> None:
    """API tokens are for everyone whose role allows a scope (annotators' scripts too);
    the downloads on the page only for those who may export."""
    if not tokens.scopes_allowed(user):
        raise PermissionDenied("Your role does not allow exports or API tokens.")


# The page may show a secret: never cached.
@never_cache
@require_GET
def export_page(request):
    _check_may_hold_tokens(request.user)
    new_token, new_secret = _pop_new_token(request)
    return _render_page(request, new_token=new_token, new_secret=new_secret)


# The page's download form: small exports stream from the endpoint (a redirect with the
# filters), large ones, or any when asked, are prepared as a file by a worker.
@require_POST
def export_start(request):
    policy.check(request.user, Action.EXPORT)
    export_format = request.POST.get("format", "")
    form = ExportFilterForm(request.POST)
    if export_format not in exporters.FORMATS:
        return _render_page(request, filter_form=form, notice="Choose a format.", status=400)
    if not form.is_valid():
        return _render_page(request, filter_form=form, status=400)
    filters = form.filters()
    as_file = request.POST.get("as_file") == "1"
    if not as_file and not jobs.export_runs_in_background(export_format, filters):
        url = reverse("export_download", kwargs={"export_format": export_format})
        query = urlencode(filters.as_query())
        return redirect(f"{url}?{query}" if query else url)
    jobs.export_job_create(
        export_format=export_format,
        filters=filters,
        created_by=request.user,
        task=tasks.export_file,
    )
    messages.info(
        request,
        "The file is being prepared: it appears under “Prepared files” when it is ready.",
    )
    return redirect(reverse("export_page") + "#files")


# The list of prepared files, polled by the page while one is being prepared.
@never_cache
@require_GET
def export_files(request):
    policy.check(request.user, Action.EXPORT)
    return render(request, "annotations/export.html#files", _files_context(request))


@require_GET
def export_file_download(request, job_id: int):
    """A prepared file, for its creator and editors only (anyone else: not found)."""
    policy.check(request.user, Action.EXPORT)
    job = get_object_or_404(Job, pk=job_id, kind=JobKind.EXPORT)
    if jobs.job_access_denied(request.user, job) is not None:
        raise Http404("No such file.")
    if job.status != JobStatus.SUCCEEDED:
        return _render_page(request, notice="This file is not ready yet.", status=409)
    if not jobs.job_file_available(job):
        return _render_page(
            request, notice="This file has expired and was deleted: prepare it again.", status=410
        )
    response = FileResponse(
        jobs.job_storage().open(job.file_path, "rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=job.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# POST/redirect/GET: reloading the page must not create a second token. The secret rides
# in the session to the one GET that shows it (see `_pop_new_token`); only its hash stays.
@require_POST
def export_token_create(request):
    _check_may_hold_tokens(request.user)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render_page(request, token_form=form, status=400)
    try:
        # A scope the role does not allow is refused (403) by token_create itself.
        token, secret = tokens.token_create(
            user=request.user, name=form.cleaned_data["name"], scopes=request.POST.getlist("scopes")
        )
    except ValidationError as refused:
        form.add_error(None, refused)
        return _render_page(request, token_form=form, status=400)
    request.session[NEW_TOKEN_SESSION_KEY] = {"token_id": token.pk, "secret": secret}
    return redirect("export_page")


@require_POST
def export_token_revoke(request, token_id: int):
    _check_may_hold_tokens(request.user)
    # Only one's own tokens here (others' 404); editors revoke anyone's in the admin.
    if not ApiToken.objects.filter(pk=token_id, user=request.user).exists():
        raise Http404("No such token.")
    token = tokens.token_revoke(token_id=token_id, user=request.user)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("export_page")


def _unauthorized(message: str, *, invalid_token: bool) -> JsonResponse:
    response = JsonResponse({"error": message}, status=401)
    challenge = 'Bearer realm="workbench"'
    if invalid_token:
        challenge += ', error="invalid_token"'
    response["WWW-Authenticate"] = challenge
    return response


def _export_user(request):
    """(user, None) for a caller allowed to export, or (None, the 401/403 response)."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        token = tokens.token_authenticate(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return None, _unauthorized("The token is unknown or revoked.", invalid_token=True)
        if Scope.EXPORT not in token.scope_set:
            return None, JsonResponse({"error": "This token's scopes do not include export."},
                                      status=403)  # fmt: skip
        user = token.user
    elif request.user.is_authenticated:
        user = request.user
    else:
        return None, _unauthorized(
            "Log in, or send the header “Authorization: Bearer <token>”.", invalid_token=False
        )
    reason = policy.reason_denied(user, Action.EXPORT)
    if reason is not None:
        return None, JsonResponse({"error": reason}, status=403)
    return user, None


# Scripts authenticate with a token, not a session: LoginRequiredMiddleware must not
# redirect them to the login page, so this view answers 401/403 itself. It only reads
# (GET), so CSRF does not apply.
@login_not_required
@require_GET
def export_download(request, export_format: str):
    if export_format not in exporters.FORMATS:
        raise Http404("Unknown export format.")
    _user, refusal = _export_user(request)
    if refusal is not None:
        return refusal
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)

    exported_at = timezone.now()
    stream = exporters.stream_export(export_format, form.filters(), exported_at=exported_at)
    # One write per chunk of records (a few megabytes), already UTF-8. A JSON Lines
    # export ends with its end line, so a client can tell a cut stream from a whole one.
    response = StreamingHttpResponse(stream.iter_bytes(), content_type=stream.format.content_type)
    filename = exporters.export_filename(export_format, exported_at)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    if export_format in ("json", "jsonl"):
        response["Link"] = f'<{exporters.SCHEMA_ID}>; rel="describedby"'
    return response
