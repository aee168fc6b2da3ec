"""The agreement pages: figures from the database checked by hand, who may see them, and
their query counts."""

import pytest
from django.urls import reverse

from annotations.agreement_data import agreement_data
from annotations.models import Article, Kind, State

from .factories import AnnotationFactory, ArticleFactory, UserFactory

# 20 and 40 characters, one grapheme each: the hand computations of tests/test_agreement.py.
BODY_20 = "abcdefghijklmnopqrst"
BODY_40 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"


def submitted(article, author, start, end, kind=Kind.CLAIM, state=State.SUBMITTED, **attributes):
    """An annotation as the workflow leaves it in `state` (decided ones have a reviewer)."""
    if state in (State.IN_REVIEW, State.VERIFIED, State.REJECTED):
        attributes["reviewer"] = UserFactory(username="reviewing", role="reviewer")
    return AnnotationFactory(
        article=article, author=author, kind=kind, start=start, end=end, state=state, **attributes
    )


@pytest.fixture
def overlapping(annotator, other_annotator):
    """Anna marks [0, 10), Otto [5, 15): half-overlapping claims in 20 characters."""
    article = ArticleFactory(title="Overlapping", body=BODY_20)
    submitted(article, annotator, 0, 10)
    submitted(article, other_annotator, 5, 15, state=State.VERIFIED)
    return article


def test_half_overlapping_claims_match_by_overlap_but_not_exactly(overlapping):
    result = agreement_data(Article.objects.filter(pk=overlapping.pk)).articles[0].agreement
    claims = result.spans[Kind.CLAIM]
    assert (claims.first, claims.second, claims.exact, claims.overlap) == (1, 1, 0, 1)
    assert claims.exact_f1 == 0.0
    assert claims.overlap_f1 == 1.0
    # By hand (tests/test_agreement.py): D_o = 1/8, D_e = 134/1380, alpha = −77/268.
    assert result.unitized[Kind.CLAIM].alpha == pytest.approx(-77 / 268)
    assert result.unitized[Kind.NUMBER].alpha is None  # nobody marked a number
    assert result.unitized_overall == pytest.approx(-77 / 268)


def test_spans_that_never_meet_give_no_agreement(annotator, other_annotator):
    article = ArticleFactory(body=BODY_40)
    submitted(article, annotator, 0, 10)
    submitted(article, other_annotator, 20, 30, state=State.REJECTED)
    result = agreement_data(Article.objects.filter(pk=article.pk)).articles[0].agreement
    assert result.spans_total.exact_f1 == 0.0
    assert result.spans_total.overlap_f1 == 0.0
    # L = 40, [0,10) against [20,30): alpha = −3044/3096 (each unit in the other's gap).
    assert result.unitized[Kind.CLAIM].alpha == pytest.approx(-3044 / 3096)
    assert result.confusion.count("claim", "nothing") == 1
    assert result.confusion.count("nothing", "claim") == 1


def test_only_submitted_work_counts(annotator, other_annotator, reviewer, overlapping):
    # Drafts, withdrawn spans and a third person's draft-only work change nothing.
    submitted(overlapping, annotator, 15, 20, state=State.DRAFT)
    submitted(overlapping, other_annotator, 0, 3, state=State.WITHDRAWN)
    submitted(overlapping, UserFactory(role="annotator"), 0, 10, state=State.DRAFT)
    data = agreement_data(Article.objects.filter(pk=overlapping.pk))
    (result,) = data.articles
    assert result.agreement.annotators == tuple(sorted([annotator.pk, other_annotator.pk]))
    assert result.agreement.spans_total.first + result.agreement.spans_total.second == 2


