"""URLs of the Workbench screens, grouped by screen (one views module each)."""

from django.urls import path

from .views import accounts, articles, export, importing

urlpatterns = [
    # Accounts
    path("login/", accounts.login_view, name="login"),
    path("logout/", accounts.logout_view, name="logout"),
    # Articles
    path("", articles.article_list, name="article_list"),
    path("articles/<int:article_id>/", articles.article_detail, name="article_detail"),
    # Import
    path("import/", importing.import_upload, name="import_upload"),
    # Export
    path("export/", export.export_page, name="export_page"),
    path("export/tokens/", export.export_token_create, name="export_token_create"),
    path(
        "export/tokens/<int:token_id>/revoke/",
        export.export_token_revoke,
        name="export_token_revoke",
    ),
    path(
        "api/export/verified.<str:export_format>",
        export.export_download,
        name="export_download",
    ),
]
