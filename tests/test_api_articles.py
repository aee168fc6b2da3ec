"""API articles: list with filters and cursors, read one, create one or many as an import."""

import datetime

import pytest

from annotations.models import Article, ImportBatch, State
from annotations.text import normalise_body

from .api_client import problem
from .factories import AnnotationFactory, ArticleFactory

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_the_list_filters_by_publisher_date_text_and_annotations(api_as, annotator):
    old = ArticleFactory(
        publisher="Daily Planet", published=datetime.date(2024, 1, 5), title="Harbour tolls"
    )
    new = ArticleFactory(publisher="daily planet", published=datetime.date(2025, 3, 1))
    other = ArticleFactory(
        publisher="Gazette", body="Tolls rose.", published=datetime.date(2024, 8, 1)
    )
    AnnotationFactory(article=new)
    AnnotationFactory(
        article=other, phrase="Tolls", state=State.WITHDRAWN
    )  # withdrawn: not an annotation now
    api = api_as(annotator)

    assert ids(api.get("/articles/", publisher="Daily Planet")) == [old.pk, new.pk]
    assert ids(api.get("/articles/", published_from="2025-01-01")) == [new.pk]
    assert ids(api.get("/articles/", published_to="2024-06-01")) == [old.pk]
    assert ids(api.get("/articles/", q="tolls")) == [old.pk, other.pk]
    assert ids(api.get("/articles/", has_annotations="true")) == [new.pk]
    assert ids(api.get("/articles/", has_annotations="false")) == [old.pk, other.pk]


def test_the_list_shows_counts_per_kind_and_state(api_as, annotator, article):
    AnnotationFactory(article=article, kind="number", phrase="30 percent")
    AnnotationFactory(article=article, state=State.SUBMITTED)

    item = api_as(annotator).get("/articles/").json()["items"][0]

    assert (item["counts"]["total"], item["counts"]["number"], item["counts"]["claim"]) == (2, 1, 1)
    assert (item["counts"]["draft"], item["counts"]["submitted"]) == (1, 1)
    assert "body" not in item


def test_cursor_pages_cover_every_article_once(api_as, annotator):
    created = [article.pk for article in ArticleFactory.create_batch(7)]
    api = api_as(annotator)

    seen, cursor = [], None
    while True:
        page = api.get("/articles/", limit=3, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == created


@pytest.mark.parametrize("limit", [2, 50])
def test_a_page_costs_the_same_queries_whatever_its_size(
    api_as, annotator, limit, django_assert_num_queries
):
    for article in ArticleFactory.create_batch(60):
        AnnotationFactory(article=article)
    api = api_as(annotator)

    # The token (lookup, last-used update) and the page; the user's permissions come from
    # the cache (annotations/permission_cache.py), filled when the token was made.
    with django_assert_num_queries(3):
        response = api.get("/articles/", limit=limit)
    assert len(response.json()["items"]) == limit


def test_reading_an_article_gives_its_body_and_live_annotations(api_as, annotator, article):
    live = AnnotationFactory(article=article)
    AnnotationFactory(article=article, phrase="officials said", state=State.WITHDRAWN)

    body = api_as(annotator).get(f"/articles/{article.pk}").json()

    assert body["body"] == article.body
    assert [annotation["id"] for annotation in body["annotations"]] == [live.pk]
    assert body["annotations"][0]["exact"] == "exports rose 30 percent"


def test_an_editor_creates_many_articles_normalised_and_all_at_once(api_as, editor):
    records = [
        {"title": " Café ", "body": "Cafe\u0301 prices rose.\r\n\r\n", "published": "2025-05-13"},
        {"title": "Second", "body": "Another text.", "url": "https://example.org/2"},
    ]

    response = api_as(editor).post("/articles/", {"articles": records})

    assert response.status_code == 201, response.content
    created = response.json()
    stored = Article.objects.get(pk=created["articles"][0]["id"])
    assert stored.body == normalise_body(records[0]["body"]) == "Café prices rose."
    assert stored.title == "Café" and stored.published == datetime.date(2025, 5, 13)
    assert [record["created"] for record in created["articles"]] == [True, True]
    assert ImportBatch.objects.get(pk=created["batch"]).imported_by == editor


def test_creating_the_same_articles_again_changes_nothing(api_as, editor):
    api = api_as(editor)
    records = {"articles": [{"title": "One", "body": "The same text."}]}
    first = api.post("/articles/", records).json()

    again = api.post("/articles/", records)

    assert again.status_code == 200
    assert again.json()["articles"] == [first["articles"][0] | {"created": False}]
    assert again.json()["batch"] is None
    assert Article.objects.count() == 1 and ImportBatch.objects.count() == 1


def test_one_bad_record_refuses_the_request_and_names_it(api_as, editor):
    records = [
        {"title": "Fine", "body": "A good text."},
        {"title": "", "body": "No title."},
        {"title": "Bad date", "body": "Text.", "published": "13/05/2025"},
    ]

    document = problem(api_as(editor).post("/articles/", {"articles": records}), 422)

    assert [error["pointer"] for error in document["errors"]] == ["/articles/1", "/articles/2"]
    assert "title" in document["errors"][0]["message"]
    assert not Article.objects.exists()


def test_only_roles_that_import_may_create_articles(api_as, annotator):
    body = {"articles": [{"title": "T", "body": "B"}]}

    problem(api_as(annotator).post("/articles/", body), 403)
    assert not Article.objects.exists()
