"""The schema.org ClaimReview export: Google's profile, checked against schema.org's vocabulary."""

import json
from pathlib import Path

import pytest

from annotations.exporters import (
    CLAIM_REVIEWED_MAX,
    ExportFilters,
    shorten,
    shorten_around,
    stream_export,
)
from annotations.models import Kind, State

from .export_corpus import RAIL_CLAIM, build_corpus
from .factories import AnnotationFactory, ArticleFactory, UserFactory, verified_annotation

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "conformance" / "claimreview"
VOCABULARY = EXAMPLES / "schemaorg-30.0-vocab-compact.json"
LITERAL_RANGES = {"Text", "URL", "Date", "DateTime", "Number", "Integer", "Float", "Boolean"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PUBLIC_BASE_URL = "https://workbench.example.org"
    settings.CLAIMREVIEW_AUTHOR_NAME = "Example Fact Desk"
    settings.CLAIMREVIEW_AUTHOR_URL = "https://factdesk.example.org/"


@pytest.fixture
def corpus():
    return build_corpus()


def reviews(filters=None):
    return json.loads("".join(stream_export("claimreview", filters)))


def by_url(corpus):
    # url: <base>/annotate/<annotation id>/
    return {review["url"].rstrip("/").rsplit("/", 1)[1]: review for review in reviews()}


def review_of(corpus, name):
    return by_url(corpus)[str(corpus.verified[name].pk)]


def appearances(claim):
    """A claim's appearances as a list: one is a single CreativeWork, several a list."""
    appearance = claim["appearance"]
    return appearance if isinstance(appearance, list) else [appearance]


def test_only_verified_claims_and_numbers_are_reviewed(corpus):
    expected = {
        str(annotation.pk)
        for annotation in corpus.verified.values()
        if annotation.kind in (Kind.CLAIM, Kind.NUMBER)
    }

    assert set(by_url(corpus)) == expected
    assert reviews(ExportFilters(kind=Kind.QUOTATION)) == []


def test_every_review_has_the_fields_googles_profile_requires(corpus):
    for review in reviews():
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        assert review["url"].startswith("https://workbench.example.org/annotate/")
        assert 0 < len(review["claimReviewed"]) < 75
        assert review["author"] == {
            "@type": "Organization",
            "name": "Example Fact Desk",
            "url": "https://factdesk.example.org/",
        }
        assert review["datePublished"] == "2025-03-03"
        rating = review["reviewRating"]
        assert rating["@type"] == "Rating"
        assert rating["bestRating"] == 5 and rating["worstRating"] == 1
        assert rating["alternateName"]
        if "ratingValue" in rating:
            assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        claim = review["itemReviewed"]
        assert claim["@type"] == "Claim"
        for appearance in appearances(claim):
            assert appearance["@type"] == "CreativeWork"
            assert appearance["url"].startswith("http")
            assert appearance["headline"]


def test_the_rating_follows_the_verdict_scale(corpus):
    ratings = {
        name: review_of(corpus, name)["reviewRating"]
        for name in ("exports_claim", "exports_number", "analysts_claim", "rail_claim")
    }

    assert ratings["exports_claim"]["ratingValue"] == 4
    assert ratings["exports_claim"]["alternateName"] == "Mostly accurate"
    assert ratings["exports_number"]["ratingValue"] == 1
    assert ratings["analysts_claim"]["ratingValue"] == 3
    assert ratings["rail_claim"]["alternateName"] == "Inaccurate"


def test_unverifiable_has_a_name_but_no_rating_value(corpus):
    rating = review_of(corpus, "projects_number")["reviewRating"]

    assert "ratingValue" not in rating
    assert rating["alternateName"] == "Unverifiable"


def test_a_long_claim_is_cut_at_a_word_with_an_ellipsis(corpus):
    claim_reviewed = review_of(corpus, "rail_claim")["claimReviewed"]

    assert len(RAIL_CLAIM) > 75
    assert len(claim_reviewed) <= CLAIM_REVIEWED_MAX < 75
    assert claim_reviewed.endswith("…")
    assert RAIL_CLAIM.startswith(claim_reviewed[:-1])
    assert RAIL_CLAIM[len(claim_reviewed) - 1] == " "  # the cut falls between words


def test_a_short_claim_is_reviewed_word_for_word(corpus):
    assert review_of(corpus, "analysts_claim")["claimReviewed"] == "Analysts 👍 were not convinced"


def test_a_number_is_reviewed_as_the_claim_around_it(corpus):
    review = review_of(corpus, "exports_number")

    assert review["claimReviewed"] == "exports rose 30 percent to US$518.4 billion"


def test_a_number_in_no_claim_is_reviewed_as_its_sentence(corpus):
    review = review_of(corpus, "projects_number")

    assert review["claimReviewed"] == "More than 200 projects were built, officials said."


FIVE_TWO_HUNDREDS = (
    "Police arrested 200 people in Lyon. The city paid 200 euros per head.\n\n"
    "Some 200 trains ran late. Only 200 of them had a driver, the union said, and the "
    "operator, which runs most lines in the region, disputed the figure of 200 hours."
)


def test_numbers_with_the_same_figure_get_different_reviews_naming_it():
    article = ArticleFactory(body=FIVE_TWO_HUNDREDS)
    starts = [index for index in range(len(article.body)) if article.body.startswith("200", index)]
    for start in starts:
        verified_annotation(
            article=article, kind=Kind.NUMBER, start=start, end=start + 3, number_value=200
        )

    claims_reviewed = [review["claimReviewed"] for review in reviews()]

    assert len(starts) == 5
    assert len(set(claims_reviewed)) == 5
    for claim_reviewed in claims_reviewed:
        assert "200" in claim_reviewed and len(claim_reviewed) < 75
    assert "Police arrested 200 people in Lyon." in claims_reviewed
    # The last sentence is too long: cut around the figure, at words, marked with ellipses.
    last = claims_reviewed[-1]
    assert last.startswith("…") and last.endswith("200 hours.")


def test_a_rejected_or_withdrawn_claim_around_a_number_is_not_its_context():
    article = ArticleFactory(body="Exports rose 30 percent in 2024, officials said.")
    for state in (State.REJECTED, State.WITHDRAWN):
        AnnotationFactory(
            article=article,
            kind=Kind.CLAIM,
            phrase="Exports rose 30 percent",
            state=state,
            reviewer=UserFactory() if state == State.REJECTED else None,
        )
    verified_annotation(article=article, kind=Kind.NUMBER, phrase="30 percent")

    (review,) = reviews()

    assert review["claimReviewed"] == "Exports rose 30 percent in 2024, officials said."


@pytest.mark.parametrize(
    ("text", "figure", "expected"),
    [
        ("It cost 5 euros.", "5 euros", "It cost 5 euros."),
        ("word " * 30 + "the 5 euros paid " + "more " * 30, "5 euros",
         "…word word word word word the 5 euros paid more more more more more…"),
        ("x" * 100 + " 5 euros", "5 euros", "…5 euros"),
        ("5 euros " + "y" * 100, "5 euros", "5 euros…"),
        ("a " + "9" * 80 + " b", "9" * 80, "9" * 73 + "…"),
    ],
)  # fmt: skip
def test_shorten_around_keeps_the_figure_and_whole_words(text, figure, expected):
    start = text.index(figure)

    shortened = shorten_around(text, start, start + len(figure))

    assert shortened == expected
    assert len(shortened) <= CLAIM_REVIEWED_MAX


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("line\nbreaks   and  spaces", "line breaks and spaces"),
        ("x" * 100, "x" * 73 + "…"),
        ("a" * 74, "a" * 74),
    ],
)
def test_shorten_keeps_one_line_under_the_limit(text, expected):
    assert shorten(text) == expected