def test_kinds_and_attributes_are_compared_on_matched_spans(annotator, other_annotator):
    article = ArticleFactory(body=BODY_40)
    submitted(article, annotator, 0, 10, kind=Kind.NUMBER, number_value="30", number_unit="USD")
    submitted(article, other_annotator, 0, 10, kind=Kind.NUMBER, number_value="30.0",
              number_unit=" usd")  # fmt: skip
    submitted(article, annotator, 20, 30, kind=Kind.CLAIM)
    submitted(article, other_annotator, 20, 30, kind=Kind.QUOTATION)
    result = agreement_data(Article.objects.filter(pk=article.pk)).articles[0].agreement
    assert result.spans[Kind.NUMBER].exact_f1 == 1.0
    assert result.attributes["number_value"].rate == 1.0
    assert result.attributes["number_unit"].rate == 1.0
    assert result.confusion.count("claim", "quotation") == 1


def test_an_article_with_one_annotator_is_not_compared(annotator):
    article = ArticleFactory(body=BODY_20)
    submitted(article, annotator, 0, 10)
    data = agreement_data()
    assert data.articles == []
    assert data.single_annotator_articles == 1


def test_the_article_page_shows_the_hand_computed_figures(client_for, reviewer, overlapping):
    response = client_for(reviewer).get(reverse("agreement_article", args=[overlapping.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "anna · otto" in html
    assert "-0.287" in html  # alpha_u of the claims
    assert "<svg" in html and 'class="bar-overlap"' in html


def test_the_corpus_page_lists_the_pairs_and_articles(client_for, researcher, overlapping):
    response = client_for(researcher).get(reverse("agreement_corpus"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Overlapping" in html
    assert "anna · otto" in html
    assert response.context["kind_rows"][-1]["alpha"] == pytest.approx(-77 / 268)


def test_the_corpus_page_says_when_nothing_can_be_compared(client_for, editor):
    response = client_for(editor).get(reverse("agreement_corpus"))
    assert response.status_code == 200
    assert "No article has submitted work from two annotators yet" in response.content.decode()


@pytest.mark.parametrize("persona", ["reviewer", "editor", "researcher"])
def test_reviewers_editors_and_researchers_see_agreement(request, client_for, persona, overlapping):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("agreement_corpus")).status_code == 200
    assert client.get(reverse("agreement_article", args=[overlapping.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["annotator", "outsider"])
def test_annotators_and_outsiders_may_not(request, client_for, persona, overlapping):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("agreement_corpus")).status_code == 403
    assert client.get(reverse("agreement_article", args=[overlapping.pk])).status_code == 403


def test_logged_out_visitors_are_sent_to_log_in(client, overlapping):
    response = client.get(reverse("agreement_corpus"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_pages_accept_only_get(client_for, editor, overlapping):
    client = client_for(editor)
    assert client.post(reverse("agreement_corpus")).status_code == 405
    assert client.post(reverse("agreement_article", args=[overlapping.pk])).status_code == 405


def test_a_missing_article_is_404(client_for, editor):
    assert client_for(editor).get(reverse("agreement_article", args=[999999])).status_code == 404


def _double_annotated(count, first, second):
    for index in range(count):
        article = ArticleFactory(body=f"{BODY_40[:-2]}{index:02d}")  # bodies are unique
        submitted(article, first, 0, 10)
        submitted(article, second, 5, 15, kind=Kind.NUMBER)
        submitted(article, second, 20, 30)


@pytest.mark.parametrize("articles", [2, 12])
def test_the_corpus_page_costs_the_same_queries_for_more_articles(
    client_for, editor, annotator, other_annotator, articles, django_assert_max_num_queries
):
    _double_annotated(articles, annotator, other_annotator)
    client = client_for(editor)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("agreement_corpus"))
    assert len(response.context["article_rows"]) == articles


@pytest.mark.parametrize("spans", [1, 30])
def test_the_article_page_costs_the_same_queries_for_more_spans(
    client_for, editor, annotator, other_annotator, spans, django_assert_max_num_queries
):
    article = ArticleFactory(body=BODY_40)
    for index in range(spans):
        submitted(article, annotator, index % 30, index % 30 + 5)
        submitted(article, other_annotator, index % 30 + 1, index % 30 + 6)
    client = client_for(editor)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("agreement_article", args=[article.pk]))
    assert response.status_code == 200
