"""Workbench URLs: the app's screens, the Django admin, login and logout."""

from django.contrib import admin
from django.urls import include, path

from annotations.views import site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", site.favicon),
    path("", include("annotations.urls")),
]

handler400 = site.bad_request
