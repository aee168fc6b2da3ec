"""Workbench URLs: the app's screens, the Django admin, login and logout, health probes."""

from django.contrib import admin
from django.urls import include, path

from annotations.views import site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", site.favicon),
    # Probes: liveness (the process) and readiness (database and job queue).
    path("healthz", site.healthz, name="healthz"),
    path("readyz", site.readyz, name="readyz"),
    path("", include("annotations.urls")),
]

handler400 = site.bad_request
