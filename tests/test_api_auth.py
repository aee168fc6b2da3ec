"""API authentication: bearer tokens with scopes within the role, sessions with CSRF, rates."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from annotations import tokens
from annotations.models import Scope

from .api_client import API, problem
from .factories import ArticleFactory, verified_annotation

pytestmark = pytest.mark.django_db


def test_no_credentials_is_a_401_with_the_bearer_challenge(client, article):
    response = client.get(f"{API}/articles/")

    problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="workbench"'


@pytest.mark.parametrize("header", ["Bearer wbt_unknown", "Bearer ", "Bearer nonsense"])
def test_an_unknown_token_is_a_401_invalid_token(client, header, article):
    response = client.get(f"{API}/articles/", HTTP_AUTHORIZATION=header)

    problem(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_revoked_token_is_refused(api_as, annotator, article):
    api = api_as(annotator)
    tokens.token_revoke(token_id=api.token.pk, user=annotator)

    problem(api.get("/articles/"), 401)


def test_a_wrong_token_never_falls_back_to_the_session(client, annotator, article):
    client.force_login(annotator)

    response = client.get(f"{API}/articles/", HTTP_AUTHORIZATION="Bearer wbt_unknown")

    problem(response, 401)


def test_a_token_without_the_scope_is_refused_403(api_as, annotator, article):
    api = api_as(annotator, scopes=[Scope.READ])
    body = {
        "annotations": [
            {"article": article.pk, "kind": "claim", "start": 0, "end": 3, "exact": "The"}
        ]
    }

    assert api.get("/articles/").status_code == 200
    document = problem(api.post("/annotations/", body), 403)

    assert "annotate" in document["detail"]
    assert not article.annotations.exists()


def test_a_scope_never_exceeds_the_role(api_as, annotator, reviewer):
    """An annotator's token has no review scope; a role taken away takes the token's power."""
    with pytest.raises(PermissionDenied):
        tokens.token_create(user=annotator, name="t", scopes=[Scope.REVIEW])

    api = api_as(reviewer, scopes=[Scope.REVIEW])
    assert api.get("/review/queue").status_code == 200
    reviewer.groups.clear()

    problem(api.get("/review/queue"), 403)


def test_a_researcher_reads_and_exports_but_does_not_annotate(api_as, researcher, article):
    api = api_as(researcher)

    assert api.token.scope_set == {"read", "export"}
    assert api.get(f"/articles/{article.pk}").status_code == 200
    assert api.get("/export/verified.jsonl").status_code == 200


def test_the_session_reads_without_csrf_but_writes_only_with_it(annotator, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(annotator)
    body = json.dumps(
        {
            "annotations": [
                {"article": article.pk, "kind": "claim", "start": 0, "end": 3, "exact": "The"}
            ]
        }
    )

    assert client.get(f"{API}/articles/").status_code == 200
    refused = client.post(f"{API}/annotations/", body, content_type="application/json")
    problem(refused, 403)
    assert "CSRF" in refused.json()["detail"]

    client.get("/")  # the page sets the csrftoken cookie, as the docs page does
    csrf = client.cookies["csrftoken"].value
    created = client.post(
        f"{API}/annotations/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert created.status_code == 201


def test_requests_over_the_rate_limit_get_429_with_retry_after(api_as, annotator, settings):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_WINDOW_SECONDS = 60
    api = api_as(annotator)
    other = api_as(annotator)  # another token of the same person counts on its own

    statuses = [api.get("/articles/").status_code for _ in range(4)]
    limited = api.get("/articles/")

    assert statuses == [200, 200, 200, 429]
    problem(limited, 429)
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert other.get("/articles/").status_code == 200


def test_the_legacy_export_endpoint_refuses_a_token_without_the_export_scope(
    client, editor, annotator
):
    verified_annotation(author=annotator)
    _token, secret = tokens.token_create(user=editor, name="t", scopes=[Scope.READ])

    response = client.get("/api/export/verified.jsonl", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 403


def test_every_answer_is_private(api_as, annotator):
    ArticleFactory()
    response = api_as(annotator).get("/articles/")

    assert response["Cache-Control"] == "private, no-store"
