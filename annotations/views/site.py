"""Site-wide odds and ends that belong to no screen."""

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import jobs
from ..inputs import BadInput


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, error pages).

    The static url is resolved per request: with the manifest storage it exists only
    after collectstatic, which must not be needed to import the URLconf.
    """
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def bad_request(request, exception):
    """400 with the reason when a strict parser (`inputs.BadInput`) refused the request.

    Django's own handler renders the page without a context; other 400s (a suspicious
    operation) keep a generic message, since theirs may name internals.
    """
    message = str(exception) if isinstance(exception, BadInput) else ""
    return render(request, "400.html", {"message": message}, status=400)


# Probes for the load balancer and the orchestrator: no login, never cached, and cheap.


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers requests. No database: a database outage must not
    get every app server restarted, only taken out of rotation (`readyz`)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """Readiness: the database answers and the job queue's table is reachable (2 queries).

    503 with the reason otherwise. The queue's backlog is reported, not judged: an app
    server serves pages while the workers catch up, and monitoring watches the figure.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return _not_ready(f"The database does not answer ({type(error).__name__}).")
    try:
        queue = jobs.queue_state()
    except DatabaseError as error:
        return _not_ready(f"The job queue is not reachable ({type(error).__name__}).")
    return JsonResponse({"status": "ready", "database": "ok", "queue": queue})


def _not_ready(reason: str) -> JsonResponse:
    return JsonResponse({"status": "unavailable", "reason": reason}, status=503)
