"""URLs of the Workbench screens, grouped by screen (one views module each)."""

from django.urls import path

from .views import accounts, articles, importing

urlpatterns = [
    # Accounts
    path("login/", accounts.login_view, name="login"),
    path("logout/", accounts.logout_view, name="logout"),
    # Articles
    path("", articles.article_list, name="article_list"),
    path("articles/<int:article_id>/", articles.article_detail, name="article_detail"),
    # Import
    path("import/", importing.import_upload, name="import_upload"),
]
