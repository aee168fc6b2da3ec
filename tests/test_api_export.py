"""The export through the API: the streaming endpoint, behind the export scope."""

import json

import pytest

from annotations.models import Scope

from .api_client import problem
from .factories import verified_annotation

pytestmark = pytest.mark.django_db


def streamed(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def test_an_export_token_streams_the_verified_annotations(api_as, researcher, annotator):
    claim = verified_annotation(author=annotator)
    verified_annotation(author=annotator, kind="number", phrase="30 percent")

    response = api_as(researcher).get("/export/verified.jsonl", kind="claim")

    *records, end = [json.loads(line) for line in streamed(response).splitlines()]
    assert [record["id"] for record in records] == [claim.pk]
    assert end["end_of_export"]["records"] == 1
    assert response["Content-Type"] == "application/jsonl"
    assert response["Cache-Control"] == "private, no-store"


def test_the_export_needs_the_export_scope(api_as, researcher):
    problem(api_as(researcher, scopes=[Scope.READ]).get("/export/verified.json"), 403)


def test_bad_filters_are_a_problem_naming_the_parameter(api_as, researcher):
    document = problem(api_as(researcher).get("/export/verified.json", since="last week"), 422)

    assert document["errors"][0]["parameter"] == "since"


def test_an_unknown_format_is_refused(api_as, researcher):
    document = problem(api_as(researcher).get("/export/verified.csv"), 422)

    assert document["errors"][0]["parameter"] == "export_format"
