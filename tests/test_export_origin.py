"""The exports say which annotations began as the assistant's proposals (`origin`).

Each annotation here goes the whole way through the workflow: a proposal is stored,
accepted (it becomes the annotator's draft), perhaps edited, submitted, taken, given
evidence and verified; then the research export carries its origin and the W3C export
names the engine as a Software creator beside the annotator.
"""

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import workflow
from annotations.exporters import stream_export
from annotations.interop.w3c import annotation_problems
from annotations.models import Kind, Stance, Verdict
from annotations.proposals import suggestion_accept, suggestions_refresh
from annotations.suggest import Proposal

from .factories import ArticleFactory, SourceFactory, workflow_draft

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "export-v1.schema.json"
BODY = "Exports rose 30 percent to US$518.4 billion in 2024, the minister said."
MONEY = "US$518.4 billion"


@pytest.fixture
def article():
    return ArticleFactory(body=BODY)


def proposed_money(article):
    """A model's proposal of the money figure, stored as the assistant stores proposals."""
    start = BODY.index(MONEY)
    suggestions_refresh(
        article=article,
        proposals=[
            Proposal(
                start=start,
                end=start + len(MONEY),
                kind=Kind.NUMBER,
                attributes={"number_value": Decimal("518400000000"), "number_unit": "USD"},
                details={"type": "money"},
                score=0.875,
                engine="numbers",
                version="2",
            )
        ],
    )
    return article.suggestions.get()


def verify(annotation, annotator, reviewer, *, changes=None):
    """Submit (with `changes` first), take, give evidence and verify, as the screens do."""
    annotation = workflow.annotation_submit(
        annotation_id=annotation.pk, user=annotator, version=annotation.version, changes=changes
    )
    annotation = workflow.annotation_take(
        annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version
    )
    workflow.evidence_add(
        annotation_id=annotation.pk, user=reviewer, source=SourceFactory(), stance=Stance.SUPPORTS
    )
    return workflow.annotation_verify(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version,
        verdict=Verdict.ACCURATE,
    )


def research_records():
    return json.loads("".join(stream_export("json")))["records"]


def w3c_items():
    document = json.loads("".join(stream_export("w3c")))
    return document["first"]["items"] if document["total"] else []


def test_a_span_marked_by_hand_has_a_null_origin(article, annotator, reviewer):
    verify(workflow_draft(annotator, article=article, phrase=MONEY, kind=Kind.NUMBER),
           annotator, reviewer)  # fmt: skip

    (record,) = research_records()
    (item,) = w3c_items()

    assert "origin" in record and record["origin"] is None
    assert item["creator"]["type"] == "Person"  # the annotator alone


def test_an_accepted_proposal_left_as_it_was_names_its_engine(article, annotator, reviewer):
    suggestion = proposed_money(article)
    verify(suggestion_accept(suggestion_id=suggestion.pk, user=annotator), annotator, reviewer)

    (record,) = research_records()

    assert record["origin"] == {
        "engine": "numbers",
        "engine_version": "2",
        "score": 0.875,
        "span_changed": False,
        "attributes_changed": False,
        "details": {"type": "money"},
    }
    assert record["attributes"]["value"] == "518400000000"


def test_a_nudged_span_is_flagged_as_changed(article, annotator, reviewer):
    suggestion = proposed_money(article)
    draft = suggestion_accept(suggestion_id=suggestion.pk, user=annotator)
    start = BODY.index("518.4 billion")  # the annotator leaves the currency out of the span
    draft = workflow.annotation_update(
        annotation_id=draft.pk, user=annotator, version=draft.version, changes={"start": start}
    )
    verify(draft, annotator, reviewer)

    (record,) = research_records()

    assert record["span"]["exact"] == "518.4 billion"
    assert record["origin"]["span_changed"] is True
    assert record["origin"]["attributes_changed"] is False


