"""Every refusal of the API is an RFC 9457 problem document with field-level detail."""

import pytest

from .api_client import API, problem
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def claim(article, **overrides):
    return {
        "article": article.pk,
        "kind": "claim",
        "start": 0,
        "end": 3,
        "exact": "The",
    } | overrides


def test_a_validation_error_points_at_the_field_in_the_body(api_as, annotator, article):
    body = {"annotations": [claim(article), claim(article, start=4.5, kind="rumour")]}

    document = problem(api_as(annotator).post("/annotations/", body), 422)

    assert document["type"].endswith("#problem-validation")
    pointers = {error["pointer"] for error in document["errors"]}
    assert pointers == {"/annotations/1/start", "/annotations/1/kind"}
    assert not article.annotations.exists()


def test_a_bad_query_parameter_is_named(api_as, annotator):
    document = problem(api_as(annotator).get("/annotations/", article="٣"), 422)

    assert document["errors"] == [
        {"parameter": "article", "message": "must be a whole number written with the digits 0-9"}
    ]


def test_unknown_fields_are_refused_rather_than_ignored(api_as, annotator, article):
    body = {"annotations": [claim(article, atributes={"claimant": "x"})]}

    document = problem(api_as(annotator).post("/annotations/", body), 422)

    assert document["errors"][0]["pointer"] == "/annotations/0/atributes"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("T\u0000e", "NUL"), ("T\ud800e", "lone surrogate")],
)
def test_text_that_cannot_be_stored_is_refused_with_its_pointer(
    api_as, annotator, article, text, reason
):
    # json.dumps writes both as \u escapes, which JSON allows and Python reads back.
    body = {"annotations": [claim(article, exact=text)]}

    document = problem(api_as(annotator).post("/annotations/", body), 422)

    assert document["errors"][0]["pointer"] == "/annotations/0/exact"
    assert reason in document["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"annotations": [', "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"a": ' + b"9" * 5000 + b"}", "too long"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_400(api_as, annotator, body, reason):
    document = problem(api_as(annotator).post("/annotations/", body), 400)

    assert reason in document["detail"]


def test_a_nul_in_a_query_parameter_is_a_400_problem(api_as, annotator):
    document = problem(api_as(annotator).get("/articles/", q="a\x00b"), 400)

    assert "NUL" in document["detail"]


def test_a_body_over_the_request_limit_is_a_413_problem(api_as, annotator, settings):
    settings.REQUEST_MAX_BYTES = 100

    document = problem(api_as(annotator).post("/annotations/", {"annotations": ["x" * 200]}), 413)

    assert "too large" in document["detail"]


def test_a_body_over_what_the_api_reads_is_a_413_problem(api_as, annotator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    problem(api_as(annotator).post("/annotations/", {"annotations": ["x" * 200]}), 413)


def test_a_charset_the_api_cannot_read_is_a_415_problem(api_as, annotator):
    api = api_as(annotator)
    response = api.client.generic(
        "POST",
        f"{API}/annotations/",
        "{}".encode("utf-16"),
        content_type="application/json; charset=utf-16",
        **api.headers,
    )

    problem(response, 415)


def test_an_unknown_path_and_a_wrong_method_are_problems(api_as, annotator):
    api = api_as(annotator)

    problem(api.get("/nowhere"), 404)
    not_allowed = problem(api.client.put(f"{API}/annotations/", **api.headers), 405)
    assert "POST" in not_allowed["detail"]


def test_a_missing_object_is_a_404_problem(api_as, annotator):
    problem(api_as(annotator).get("/articles/999999"), 404)


def test_pages_outside_the_api_keep_their_html_errors(client, annotator):
    client.force_login(annotator)

    response = client.get("/?page=x")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_is_a_500_problem_that_names_no_internals(api_as, annotator, monkeypatch):
    from annotations.api import articles

    def broken(article):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(articles, "_article_data", broken)
    ArticleFactory()
    api = api_as(annotator)
    api.client.raise_request_exception = False

    document = problem(api.get("/articles/"), 500)

    assert "secret" not in document["detail"]
