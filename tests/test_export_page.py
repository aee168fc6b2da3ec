"""The export page: download links with filters, and API token management."""

import pytest
from django.urls import reverse

from annotations import tokens
from annotations.models import ApiToken

from .factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

PAGE = "/export/"


def test_the_page_is_at_export():
    assert reverse("export_page") == PAGE


@pytest.mark.parametrize("persona", ["researcher", "editor"])
def test_researchers_and_editors_see_a_download_button_per_format(client_for, persona, request):
    response = client_for(request.getfixturevalue(persona)).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    # One form (posted: it may create a job) whose buttons name the format; a small export
    # is then streamed by the endpoint, a large one prepared as a file (test_export_jobs.py).
    assert f'action="{reverse("export_start")}"' in html
    for export_format in ("json", "jsonl", "w3c", "claimreview"):
        assert f'name="format" value="{export_format}"' in html
    for field in ("since", "kind", "verdict", "article"):
        assert f'name="{field}"' in html


@pytest.mark.parametrize("persona", ["annotator", "reviewer"])
def test_other_roles_see_only_their_api_tokens(client_for, persona, request):
    response = client_for(request.getfixturevalue(persona)).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/export/verified." not in html
    assert 'name="scopes" value="read"' in html and 'value="export"' not in html


def test_people_without_a_role_get_403(client_for, outsider):
    assert client_for(outsider).get(PAGE).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_accepts_only_get(client_for, researcher):
    assert client_for(researcher).post(PAGE).status_code == 405


def test_creating_a_token_shows_its_secret_once(client_for, researcher):
    client = client_for(researcher)

    response = client.post(
        reverse("export_token_create"), {"name": "nightly script", "scopes": ["read", "export"]}
    )

    assert response.status_code == 302 and response["Location"] == PAGE
    token = ApiToken.objects.get(user=researcher)
    shown = client.get(PAGE)
    html = shown.content.decode()
    secret = html.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith(token.prefix)
    assert tokens.token_authenticate(secret) == token
    assert "no-store" in shown["Cache-Control"]
    # Never again: the page afterwards shows only the prefix.
    again = client.get(PAGE).content.decode()
    assert secret not in again and token.prefix in again
    assert secret not in str(dict(client.session))  # nor kept in the session


def test_the_page_showing_a_new_token_is_a_get_so_a_reload_creates_nothing(client_for, researcher):
    client = client_for(researcher)

    response = client.post(
        reverse("export_token_create"), {"name": "nightly", "scopes": ["export"]}, follow=True
    )

    # What the browser shows (and would reload) is the GET the POST redirected to.
    assert response.redirect_chain == [(PAGE, 302)]
    assert response.request["REQUEST_METHOD"] == "GET"
    assert 'id="new-secret"' in response.content.decode()
    client.get(PAGE)
    assert ApiToken.objects.filter(user=researcher).count() == 1


def test_a_token_needs_a_name(client_for, researcher):
    response = client_for(researcher).post(reverse("export_token_create"), {"name": "  "})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_an_annotator_creates_a_token_for_scripts_but_never_an_export_one(client_for, annotator):
    client = client_for(annotator)

    refused = client.post(reverse("export_token_create"), {"name": "x", "scopes": ["export"]})
    assert refused.status_code == 403
    assert not ApiToken.objects.exists()

    created = client.post(reverse("export_token_create"), {"name": "x", "scopes": ["annotate"]})
    assert created.status_code == 302
    assert ApiToken.objects.get(user=annotator).scopes == "annotate"


def test_a_token_needs_a_scope(client_for, researcher):
    response = client_for(researcher).post(reverse("export_token_create"), {"name": "x"})

    assert response.status_code == 400
    assert "at least one scope" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_creation_accepts_only_post(client_for, researcher):
    assert client_for(researcher).get(reverse("export_token_create")).status_code == 405


def test_the_page_lists_only_ones_own_tokens(client_for, researcher, editor):
    mine = ApiTokenFactory(user=researcher, name="my laptop")
    ApiTokenFactory(user=editor, name="editors pipeline")

    html = client_for(researcher).get(PAGE).content.decode()

    assert mine.name in html
    assert "editors pipeline" not in html


def test_revoking_a_token_stops_it_and_keeps_it_listed(client_for, researcher):
    token, secret = tokens.token_create(user=researcher, name="old script")
    client = client_for(researcher)

    response = client.post(reverse("export_token_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.token_authenticate(secret) is None
    html = client.get(PAGE).content.decode()
    assert "revoked" in html and "old script" in html


def test_nobody_revokes_someone_elses_token_from_the_page(client_for, researcher, editor):
    other = ApiTokenFactory(user=editor)

    response = client_for(researcher).post(reverse("export_token_revoke", args=[other.pk]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_revoking_accepts_only_post(client_for, researcher):
    token = ApiTokenFactory(user=researcher)

    response = client_for(researcher).get(reverse("export_token_revoke", args=[token.pk]))

    assert response.status_code == 405


def test_annotators_find_their_api_tokens_in_the_menu(client_for, annotator):
    html = client_for(annotator).get(reverse("article_list")).content.decode()

    assert f'href="{PAGE}#tokens-heading">API tokens</a>' in html
