"""Search over article text and annotations (annotations/search.py), on either database."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from annotations import workflow
from annotations.inputs import BadInput
from annotations.models import Kind, State, Verdict
from annotations.search import SearchFilters, SearchQuery, highlighted, parse_query, search

from .factories import AnnotationFactory, ArticleFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("search")


def titles(results):
    return [hit.item.title for hit in results.articles]


def exacts(results):
    return [hit.item.exact for hit in results.annotations]


@pytest.fixture
def trade(db):
    return ArticleFactory(
        title="Trade figures for 2024",
        publisher="Example News",
        published=date(2025, 5, 13),
        body="Exports rose 30 percent to US$518.4 billion in 2024.\n\n"
        "More than 17,000 companies took part, officials said.",
    )


@pytest.fixture
def figure(trade):
    return AnnotationFactory(
        article=trade,
        kind=Kind.NUMBER,
        phrase="US$518.4 billion",
        number_value=Decimal("518400000000"),
        number_unit="USD",
        number_scale="billion",
    )


def test_parse_query_reads_words_phrases_value_and_unit():
    query = parse_query('exports "rose 30 percent" value:518,400,000,000 UNIT:usd $')
    assert query == SearchQuery(("exports", "rose 30 percent"), Decimal("518400000000"), "usd")


@pytest.mark.parametrize("raw", ["value:abc", "value:1e9", "value:", "value:5.5.5"])
def test_parse_query_refuses_a_value_that_is_not_a_number(raw):
    with pytest.raises(BadInput, match="value:"):
        parse_query(raw)


def test_parse_query_refuses_nul_and_overlong_queries():
    with pytest.raises(BadInput):
        parse_query("a\x00b")
    with pytest.raises(BadInput):
        parse_query("word " * 200)


def test_numbers_are_found_as_written_in_articles_and_annotations(trade, figure):
    for written in ["518.4", "US$518.4", '"US$518.4 billion"', "17,000"]:
        results = search(parse_query(written))
        assert titles(results) == ["Trade figures for 2024"], written
    assert exacts(search(parse_query('"US$518.4 billion"'))) == ["US$518.4 billion"]
    assert titles(search(parse_query("518.5"))) == []
    assert titles(search(parse_query("17,001"))) == []


def test_words_are_stemmed_and_all_required(trade):
    assert titles(search(parse_query("export percents"))) == ["Trade figures for 2024"]
    assert titles(search(parse_query("exports giraffes"))) == []


def test_a_phrase_needs_its_words_in_order(trade):
    assert titles(search(parse_query('"rose 30 percent"'))) == ["Trade figures for 2024"]
    assert titles(search(parse_query('"percent 30 rose"'))) == []


def test_numbers_are_found_by_value_and_unit(figure):
    other = AnnotationFactory(
        article=figure.article,
        kind=Kind.NUMBER,
        phrase="30 percent",
        number_value=Decimal("30"),
        number_unit="percent",
    )
    assert exacts(search(parse_query("value:518400000000 unit:USD"))) == ["US$518.4 billion"]
    assert exacts(search(parse_query("value:518400000000.0 unit:usd"))) == ["US$518.4 billion"]
    assert exacts(search(parse_query("unit:percent"))) == [other.exact]
    assert exacts(search(parse_query("value:518400000001"))) == []
    assert exacts(search(parse_query("value:518400000000 unit:EUR"))) == []
    # A figure concerns annotations: no article is listed for it.
    assert not search(parse_query("value:518400000000")).articles_searched


def test_the_title_ranks_above_the_body():
    ArticleFactory(title="Something else", body="A word about tariffs, once.")
    ArticleFactory(title="Tariffs explained", body="A text about trade.")
    assert titles(search(parse_query("tariffs"))) == ["Tariffs explained", "Something else"]


def test_snippets_mark_the_hits_and_escape_the_text():
    ArticleFactory(title="Script", body="The page said <script>alert(1)</script> about tariffs.")
    [hit] = search(parse_query("tariffs")).articles
    assert "<mark>tariffs</mark>" in hit.snippet
    # Escaped on SQLite; PostgreSQL's ts_headline leaves out what looks like a tag.
    assert "<script>" not in hit.snippet and "alert(1)" in hit.snippet
    assert highlighted("a \x02b\x03 <i>") == "a <mark>b</mark> &lt;i&gt;"


def test_annotations_are_found_by_text_speaker_and_claimant(trade):
    quote = AnnotationFactory(
        article=trade, kind=Kind.QUOTATION, phrase="officials said", speaker="Wang Yi"
    )
    assert exacts(search(parse_query("officials"))) == [quote.exact]
    assert exacts(search(parse_query("Wang"))) == [quote.exact]


def test_the_index_follows_every_write(trade, annotator):
    """Created through the workflow, edited, withdrawn: the index is in step each time."""
    created = workflow.annotation_create(
        article=trade, author=annotator, kind=Kind.CLAIM, start=0, end=12, exact="Exports rose"
    )
    assert exacts(search(parse_query("exports"))) == ["Exports rose"]
    workflow.annotation_update(
        annotation_id=created.pk, user=annotator, version=created.version, changes={"end": 7}
    )
    assert exacts(search(parse_query("exports"))) == ["Exports"]
    assert exacts(search(parse_query("rose"))) == []
    updated = type(created).objects.get(pk=created.pk)
    workflow.annotation_withdraw(annotation_id=created.pk, user=annotator, version=updated.version)
    assert exacts(search(parse_query("exports"))) == []
    withdrawn = search(parse_query("exports"), SearchFilters(state=State.WITHDRAWN))
    assert exacts(withdrawn) == ["Exports"]


def test_filters_narrow_annotations_by_kind_state_verdict_and_speaker(trade, figure):
    claim = AnnotationFactory(
        article=trade, phrase="Exports rose 30 percent", claimant="The ministry", state="verified",
        reviewer=UserFactory(username="vera"),
    )  # fmt: skip
    ReviewFactory(annotation=claim, verdict=Verdict.MOSTLY_ACCURATE)
    query = parse_query("exports")
    assert exacts(search(query)) == [claim.exact]
    assert exacts(search(query, SearchFilters(kind=Kind.NUMBER))) == []
    assert exacts(search(query, SearchFilters(state=State.VERIFIED))) == [claim.exact]
    assert exacts(search(query, SearchFilters(state=State.DRAFT))) == []
    assert exacts(search(query, SearchFilters(verdict=Verdict.MOSTLY_ACCURATE))) == [claim.exact]
    assert exacts(search(query, SearchFilters(verdict=Verdict.ACCURATE))) == []
    assert exacts(search(query, SearchFilters(speaker="ministry"))) == [claim.exact]
    assert search(query).annotations[0].verdict_label == "Mostly accurate"
    narrowed = search(query, SearchFilters(kind=Kind.CLAIM))
    assert not narrowed.articles_searched and narrowed.articles == []


def test_filters_narrow_both_sections_by_publisher_and_date(trade, figure):
    ArticleFactory(title="Elsewhere", publisher="Other Wire", published=date(2024, 1, 2),
                   body="Exports fell.")  # fmt: skip
    query = parse_query("exports")
    assert titles(search(query, SearchFilters(publisher="other"))) == ["Elsewhere"]
    assert titles(search(query, SearchFilters(published_from=date(2025, 1, 1)))) == [trade.title]
    assert titles(search(query, SearchFilters(published_to=date(2024, 12, 31)))) == ["Elsewhere"]
    figures = search(parse_query("518.4"), SearchFilters(publisher="Other Wire"))
    assert exacts(figures) == []


# ---- The page ----


def test_it_redirects_anonymous_visitors_to_login(client):
    response = client.get(URL, {"q": "exports"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_forbids_users_without_a_role(client_for, outsider):
    assert client_for(outsider).get(URL, {"q": "exports"}).status_code == 403


def test_it_rejects_post(client_for, annotator):
    assert client_for(annotator).post(URL, {"q": "exports"}).status_code == 405


def test_every_page_has_the_search_box(client_for, researcher):
    page = client_for(researcher).get(reverse("article_list")).content.decode()
    assert f'action="{URL}"' in page and 'role="search"' in page


def test_the_page_lists_highlighted_hits_with_their_article(client_for, reviewer, figure):
    response = client_for(reviewer).get(URL, {"q": '"US$518.4 billion"'})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<mark>" in page and "Trade figures for 2024" in page
    assert reverse("review_item", args=[figure.pk]) in page


@pytest.mark.parametrize(
    "params",
    [
        {"q": "value:lots"},
        {"q": "x", "kind": "opinion"},
        {"q": "x", "published_from": "2025-13-01"},
        {"q": "x", "published_from": "2025-02-01", "published_to": "2025-01-01"},
    ],
)
def test_bad_input_is_a_400_with_a_message(client_for, annotator, params):
    response = client_for(annotator).get(URL, params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_a_bad_page_number_or_a_nul_is_a_400(client_for, annotator):
    assert client_for(annotator).get(URL, {"q": "x", "page": "²"}).status_code == 400
    assert client_for(annotator).get(URL, {"q": "x\x00"}).status_code == 400


def test_results_take_a_fixed_number_of_queries(
    client_for, annotator, django_assert_max_num_queries
):
    client = client_for(annotator)
    client.get(URL, {"q": "exports"})  # session and permissions cached like any later request

    def page():
        with django_assert_max_num_queries(9):
            response = client.get(URL, {"q": "exports", "publisher": "Example"})
        assert response.status_code == 200
        return response

    ArticleFactory.create_batch(2)
    few = page()
    articles = ArticleFactory.create_batch(25)
    for article in articles:
        AnnotationFactory(article=article, phrase="exports rose 30 percent")
    many = page()
    assert many.content.decode().count('class="hit"') == 40  # a page of each section
    assert few.content.decode().count('class="hit"') == 2


def test_an_edited_title_and_speaker_are_found_by_their_new_words(trade):
    quote = AnnotationFactory(
        article=trade, kind=Kind.QUOTATION, phrase="officials said", speaker="Wang Yi"
    )
    trade.title = "Shipping figures for 2024"
    trade.save(update_fields=["title"])
    type(quote).objects.filter(pk=quote.pk).update(speaker="Li Qiang")
    assert titles(search(parse_query("shipping"))) == ["Shipping figures for 2024"]
    assert titles(search(parse_query("trade"))) == []
    assert exacts(search(parse_query("Qiang"))) == [quote.exact]
    assert exacts(search(parse_query("Wang"))) == []


@pytest.mark.postgres
def test_a_version_bump_leaves_the_search_vectors_alone(trade, annotator):
    """Every annotation write bumps its article's version: that must not recompute the
    article's vector over the whole body (migration 0017), nor an annotation's state
    change the vector of its text. A vector set by hand shows whether it was recomputed."""
    from django.db import connection

    created = workflow.annotation_create(
        article=trade, author=annotator, kind=Kind.CLAIM, start=0, end=12, exact="Exports rose"
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_article SET search_vector = 'marker' WHERE id = %s",
                       [trade.pk])  # fmt: skip
        cursor.execute("UPDATE annotations_annotation SET search_vector = 'marker' WHERE id = %s",
                       [created.pk])  # fmt: skip
    workflow.annotation_create(
        article=trade, author=annotator, kind=Kind.NUMBER, start=20, end=30, exact=trade.body[20:30]
    )
    workflow.annotation_submit(annotation_id=created.pk, user=annotator, version=created.version)
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM annotations_article WHERE id = %s",
                       [trade.pk])  # fmt: skip
        assert cursor.fetchone() == ("'marker'",)
        cursor.execute("SELECT search_vector::text FROM annotations_annotation WHERE id = %s",
                       [created.pk])  # fmt: skip
        assert cursor.fetchone() == ("'marker'",)
    trade.title = "Shipping figures"
    trade.save(update_fields=["title"])
    assert titles(search(parse_query("shipping"))) == ["Shipping figures"]
