"""The research format v1 (JSON document and JSON Lines): schema, offsets, content, order."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from annotations import exporters
from annotations.exporters import ExportFilters, decimal_text, pseudonym, stream_export
from annotations.models import Kind, State, Verdict
from annotations.text import codepoint_offset, utf16_offsets

from .export_corpus import T0, build_corpus
from .export_lines import json_lines_records
from .factories import ArticleFactory, UserFactory, verified_annotation

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "export-v1.schema.json"


@pytest.fixture(scope="module")
def schema():
    document = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def record_validator(schema):
    return jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/record", "$defs": schema["$defs"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


@pytest.fixture
def corpus():
    return build_corpus()


def export_document(filters=None, **options):
    return json.loads("".join(stream_export("json", filters, **options)))


def export_lines(filters=None):
    return json_lines_records("".join(stream_export("jsonl", filters)))


def test_the_json_document_validates_against_the_schema(corpus, schema):
    document = export_document()

    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)
    assert document["schema"] == exporters.SCHEMA_ID == schema["$id"]
    assert len(document["records"]) == len(corpus.verified)


def test_every_json_lines_record_validates_against_the_record_schema(corpus, schema):
    validator = record_validator(schema)
    records = export_lines()

    assert len(records) == len(corpus.verified)
    for record in records:
        validator.validate(record)
    assert {record["kind"] for record in records} == set(Kind.values)


def test_the_schema_refuses_a_record_that_breaks_the_contract(corpus, schema):
    validator = record_validator(schema)
    record = export_lines()[0]

    for broken in [
        {**record, "annotator": "corpus-annotator"},
        {**record, "verdict": {**record["verdict"], "rating": 2}},
        {**record, "span": {**record["span"], "extra": 1}},
        {**record, "surprise": True},
        {**record, "verified_at": "2025-03-03 10:00"},
    ]:
        assert not validator.is_valid(broken)


def test_json_lines_and_the_json_document_hold_the_same_records(corpus):
    assert export_lines() == export_document()["records"]


def test_every_span_slices_the_body_in_code_points_and_in_utf16(corpus):
    bodies = {corpus.trade.pk: corpus.trade.body, corpus.rail.pk: corpus.rail.body}

    for record in export_lines():
        body = bodies[record["article"]["id"]]
        span = record["span"]
        assert body[span["start"] : span["end"]] == span["exact"]
        # JavaScript's view of the same text: UTF-16 code units.
        units = body.encode("utf-16-le")
        piece = units[2 * span["start_utf16"] : 2 * span["end_utf16"]].decode("utf-16-le")
        assert piece == span["exact"]
        assert codepoint_offset(body, span["start_utf16"]) == span["start"]
        assert codepoint_offset(body, span["end_utf16"]) == span["end"]
        assert (span["start_utf16"], span["end_utf16"]) == utf16_offsets(
            body, span["start"], span["end"]
        )
        assert body[max(0, span["start"] - len(span["prefix"])) : span["start"]] == span["prefix"]
        assert body[span["end"] : span["end"] + len(span["suffix"])] == span["suffix"]


def test_an_emoji_before_the_span_makes_utf16_offsets_differ_from_code_points(corpus):
    records = {record["id"]: record for record in export_lines()}
    # One ship emoji (two UTF-16 units) and two CJK characters (one each) come first.
    claim = records[corpus.verified["exports_claim"].pk]["span"]
    assert claim["start_utf16"] == claim["start"] + 1
    assert claim["end_utf16"] == claim["end"] + 1
    # A thumbs-up inside the span stretches its end by one more.
    analysts = records[corpus.verified["analysts_claim"].pk]["span"]
    assert analysts["start_utf16"] == analysts["start"] + 1
    assert analysts["end_utf16"] == analysts["end"] + 2
    # A ZWJ sequence (two astral emoji around a joiner) before the span: two extra units.
    rail = records[corpus.verified["rail_claim"].pk]["span"]
    assert rail["start_utf16"] == rail["start"] + 2


def test_an_emoji_at_the_start_of_an_article_shifts_only_utf16_offsets(annotator):
    article = ArticleFactory(body="🎉 Exports rose 30 percent, the ministry said.")
    annotation = verified_annotation(article=article, author=annotator, phrase="Exports rose")

    span = export_lines()[0]["span"]

    assert (span["start"], span["end"]) == (annotation.start, annotation.end) == (2, 14)
    assert (span["start_utf16"], span["end_utf16"]) == (3, 15)


def test_a_quotation_exports_its_speaker_and_attribution_span(corpus):
    records = {record["id"]: record for record in export_lines()}
    body = corpus.trade.body

    attributes = records[corpus.verified["minister_quote"].pk]["attributes"]

    assert attributes["speaker"] == "the minister"
    assert attributes["speech_type"] == "direct"
    attribution = attributes["attribution"]
    assert attribution["text"] == body[attribution["start"] : attribution["end"]]
    assert attribution["text"] == "the minister said"
    assert attribution["start_utf16"] == attribution["start"] + 1


def test_a_number_value_is_an_exact_decimal_string(corpus):
    records = {record["id"]: record for record in export_lines()}

    attributes = records[corpus.verified["exports_number"].pk]["attributes"]

    assert attributes == {
        "value": "518400000000",
        "unit": "USD",
        "scale": "billion",
        "qualifier": None,
        "counts": "exports in 2024",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("518400000000.0000000000"), "518400000000"),
        (Decimal("0.1000000000"), "0.1"),
        (Decimal("-2.5000000000"), "-2.5"),
        (Decimal("0E-10"), "0"),
        (
            Decimal("123456789012345678901234567890.0123456789"),
            "123456789012345678901234567890.0123456789",
        ),
        (None, None),
    ],
)
def test_decimal_text_keeps_every_digit_and_drops_trailing_zeros(value, text):
    assert decimal_text(value) == text


def test_only_live_evidence_is_exported_in_the_order_it_was_added(corpus):
    records = {record["id"]: record for record in export_lines()}

    evidence = records[corpus.verified["exports_claim"].pk]["evidence"]

    assert [item["stance"] for item in evidence] == ["supports", "context"]
    assert evidence[0]["source"] == {
        "url": "https://stats.example.org/trade/2024/table-2",
        "title": "Foreign trade 2024, table 2",
        "publisher": "National Statistics Office",
        "kind": "statistics",
        "accessed": "2025-03-02",
        "archived_url": "https://archive.example.org/stats-trade-2024-table-2",
    }
    assert evidence[1]["excerpt"] is None and evidence[1]["locator"] is None


def test_the_latest_verification_decides_the_verdict_and_rationale(corpus):
    records = {record["id"]: record for record in export_lines()}

    record = records[corpus.verified["exports_claim"].pk]

    assert record["verdict"] == {
        "value": "mostly_accurate",
        "label": "Mostly accurate",
        "rating": 4,
    }
    assert record["rationale"] == "Exports rose 30.1 percent; the total was US$518.2 billion."


def test_unverifiable_has_no_rating(corpus):
    records = {record["id"]: record for record in export_lines()}

    verdict = records[corpus.verified["projects_number"].pk]["verdict"]

    assert verdict == {"value": "unverifiable", "label": "Unverifiable", "rating": None}


def test_records_come_in_verification_order_then_by_id(corpus):
    ids = [record["id"] for record in export_lines()]

    assert ids == corpus.ids_in_export_order()
    assert ids != sorted(ids)  # the fixture's times are deliberately out of id order


def test_times_carry_the_utc_timezone(corpus):
    record = next(r for r in export_lines() if r["id"] == corpus.verified["rail_claim"].pk)

    assert record["verified_at"] == "2025-03-03T15:00:00.000000Z"
    assert record["created_at"].endswith("Z")


@pytest.mark.parametrize("export_format", list(exporters.FORMATS))
def test_unverified_rejected_and_withdrawn_annotations_never_appear(corpus, export_format):
    text = "".join(stream_export(export_format))

    for state, annotation in corpus.hidden.items():
        assert f'annotation-{annotation.pk}"' not in text, state
        assert f'"id":{annotation.pk},' not in text, state
    assert set(corpus.hidden) == {
        State.DRAFT,
        State.SUBMITTED,
        State.IN_REVIEW,
        State.REJECTED,
        State.WITHDRAWN,
    }


def test_a_reopened_annotation_leaves_the_export(corpus):
    reopened = corpus.verified["rail_claim"]
    type(reopened).objects.filter(pk=reopened.pk).update(
        state=State.SUBMITTED, reviewer=None, decided_at=None
    )

    ids = [record["id"] for record in export_lines()]

    assert reopened.pk not in ids
    assert len(ids) == len(corpus.verified) - 1


def test_pseudonyms_are_stable_keyed_and_never_the_username(corpus, settings):
    settings.PSEUDONYM_KEY = "key-one"
    first = export_lines()[0]
    again = export_lines()[0]
    settings.PSEUDONYM_KEY = "key-two"
    rotated = export_lines()[0]

    assert first["annotator"] == again["annotator"] == pseudonym(corpus.annotator.pk, "key-one")
    assert first["reviewer"] == pseudonym(corpus.reviewer.pk, "key-one")
    assert first["annotator"] != first["reviewer"]
    assert rotated["annotator"] != first["annotator"]
    text = json.dumps(first)
    for user in (corpus.annotator, corpus.reviewer):
        assert user.username not in text
        assert user.email not in text
        assert str(user.pk) not in first["annotator"] + first["reviewer"]


def test_a_pseudonym_does_not_depend_on_the_users_name(settings):
    settings.PSEUDONYM_KEY = "k"
    user = UserFactory(username="renamed-before")
    before = pseudonym(user.pk)
    user.username = "renamed-after"
    user.save()

    assert pseudonym(user.pk) == before
    assert before.startswith("anon_") and len(before) == len("anon_") + 20


# ---- Filters ----


def ids(filters):
    return {record["id"] for record in export_lines(filters)}


def test_the_since_filter_keeps_what_was_verified_at_or_after_it(corpus):
    at_two = T0 + timedelta(hours=2)

    kept = ids(ExportFilters(since=at_two))

    expected = {a.pk for a in corpus.verified.values() if a.decided_at >= at_two}
    assert kept == expected
    assert corpus.verified["projects_number"].pk in kept  # verified exactly at `since`
    assert corpus.verified["exports_claim"].pk not in kept


def test_the_since_filter_accepts_a_day(corpus):
    assert ids(ExportFilters(since=datetime(2025, 3, 4, tzinfo=UTC))) == set()
    assert len(ids(ExportFilters(since=datetime(2025, 3, 3, tzinfo=UTC)))) == len(corpus.verified)


def test_the_kind_filter_keeps_one_kind(corpus):
    kept = ids(ExportFilters(kind=Kind.NUMBER))

    assert kept == {corpus.verified["exports_number"].pk, corpus.verified["projects_number"].pk}


def test_the_verdict_filter_uses_the_latest_verdict(corpus):
    claim = corpus.verified["exports_claim"].pk

    assert claim in ids(ExportFilters(verdict=Verdict.MOSTLY_ACCURATE))
    # Its first, superseded verdict was "accurate".
    assert claim not in ids(ExportFilters(verdict=Verdict.ACCURATE))
    assert ids(ExportFilters(verdict=Verdict.UNVERIFIABLE)) == {
        corpus.verified["projects_number"].pk
    }


def test_the_article_filter_keeps_one_article(corpus):
    assert ids(ExportFilters(article_id=corpus.rail.pk)) == {corpus.verified["rail_claim"].pk}
    assert ids(ExportFilters(article_id=999_999_999)) == set()


def test_filters_combine(corpus):
    kept = ids(
        ExportFilters(kind=Kind.CLAIM, article_id=corpus.trade.pk, since=T0 + timedelta(hours=2))
    )

    assert kept == {corpus.verified["analysts_claim"].pk}


def test_an_empty_export_is_still_a_valid_document(schema, db):
    document = export_document(exported_at=datetime(2025, 1, 1, tzinfo=UTC))

    assert document == {
        "schema": exporters.SCHEMA_ID,
        "exported_at": "2025-01-01T00:00:00.000000Z",
        "records": [],
    }
    jsonschema.Draft202012Validator(schema).validate(document)
    assert json_lines_records("".join(stream_export("jsonl"))) == []


@pytest.mark.parametrize(
    "decided",
    [
        datetime(2025, 3, 3, 15, 0, tzinfo=UTC),
        datetime(2025, 3, 3, 15, 0, 0, 120, tzinfo=UTC),
        datetime(2025, 3, 3, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1999, 12, 31, 23, 59, 59, 5, tzinfo=UTC),
    ],
)
def test_times_are_written_as_python_writes_them_whatever_the_microseconds(annotator, decided):
    """The database writes the times (exporters._Rfc3339); they must equal _timestamp's."""
    annotation = verified_annotation(author=annotator)
    type(annotation).objects.filter(pk=annotation.pk).update(decided_at=decided, created_at=decided)

    (record,) = export_lines()

    expected = exporters._timestamp(decided)
    assert record["verified_at"] == record["created_at"] == expected
    assert expected.endswith("Z") and len(expected) == len("2025-03-03T15:00:00.000000Z")
