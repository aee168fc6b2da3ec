"""The W3C Web Annotation export: structural rules of the model (and DESIGN.md's "Formats")."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from annotations.exporters import ExportFilters, stream_export
from annotations.models import Kind, Verdict

from .export_corpus import build_corpus

pytestmark = pytest.mark.django_db

W3C_EXAMPLES = (
    Path(__file__).resolve().parent / "fixtures" / "conformance" / "w3c-examples" / "correct"
)
CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# xsd:dateTime with a timezone, as the model requires for created/modified.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://workbench.example.org"


@pytest.fixture
def corpus():
    return build_corpus()


def collection(filters=None):
    return json.loads("".join(stream_export("w3c", filters)))


def is_absolute_iri(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def test_the_export_is_an_annotation_collection_with_one_page(corpus):
    document = collection()

    assert document["@context"] == CONTEXT
    assert document["type"] == "AnnotationCollection"
    assert is_absolute_iri(document["id"])
    assert document["total"] == len(corpus.verified)
    page = document["first"]
    assert page["type"] == "AnnotationPage"
    assert page["startIndex"] == 0
    assert is_absolute_iri(page["id"])
    assert len(page["items"]) == len(corpus.verified)


def test_every_annotation_follows_the_model_rules(corpus):
    items = collection()["first"]["items"]

    for item in items:
        assert item["@context"] == CONTEXT
        assert item["type"] == "Annotation"
        assert is_absolute_iri(item["id"])
        assert item["id"].startswith("https://workbench.example.org/")
        assert isinstance(item["motivation"], str)  # exactly one
        assert item["motivation"] in ("classifying", "assessing")
        assert TIMESTAMP.match(item["created"]) and TIMESTAMP.match(item["modified"])
        assert item["modified"] >= item["created"]
        # The annotator; and the engine as a Software agent when a proposal began it.
        person, *engines = (
            item["creator"] if isinstance(item["creator"], list) else [item["creator"]]
        )
        assert person["type"] == "Person"
        assert all(engine["type"] == "Software" for engine in engines)
        purposes = {body["purpose"]: body for body in item["body"]}
        assert set(purposes) == {"tagging", "assessing"}
        assert purposes["tagging"]["value"] in Kind.values
        assert purposes["assessing"]["value"] in Verdict.values
        for body in item["body"]:
            assert body["type"] == "TextualBody"
            assert isinstance(body["value"], str)
    assert len({item["id"] for item in items}) == len(items)


def test_targets_point_into_the_article_with_quote_and_position_selectors(corpus):
    bodies = {
        f"https://workbench.example.org/articles/{article.pk}/": article.body
        for article in (corpus.trade, corpus.rail)
    }

    for item in collection()["first"]["items"]:
        target = item["target"]
        assert target["source"] in bodies
        body = bodies[target["source"]]
        selectors = {selector["type"]: selector for selector in target["selector"]}
        assert set(selectors) == {"TextQuoteSelector", "TextPositionSelector"}
        quote, position = selectors["TextQuoteSelector"], selectors["TextPositionSelector"]
        # Code points, end exclusive: the same slice as the quote.
        assert body[position["start"] : position["end"]] == quote["exact"]
        assert body[: position["start"]].endswith(quote.get("prefix", ""))
        assert body[position["end"] :].startswith(quote.get("suffix", ""))
        assert isinstance(position["start"], int) and isinstance(position["end"], int)
        assert 0 <= position["start"] < position["end"]


def test_the_annotation_id_is_its_own_address_that_opens_it_on_the_article_page(
    corpus, client_for, annotator
):
    claim = corpus.verified["exports_claim"]
    iri = f"https://workbench.example.org/annotate/{claim.pk}/"

    item = next(i for i in collection()["first"]["items"] if i["id"] == iri)

    assert item["body"][1]["value"] == "mostly_accurate"
    response = client_for(annotator).get(f"/annotate/{claim.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{claim.article_id}/?a={claim.pk}#panel"


def test_a_span_at_the_start_of_the_body_has_no_prefix(corpus, annotator):
    from .factories import ArticleFactory, verified_annotation

    article = ArticleFactory(body="Exports rose 30 percent.")
    verified_annotation(article=article, author=annotator, phrase="Exports rose")

    item = collection(ExportFilters(article_id=article.pk))["first"]["items"][0]
    quote = item["target"]["selector"][0]

    assert "prefix" not in quote
    assert quote["suffix"] == " 30 percent."


def test_the_collection_id_carries_the_filters(corpus):
    document = collection(ExportFilters(kind=Kind.CLAIM))

    assert document["id"] == "https://workbench.example.org/api/export/verified.w3c?kind=claim"
    assert {item["body"][0]["value"] for item in document["first"]["items"]} == {"claim"}


def test_an_empty_collection_has_no_page_and_a_total_of_zero(db):
    document = collection()

    assert document["type"] == "AnnotationCollection"
    assert document["total"] == 0
    assert "first" not in document


def test_our_keys_are_keys_the_w3c_examples_use_for_the_same_things(corpus):
    """Every key we emit on annotations, bodies, targets and selectors appears in the W3C
    working group's correct examples in the same role (no invented vocabulary)."""
    seen = {
        "annotation": set(),
        "body": set(),
        "target": set(),
        "selector": set(),
        "collection": set(),
    }

    def walk_annotation(annotation):
        seen["annotation"].update(annotation)
        bodies = annotation.get("body", [])
        for body in bodies if isinstance(bodies, list) else [bodies]:
            if isinstance(body, dict):
                seen["body"].update(body)
        targets = annotation.get("target", [])
        for target in targets if isinstance(targets, list) else [targets]:
            if isinstance(target, dict):
                seen["target"].update(target)
                selectors = target.get("selector", [])
                for selector in selectors if isinstance(selectors, list) else [selectors]:
                    if isinstance(selector, dict):
                        seen["selector"].update(selector)

    paths = sorted(W3C_EXAMPLES.glob("*.json"))
    assert len(paths) == 44  # the W3C's correct examples, shipped in tests/fixtures
    for path in paths:
        example = json.loads(path.read_text(encoding="utf-8"))
        if example.get("type") == "AnnotationCollection":
            seen["collection"].update(example)
            for item in example["first"]["items"]:
                walk_annotation(item)
        else:
            walk_annotation(example)

    document = collection()
    assert set(document) <= seen["collection"]
    for item in document["first"]["items"]:
        assert set(item) <= seen["annotation"]
        for body in item["body"]:
            assert set(body) <= seen["body"]
        assert set(item["target"]) <= seen["target"]
        for selector in item["target"]["selector"]:
            assert set(selector) <= seen["selector"]
