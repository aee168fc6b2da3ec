"""The export screen (download links, API tokens) and the export endpoint scripts call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import exporters, policy, tokens
from ..forms.export import ApiTokenForm, ExportFilterForm
from ..models import ApiToken
from ..policy import Action

# Session key of a token just created: its id and secret, shown by the next GET, once.
NEW_TOKEN_SESSION_KEY = "export_new_token"


def _render_page(request, *, token_form=None, new_token=None, new_secret=None, status=200):
    formats = [
        (fmt, reverse("export_download", kwargs={"export_format": fmt.name}))
        for fmt in exporters.FORMATS.values()
    ]
    context = {
        "filter_form": ExportFilterForm(),
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


# The page may show a secret: never cached.
@never_cache
@require_GET
def export_page(request):
    policy.check(request.user, Action.EXPORT)
    new_token, new_secret = _pop_new_token(request)
    return _render_page(request, new_token=new_token, new_secret=new_secret)


# POST/redirect/GET: reloading the page must not create a second token. The secret rides
# in the session to the one GET that shows it (see `_pop_new_token`); only its hash stays.
@require_POST
def export_token_create(request):
    policy.check(request.user, Action.EXPORT)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render_page(request, token_form=form, status=400)
    token, secret = tokens.token_create(user=request.user, name=form.cleaned_data["name"])
    request.session[NEW_TOKEN_SESSION_KEY] = {"token_id": token.pk, "secret": secret}
    return redirect("export_page")


@require_POST
def export_token_revoke(request, token_id: int):
    policy.check(request.user, Action.EXPORT)
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
