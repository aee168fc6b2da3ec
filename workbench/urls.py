"""Workbench URLs: the app's screens, the Django admin, login and logout."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("annotations.urls")),
]
