"""Site-wide odds and ends that belong to no screen."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

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
