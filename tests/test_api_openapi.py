"""The OpenAPI document: valid OpenAPI 3.1, every operation with its scope and its problems."""

import pytest
from openapi_spec_validator import validate

from .api_client import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.1")


def test_every_operation_names_its_token_scope(schema):
    for path, method, operation in operations(schema):
        (token,) = [entry["TokenAuth"] for entry in operation["security"] if "TokenAuth" in entry]
        assert token in (["read"], ["annotate"], ["review"], ["export"]), (path, method)
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_refusals_are_described_as_problem_documents(schema):
    for path, _method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (path, status)


def test_the_resources_of_the_issue_are_there(schema):
    paths = set(schema["paths"])
    assert {
        "/api/v1/articles/",
        "/api/v1/articles/{article_id}",
        "/api/v1/annotations/",
        "/api/v1/annotations/{annotation_id}",
        "/api/v1/annotations/{annotation_id}/submit",
        "/api/v1/annotations/{annotation_id}/withdraw",
        "/api/v1/review/queue",
        "/api/v1/review/take-next",
        "/api/v1/review/{annotation_id}/verify",
        "/api/v1/sources/",
        "/api/v1/export/verified.{export_format}",
    } <= paths


def test_the_docs_page_is_served_with_local_assets_only(client, annotator):
    client.force_login(annotator)

    response = client.get(f"{API}/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "<script>" not in page
    # "Try it out" sends the session's CSRF token.
    assert 'data-api-csrf="true"' in page and 'data-csrf-token=""' not in page
