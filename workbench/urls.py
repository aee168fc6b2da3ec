"""Workbench URLs: the app's screens, the JSON API, the Django admin, login and logout,
health probes."""

from django.contrib import admin
from django.urls import include, path
from django.views import defaults

from annotations.api import v1
from annotations.api.errors import API_PATH, for_api_paths
from annotations.views import site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", site.favicon),
    # Probes: liveness (the process) and readiness (database and job queue).
    path("healthz", site.healthz, name="healthz"),
    path("readyz", site.readyz, name="readyz"),
    path(API_PATH.lstrip("/"), v1.urls()),
    path("", include("annotations.urls")),
]

# Django's error pages; under /api/v1/ the same refusals as problem+json.
handler400 = for_api_paths(site.bad_request, 400)
handler403 = for_api_paths(defaults.permission_denied, 403)
handler404 = for_api_paths(defaults.page_not_found, 404)
handler500 = for_api_paths(defaults.server_error, 500)
