"""Bulk creation costs a constant number of queries, whatever the number of spans."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Annotation, HistoryEntry

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def word_spans(article, count, kinds=("claim", "number", "quotation")):
    """`count` distinct spans, one word each, in the article's order."""
    records, position = [], 0
    for index in range(count):
        start = article.body.index("w", position)
        end = article.body.index(" ", start)
        position = end
        records.append(
            {
                "article": article.pk,
                "kind": kinds[index % len(kinds)],
                "start": start,
                "end": end,
                "exact": article.body[start:end],
            }
        )
    return records


def queries_to_create(api, records) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/annotations/", {"annotations": records})
    assert response.status_code == 201, response.content[:500]
    return len(queries)


def test_a_thousand_spans_cost_the_queries_of_ten(api_as, annotator):
    article = ArticleFactory(body=" ".join(f"w{index}" for index in range(1200)) + " end.")
    api = api_as(annotator)

    few = queries_to_create(api, word_spans(article, 1010)[1000:])
    many = queries_to_create(api, word_spans(article, 1000))

    assert many == few
    assert Annotation.objects.count() == 1010
    assert HistoryEntry.objects.count() == 1010
    article.refresh_from_db()
    assert article.annotations_version == 2  # one bump per request


def test_spans_in_several_articles_cost_no_more(api_as, annotator):
    articles = [
        ArticleFactory(body=" ".join(f"w{i}" for i in range(50)) + f" end {n}.") for n in range(3)
    ]
    api = api_as(annotator)

    one = queries_to_create(api, word_spans(articles[0], 30))
    three = queries_to_create(api, word_spans(articles[1], 30) + word_spans(articles[2], 30))

    assert three == one
