"""Sources: one url is one source, however it was spelt; search by url or title."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.models import Source, SourceKind
from annotations.sources import (
    SourceDetails,
    normalise_url,
    source_find_or_create,
    sources_search,
)

from .factories import SourceFactory


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("HTTPS://Stats.Example.ORG/Tables/2", "https://stats.example.org/Tables/2"),
        ("https://stats.example.org", "https://stats.example.org/"),
        ("https://stats.example.org:443/a", "https://stats.example.org/a"),
        ("http://stats.example.org:80/a", "http://stats.example.org/a"),
        ("http://stats.example.org:8080/a", "http://stats.example.org:8080/a"),
        ("https://stats.example.org/a#section-2", "https://stats.example.org/a"),
        (
            "https://stats.example.org/a?utm_source=x&id=7&UTM_Campaign=y",
            "https://stats.example.org/a?id=7",
        ),
        ("https://stats.example.org/a?utm_medium=mail", "https://stats.example.org/a"),
        ("https://stats.example.org/a?q=b%20c&x=", "https://stats.example.org/a?q=b%20c&x="),
        ("  https://stats.example.org/a  ", "https://stats.example.org/a"),
        ("https://Bücher.Example/ä", "https://bücher.example/ä"),
    ],
)
def test_normalise_url_keeps_one_spelling_per_document(typed, stored):
    assert normalise_url(typed) == stored


def test_normalise_url_is_idempotent():
    once = normalise_url("HTTPS://Example.org:443/Path?utm_id=1&a=2#x")
    assert normalise_url(once) == once


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "example.org/page",
        "ftp://example.org/file",
        "javascript:alert(1)",
        "https://",
        "http://a b",
    ],
)
def test_normalise_url_refuses_what_is_not_a_web_address(bad):
    with pytest.raises(ValidationError):
        normalise_url(bad)


def test_normalise_url_refuses_an_overlong_url():
    with pytest.raises(ValidationError, match="longer than"):
        normalise_url("https://example.org/" + "a" * 1000)


@pytest.mark.django_db
def test_find_or_create_creates_a_new_source_with_its_details(reviewer):
    source, created = source_find_or_create(
        details=SourceDetails(
            url="https://Stats.example.org/t2?utm_source=news",
            title=" Trade table 2 ",
            publisher="Statistics Office",
            kind=SourceKind.STATISTICS,
            accessed=datetime.date(2025, 1, 10),
            archived_url="https://web.archive.org/web/2025/https://stats.example.org/t2",
        ),
        user=reviewer,
    )
    assert created
    assert (source.url, source.title, source.created_by) == (
        "https://stats.example.org/t2",
        "Trade table 2",
        reviewer,
    )


@pytest.mark.django_db
def test_the_same_url_spelt_differently_is_the_same_source(reviewer, other_reviewer):
    first, _ = source_find_or_create(
        details=SourceDetails(url="https://stats.example.org/t2", title="Table 2"), user=reviewer
    )
    again, created = source_find_or_create(
        details=SourceDetails(url="HTTPS://STATS.example.org:443/t2#top", title="Other title"),
        user=other_reviewer,
    )
    assert not created and again.pk == first.pk and again.title == "Table 2"
    assert Source.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, label",
    [
        ("https://www.stats.example.org/trade/2024/?x=1", "stats.example.org/trade/2024"),
        ("https://example.org/", "example.org"),
        ("https://example.org/r%C3%A9sum%C3%A9", "example.org/résumé"),
    ],
)
def test_a_new_source_without_a_title_is_labelled_by_its_address(reviewer, url, label):
    source, created = source_find_or_create(
        details=SourceDetails(url=url, title="  "), user=reviewer
    )
    assert created and source.title == label


def test_a_bad_archived_url_is_refused(reviewer):
    with pytest.raises(ValidationError, match="archived copy"):
        source_find_or_create(
            details=SourceDetails(url="https://example.org/", title="T", archived_url="nope"),
            user=reviewer,
        )


@pytest.mark.django_db
def test_annotators_cannot_add_sources(annotator):
    with pytest.raises(PermissionDenied):
        source_find_or_create(
            details=SourceDetails(url="https://example.org/", title="T"), user=annotator
        )


@pytest.mark.django_db
def test_search_finds_by_words_of_the_title():
    wanted = SourceFactory(title="Foreign trade 2024, table 2")
    SourceFactory(title="Population census")
    assert list(sources_search("trade 2024")) == [wanted]


@pytest.mark.django_db
def test_search_finds_by_a_differently_spelt_url():
    wanted = SourceFactory(url="https://stats.example.org/trade/2024")
    SourceFactory(url="https://other.example.org/")
    assert list(sources_search("HTTPS://Stats.Example.org/trade/2024?utm_source=x")) == [wanted]


@pytest.mark.django_db
def test_search_finds_by_part_of_a_url_or_the_publisher():
    wanted = SourceFactory(url="https://stats.example.org/trade/2024", publisher="Destatis")
    assert list(sources_search("trade/2024")) == [wanted]
    assert list(sources_search("destatis")) == [wanted]


@pytest.mark.django_db
def test_search_with_no_words_finds_nothing():
    SourceFactory()
    assert list(sources_search("   ")) == []


@pytest.mark.django_db
def test_search_returns_a_bounded_list():
    SourceFactory.create_batch(15, title="Trade table")
    assert len(sources_search("trade")) == 10
