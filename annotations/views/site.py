"""Site-wide odds and ends that belong to no screen."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, error pages).

    The static url is resolved per request: with the manifest storage it exists only
    after collectstatic, which must not be needed to import the URLconf.
    """
    return HttpResponsePermanentRedirect(static("favicon.svg"))
