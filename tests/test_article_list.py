"""The article list: who may see it, search, pagination, counts, bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Kind, State
from annotations.views.articles import ARTICLES_PER_PAGE, listed_articles

from .factories import AnnotationFactory, ArticleFactory

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db
URL = reverse("article_list")


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "editor"])
def test_it_lists_articles_for_every_role_that_reads_them(persona, request, client_for):
    ArticleFactory(title="Trade rose sharply")

    response = client_for(request.getfixturevalue(persona)).get(URL)

    assert response.status_code == 200
    assert "Trade rose sharply" in response.text


def test_it_redirects_anonymous_visitors_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider"])
def test_it_forbids_users_whose_role_does_not_read_articles(persona, request, client_for):
    response = client_for(request.getfixturevalue(persona)).get(URL)

    assert response.status_code == 403


def test_it_rejects_post(client_for, annotator):
    assert client_for(annotator).post(URL).status_code == 405


def test_it_searches_titles(client_for, annotator):
    ArticleFactory(title="Lula visits Beijing")
    ArticleFactory(title="Carney and the tariffs")

    response = client_for(annotator).get(URL, {"q": "lula"})

    assert "Lula visits Beijing" in response.text
    assert "Carney and the tariffs" not in response.text


def test_it_paginates_25_a_page(client_for, annotator):
    ArticleFactory.create_batch(30)

    first = client_for(annotator).get(URL)
    second = client_for(annotator).get(URL, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "Page 2 of 2" in second.text


def test_it_shows_counts_per_kind_and_state(client_for, annotator):
    article = ArticleFactory()
    AnnotationFactory(article=article, kind=Kind.CLAIM)
    AnnotationFactory(article=article, kind=Kind.NUMBER, phrase="30 percent")
    AnnotationFactory(
        article=article, kind=Kind.NUMBER, phrase="US$518.4 billion", state=State.WITHDRAWN
    )

    response = client_for(annotator).get(URL)

    row = response.context["page"].object_list[0]
    assert (row.counts.claim, row.counts.number, row.counts.quotation) == (1, 1, 0)
    assert "2 draft" in response.text


def test_it_escapes_titles(client_for, annotator):
    ArticleFactory(title="<script>alert(1)</script> headline")

    response = client_for(annotator).get(URL)

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; headline" in response.text


def test_its_query_count_does_not_grow_with_articles_or_annotations(
    client_for, annotator, django_assert_max_num_queries
):
    for article in ArticleFactory.create_batch(25):
        AnnotationFactory(article=article)
        AnnotationFactory(article=article, kind=Kind.NUMBER, phrase="30 percent")
    client = client_for(annotator)

    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200


@pytest.mark.parametrize("next_page", [None, "/"])
def test_a_researcher_lands_on_the_export_page_after_logging_in(client, researcher, next_page):
    login = reverse("login") + (f"?next={next_page}" if next_page else "")

    response = client.post(login, {"username": "ruth", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("export_page")


def test_a_researcher_may_read_the_article_list(client_for, researcher):
    ArticleFactory(title="Trade rose sharply")

    response = client_for(researcher).get(URL)

    assert response.status_code == 200 and "Trade rose sharply" in response.text


def test_a_refusal_explains_itself_on_a_full_page(client_for, outsider):
    response = client_for(outsider).get(URL)

    assert response.status_code == 403
    assert "Your role does not allow this." in response.text
    assert 'href="/static/css/workbench.css"' in response.text


@pytest.mark.parametrize("raw", ["²", "٣", "-2", "1.5"])
def test_a_page_that_is_not_a_number_is_400_with_the_reason(client_for, annotator, raw):
    response = client_for(annotator).get(URL, {"page": raw})

    assert response.status_code == 400
    assert "page must be a whole number" in response.text


@pytest.mark.parametrize("raw", ["²", "٣"])
def test_an_annotation_to_open_that_is_not_an_id_is_400(client_for, annotator, article, raw):
    response = client_for(annotator).get(reverse("article_detail", args=[article.pk]), {"a": raw})

    assert response.status_code == 400
    assert "must be a whole number" in response.text


# ---- The landing page costs the same whatever the number of articles and annotations ----


def _page_queries(client, **query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query)
    assert response.status_code == 200
    return [entry["sql"] for entry in captured.captured_queries]


def _annotate(articles, per_article):
    for article in articles:
        for phrase in ["exports rose 30 percent", "30 percent", "200 projects"][:per_article]:
            AnnotationFactory(article=article, phrase=phrase, kind=Kind.NUMBER)


def test_the_page_costs_the_same_queries_at_3_and_60_articles(client_for, annotator):
    client = client_for(annotator)
    _annotate(ArticleFactory.create_batch(3), per_article=1)
    client.get(URL)  # the first page of a session caches the navigation's unread count
    few = _page_queries(client)
    _annotate(ArticleFactory.create_batch(57), per_article=3)
    # The factories' new annotators moved the permission cache's generation on: one page
    # reads the permissions again, as the first page of the session did.
    client.get(URL)
    many = _page_queries(client)

    assert len(many) == len(few)


def test_no_query_of_the_page_reads_the_annotations(client_for, annotator):
    _annotate(ArticleFactory.create_batch(30), per_article=2)

    queries = _page_queries(client_for(annotator)) + _page_queries(
        client_for(annotator), q="Article", page=2
    )

    page_queries = [sql for sql in queries if "annotations_article" in sql]
    assert page_queries, "the page reads the articles"
    assert not [sql for sql in queries if "annotations_annotation" in sql]
    assert not [sql for sql in page_queries if "GROUP BY" in sql.upper()]
    # Counting the articles for the pagination joins nothing.
    assert not [sql for sql in page_queries if "COUNT(" in sql.upper() and "JOIN" in sql.upper()]


def test_the_page_is_read_in_the_order_of_an_index_not_sorted(db):
    """The first page walks the order index: no sort of every article first."""
    ArticleFactory.create_batch(5)
    page = listed_articles()[:ARTICLES_PER_PAGE]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The tables are tiny here: make the planner show what it can do at scale.
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = page.explain()

    assert "article_list_order_idx" in plan
    if connection.vendor == "postgresql":
        assert "Sort" not in plan
    else:
        assert "TEMP B-TREE" not in plan
