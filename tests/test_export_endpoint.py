"""The export endpoint: session or bearer token, permissions, streaming, filters, formats."""

import json

import pytest
from django.contrib.auth.models import Group
from django.http import StreamingHttpResponse
from django.urls import reverse

from annotations import tokens
from annotations.models import ApiToken, Kind
from annotations.policy import Role

from .export_lines import json_lines_records
from .factories import ApiTokenFactory, verified_annotation

pytestmark = pytest.mark.django_db


def url(export_format="json", **query):
    path = reverse("export_download", kwargs={"export_format": export_format})
    if query:
        path += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return path


def body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.fixture
def exported(annotator):
    return verified_annotation(author=annotator)


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# ---- Who may ----


def test_a_researcher_with_a_session_downloads_the_export(client_for, researcher, exported):
    response = client_for(researcher).get(url())

    assert response.status_code == 200
    document = json.loads(body(response))
    assert [record["id"] for record in document["records"]] == [exported.pk]


def test_an_editor_with_a_session_downloads_the_export(client_for, editor, exported):
    response = client_for(editor).get(url("jsonl"))

    assert response.status_code == 200
    assert [record["id"] for record in json_lines_records(body(response))] == [exported.pk]


def test_an_annotator_is_refused_with_403(client_for, annotator, exported):
    response = client_for(annotator).get(url())

    assert response.status_code == 403
    assert "error" in response.json()


def test_a_reviewer_is_refused_with_403(client_for, reviewer, exported):
    assert client_for(reviewer).get(url()).status_code == 403


def test_anonymous_without_a_token_gets_401_not_a_login_redirect(client, exported):
    response = client.get(url())

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "invalid_token" not in response["WWW-Authenticate"]


def test_a_valid_token_downloads_without_a_session(client, researcher, exported):
    _token, secret = tokens.token_create(user=researcher, name="script")

    response = client.get(url("jsonl"), **bearer(secret))

    assert response.status_code == 200
    assert [record["id"] for record in json_lines_records(body(response))] == [exported.pk]


def test_using_a_token_records_when_it_was_last_used(client, researcher, exported):
    token, secret = tokens.token_create(user=researcher, name="script")
    assert token.last_used_at is None

    client.get(url(), **bearer(secret))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_gets_401(client, researcher, exported):
    token, secret = tokens.token_create(user=researcher, name="script")
    tokens.token_revoke(token_id=token.pk, user=researcher)

    response = client.get(url(), **bearer(secret))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_an_unknown_token_gets_401(client, exported):
    assert client.get(url(), **bearer("wbt_not-a-real-token")).status_code == 401


def test_a_malformed_authorization_header_gets_401(client, researcher, exported):
    _token, secret = tokens.token_create(user=researcher, name="script")

    response = client.get(url(), HTTP_AUTHORIZATION=f"Token {secret}")

    assert response.status_code == 401


def test_the_token_of_a_role_without_export_permission_gets_403(client, researcher, exported):
    _token, secret = tokens.token_create(user=researcher, name="script")
    # The researcher later becomes an annotator: the token stays valid but may not export.
    researcher.groups.set([Group.objects.get(name=Role.ANNOTATOR)])

    response = client.get(url(), **bearer(secret))

    assert response.status_code == 403


def test_a_token_held_by_an_annotator_gets_403(client, annotator, exported):
    secret = "wbt_annotators-token-made-directly"
    ApiTokenFactory(user=annotator, key_hash=tokens._hash(secret), prefix=secret[:12])

    assert client.get(url(), **bearer(secret)).status_code == 403


def test_the_token_of_a_deactivated_user_gets_401(client, researcher, exported):
    _token, secret = tokens.token_create(user=researcher, name="script")
    researcher.is_active = False
    researcher.save()

    assert client.get(url(), **bearer(secret)).status_code == 401


def test_a_bad_token_is_refused_even_with_a_valid_session(client_for, researcher, exported):
    response = client_for(researcher).get(url(), **bearer("wbt_wrong"))

    assert response.status_code == 401


def test_the_endpoint_accepts_only_get(client_for, researcher):
    client = client_for(researcher)

    assert client.post(url()).status_code == 405
    assert client.delete(url()).status_code == 405


def test_an_unknown_format_is_404(client_for, researcher):
    assert client_for(researcher).get(url("xml")).status_code == 404


# ---- What it sends ----


@pytest.mark.parametrize(
    ("export_format", "content_type", "extension"),
    [
        ("json", "application/json", ".json"),
        ("jsonl", "application/jsonl", ".jsonl"),
        ("w3c", 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', ".jsonld"),
        ("claimreview", "application/ld+json", ".jsonld"),
    ],
)
def test_each_format_streams_with_its_content_type_and_a_filename(
    client_for, researcher, exported, export_format, content_type, extension
):
    response = client_for(researcher).get(url(export_format))

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="workbench-verified-')
    assert disposition.endswith(f'{extension}"')
    assert response["Cache-Control"] == "private, no-store"
    text = body(response)
    if export_format != "jsonl":
        json.loads(text)


def test_the_research_formats_link_to_their_schema(client_for, researcher, exported):
    response = client_for(researcher).get(url("json"))

    assert response["Link"] == '<urn:workbench:export:v1>; rel="describedby"'


def test_query_parameters_filter_the_export(client_for, researcher, annotator):
    claim = verified_annotation(author=annotator)
    number = verified_annotation(
        author=annotator, kind=Kind.NUMBER, phrase="US$518.4 billion", number_value=1
    )
    client = client_for(researcher)

    def exported_ids(**query):
        return [r["id"] for r in json.loads(body(client.get(url(**query))))["records"]]

    assert exported_ids(kind="number") == [number.pk]
    assert exported_ids(article=claim.article_id) == [claim.pk]
    assert exported_ids(verdict="accurate") == [claim.pk, number.pk]
    assert exported_ids(verdict="inaccurate") == []
    assert exported_ids(since="2999-01-01") == []
    assert exported_ids(since="2000-01-01T00:00:00Z") == [claim.pk, number.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"since": "yesterday"},
        {"since": "2025-02-30"},
        {"kind": "opinion"},
        {"verdict": "true"},
        {"article": "x"},
        {"article": "99999999999999999999"},
        {"since": "9999-12-31T23:59:59-14:00"},
        {"since": "0001-01-01T00:00:00%2B14:00"},
    ],
)
def test_invalid_filters_get_400_with_the_reason(client_for, researcher, query):
    response = client_for(researcher).get(url(**query))

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(query)


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00%2B14:00"])
def test_a_moment_outside_the_calendar_in_utc_is_refused_before_streaming(
    client_for, researcher, exported, since
):
    response = client_for(researcher).get(url("w3c", since=since))

    assert response.status_code == 400
    assert not response.streaming
    assert "out of range" in response.json()["errors"]["since"][0]["message"]


def test_the_last_moment_of_the_calendar_in_utc_is_a_valid_since(client_for, researcher, exported):
    response = client_for(researcher).get(url("w3c", since="9999-12-31T23:59:59Z"))

    assert response.status_code == 200
    assert json.loads(body(response))["total"] == 0


def test_tokens_are_stored_only_as_hashes(researcher):
    token, secret = tokens.token_create(user=researcher, name="script")

    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.key_hash, stored.prefix, stored.name)
    assert secret.startswith(stored.prefix)
    assert stored.key_hash == tokens._hash(secret)