def test_changed_attributes_are_flagged_as_changed(article, annotator, reviewer):
    suggestion = proposed_money(article)
    draft = suggestion_accept(suggestion_id=suggestion.pk, user=annotator)
    verify(draft, annotator, reviewer, changes={"number_counts": "exports in 2024"})

    (record,) = research_records()

    assert record["origin"]["span_changed"] is False
    assert record["origin"]["attributes_changed"] is True


def test_an_attribute_set_back_to_the_proposal_is_not_a_change(article, annotator, reviewer):
    suggestion = proposed_money(article)
    draft = suggestion_accept(suggestion_id=suggestion.pk, user=annotator)
    draft = workflow.annotation_update(
        annotation_id=draft.pk, user=annotator, version=draft.version,
        changes={"number_unit": "EUR"},
    )  # fmt: skip
    verify(draft, annotator, reviewer, changes={"number_unit": "USD"})

    (record,) = research_records()

    assert record["origin"]["attributes_changed"] is False


def test_json_lines_carries_the_same_origin(article, annotator, reviewer):
    suggestion = proposed_money(article)
    verify(suggestion_accept(suggestion_id=suggestion.pk, user=annotator), annotator, reviewer)

    record_line, _end_line = "".join(stream_export("jsonl")).splitlines()

    assert json.loads(record_line)["origin"] == research_records()[0]["origin"]


def test_exports_with_origins_validate_against_the_v1_schema(article, annotator, reviewer):
    suggestion = proposed_money(article)
    verify(suggestion_accept(suggestion_id=suggestion.pk, user=annotator), annotator, reviewer)
    verify(
        workflow_draft(annotator, article=article, phrase="the minister said"), annotator, reviewer
    )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )

    document = json.loads("".join(stream_export("json")))
    validator.validate(document)
    origins = [record["origin"] for record in document["records"]]

    assert origins.count(None) == 1 and len(origins) == 2
    # An origin that breaks its definition is refused: the schema does check it.
    document["records"][1 - origins.index(None)]["origin"]["score"] = 2
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(document)


def test_a_record_without_origin_still_validates(article, annotator, reviewer):
    """Exports written before revision 3 have no `origin`: the schema does not require it."""
    verify(
        workflow_draft(annotator, article=article, phrase="the minister said"), annotator, reviewer
    )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = json.loads("".join(stream_export("json")))
    del document["records"][0]["origin"]

    jsonschema.Draft202012Validator(schema).validate(document)


def test_the_w3c_export_names_the_engine_as_a_software_creator(article, annotator, reviewer):
    suggestion = proposed_money(article)
    verify(suggestion_accept(suggestion_id=suggestion.pk, user=annotator), annotator, reviewer)

    (item,) = w3c_items()

    person, engine = item["creator"]
    assert person["type"] == "Person" and person["nickname"].startswith("anon_")
    assert engine == {"type": "Software", "name": "numbers 2", "nickname": "numbers"}
    assert "generator" not in item  # the model's generator wrote the file: Workbench
    assert annotation_problems(item) == []  # still a valid Web Annotation


def test_origins_cost_no_query_per_record(annotator, reviewer):
    """The proposal's columns come with the rows: as many queries for 1 record as for 12."""
    articles = [ArticleFactory(body=f"{BODY} ({number})") for number in range(12)]
    suggestion = proposed_money(articles[0])
    verify(suggestion_accept(suggestion_id=suggestion.pk, user=annotator), annotator, reviewer)
    counts = {}
    for export_format in ("json", "jsonl", "w3c"):
        with CaptureQueriesContext(connection) as one:
            "".join(stream_export(export_format))
        counts[export_format] = len(one)
    for other in articles[1:]:
        suggestion = proposed_money(other)
        verify(suggestion_accept(suggestion_id=suggestion.pk, user=annotator), annotator, reviewer)

    for export_format in ("json", "jsonl", "w3c"):
        with CaptureQueriesContext(connection) as many:
            text = "".join(stream_export(export_format))
        assert text.count('"numbers 2"' if export_format == "w3c" else '"engine"') == 12
        assert len(many) == counts[export_format]