def test_the_claim_author_is_the_claimant_else_the_enclosing_speaker_else_the_publisher(corpus):
    assert review_of(corpus, "analysts_claim")["itemReviewed"]["author"] == {
        "@type": "Person",
        "name": "Analysts",
    }
    # No claimant, but said inside the minister's verified quotation.
    for name in ("exports_claim", "exports_number"):
        assert review_of(corpus, name)["itemReviewed"]["author"] == {
            "@type": "Person",
            "name": "the minister",
        }
    assert review_of(corpus, "projects_number")["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "Example News",
    }


def test_the_appearance_is_the_article(corpus):
    # The number is in no claim group: its one appearance is its own article.
    claim = review_of(corpus, "exports_number")["itemReviewed"]

    assert claim["appearance"] == {
        "@type": "CreativeWork",
        "url": "https://news.example.org/2025/03/exports-record",
        "headline": "Exports hit a record, minister says",
        "publisher": {"@type": "Organization", "name": "Example News"},
        "datePublished": "2025-03-01",
    }
    assert claim["datePublished"] == "2025-03-01"


def test_an_article_without_url_or_publisher_appears_as_its_workbench_page(corpus):
    claim = review_of(corpus, "rail_claim")["itemReviewed"]

    assert claim["appearance"]["url"] == f"https://workbench.example.org/articles/{corpus.rail.pk}/"
    assert "datePublished" not in claim  # unknown, not invented
    assert claim["author"] == {"@type": "Person", "name": "Officials"}


def test_every_property_is_schema_org_vocabulary_used_on_a_type_that_has_it(corpus):
    vocabulary = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    classes, properties = vocabulary["classes"], vocabulary["properties"]

    def ancestors(type_name):
        seen, todo = set(), [type_name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(classes.get(current, {}).get("sub", []))
        return seen

    def check(node):
        node_types = ancestors(node["@type"])
        assert node["@type"] in classes
        for key, value in node.items():
            if key.startswith("@"):
                continue
            assert key in properties, key
            assert node_types & set(properties[key]["domain"]), (node["@type"], key)
            ranges = set(properties[key]["range"])
            # A property given several values (a claim's appearances) holds a list.
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    assert ancestors(item["@type"]) & ranges, (key, item["@type"])
                    check(item)
                else:
                    assert ranges & LITERAL_RANGES, key

    for review in reviews():
        check(review)


def test_our_reviews_use_the_shape_of_the_schema_org_examples(corpus):
    examples = [
        json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
        for name in ("schemaorg-eg-0324.jsonld", "schemaorg-eg-0325.jsonld")
    ]
    example_keys = set().union(*(set(example) for example in examples))

    for review in reviews():
        # Everything the examples put at the top level that Google requires, we have too.
        assert (
            {"@context", "@type", "datePublished", "url", "author", "claimReviewed"}
            <= set(review)
            <= example_keys | {"reviewRating", "itemReviewed", "reviewBody"}
        )


def test_an_empty_export_is_an_empty_array(db):
    assert reviews() == []
