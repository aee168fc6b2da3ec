"""The exports carry claim groups: the research format's `claim_group` and ClaimReview's
appearances (`itemReviewed.appearance`), one per article the claim appears in.

Groups are linked as a reviewer links them (`matching.claim_group_link`).
"""

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.exporters import stream_export
from annotations.matching import claim_group_link
from annotations.models import Kind, State

from .factories import AnnotationFactory, ArticleFactory, verified_annotation

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "export-v1.schema.json"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PUBLIC_BASE_URL = "https://workbench.example.org"


def research_records():
    return json.loads("".join(stream_export("json")))["records"]


def json_lines_records():
    *lines, _end_line = "".join(stream_export("jsonl")).splitlines()
    return [json.loads(line) for line in lines]


def claim_reviews():
    return json.loads("".join(stream_export("claimreview")))


def review_for(annotation):
    (review,) = [r for r in claim_reviews() if r["url"].endswith(f"/annotate/{annotation.pk}/")]
    return review


def article(**fields):
    return ArticleFactory(**fields)


def test_an_annotation_in_no_group_has_a_null_claim_group(reviewer):
    verified_annotation(reviewer=reviewer)

    (record,) = research_records()
    (line,) = json_lines_records()

    assert "claim_group" in record and record["claim_group"] is None
    assert line["claim_group"] is None


def test_every_appearance_in_a_group_carries_the_groups_id(reviewer, other_reviewer):
    first = verified_annotation(reviewer=other_reviewer)
    second = verified_annotation(reviewer=other_reviewer)
    alone = verified_annotation(reviewer=other_reviewer)
    group = claim_group_link(annotation_id=first.pk, other_id=second.pk, user=reviewer)

    for records in (research_records(), json_lines_records()):
        groups = {record["id"]: record["claim_group"] for record in records}
        assert groups == {first.pk: group.pk, second.pk: group.pk, alone.pk: None}


def test_claim_group_is_the_last_field_after_origin(reviewer, other_reviewer):
    first = verified_annotation(reviewer=other_reviewer)
    second = verified_annotation(reviewer=other_reviewer)
    group = claim_group_link(annotation_id=first.pk, other_id=second.pk, user=reviewer)

    line = "".join(stream_export("jsonl")).splitlines()[0]

    assert line.endswith(f',"origin":null,"claim_group":{group.pk}}}')


def test_exports_with_claim_groups_validate_against_the_v1_schema(reviewer, other_reviewer):
    first = verified_annotation(reviewer=other_reviewer)
    second = verified_annotation(reviewer=other_reviewer)
    verified_annotation(reviewer=other_reviewer)
    claim_group_link(annotation_id=first.pk, other_id=second.pk, user=reviewer)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )

    document = json.loads("".join(stream_export("json")))
    validator.validate(document)

    assert [r["claim_group"] is None for r in document["records"]] == [False, False, True]
    # A group id that breaks its definition is refused: the schema does check it.
    document["records"][0]["claim_group"] = "7"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(document)


def test_a_record_without_claim_group_still_validates(reviewer):
    """Exports written before revision 4 have no `claim_group`: the schema does not require it."""
    verified_annotation(reviewer=reviewer)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = json.loads("".join(stream_export("json")))
    del document["records"][0]["claim_group"]

    jsonschema.Draft202012Validator(schema).validate(document)


# ---- ClaimReview: every article the claim appears in ----


def test_an_ungrouped_claim_keeps_its_one_appearance(reviewer):
    own = article(
        title="Exports rise", url="https://news.example.org/a", published=date(2025, 1, 2)
    )
    annotation = verified_annotation(article=own, reviewer=reviewer)

    appearance = review_for(annotation)["itemReviewed"]["appearance"]

    assert appearance == {
        "@type": "CreativeWork",
        "url": "https://news.example.org/a",
        "headline": "Exports rise",
        "publisher": {"@type": "Organization", "name": "Example News"},
        "datePublished": "2025-01-02",
    }


def test_a_grouped_claim_lists_its_own_article_first_then_the_others_oldest_first(
    reviewer, other_reviewer
):
    own = article(title="Own", published=date(2025, 3, 1))
    older = article(title="Older", published=date(2024, 1, 1))
    newer = article(title="Newer", published=date(2025, 6, 1))
    undated = article(title="Undated", published=None, publisher="", url="")
    reviewed = verified_annotation(article=own, reviewer=other_reviewer)
    for other in (undated, newer, older):
        elsewhere = verified_annotation(article=other, reviewer=other_reviewer)
        claim_group_link(annotation_id=reviewed.pk, other_id=elsewhere.pk, user=reviewer)

    appearances = review_for(reviewed)["itemReviewed"]["appearance"]

    assert [work["headline"] for work in appearances] == ["Own", "Older", "Newer", "Undated"]
    assert appearances[1] == {
        "@type": "CreativeWork",
        "url": older.url,
        "headline": "Older",
        "publisher": {"@type": "Organization", "name": "Example News"},
        "datePublished": "2024-01-01",
    }
    # No url and no publisher: Workbench's page, as for the record's own article.
    assert appearances[3] == {
        "@type": "CreativeWork",
        "url": f"https://workbench.example.org/articles/{undated.pk}/",
        "headline": "Undated",
    }
    # Every appearance's own review lists its article first.
    older_review = [
        r for r in claim_reviews() if r["itemReviewed"]["appearance"][0]["headline"] == "Older"
    ]
    assert [w["headline"] for w in older_review[0]["itemReviewed"]["appearance"]] == [
        "Older", "Own", "Newer", "Undated",
    ]  # fmt: skip


def test_each_article_appears_once(reviewer, other_reviewer):
    own = article(body="Exports rose 30 percent. Later: exports rose 30 percent again.")
    other = article(body="Exports rose 30 percent, and exports rose 30 percent.")
    reviewed = verified_annotation(article=own, reviewer=other_reviewer)
    # The same claim again in its own article, and twice in the other one.
    second_in_own = AnnotationFactory(
        article=own, phrase="Exports rose 30 percent", state=State.SUBMITTED
    )
    first_in_other = AnnotationFactory(article=other, phrase="Exports rose 30 percent")
    second_in_other = AnnotationFactory(article=other, phrase="exports rose 30 percent")
    for member in (second_in_own, first_in_other, second_in_other):
        claim_group_link(annotation_id=reviewed.pk, other_id=member.pk, user=reviewer)

    appearances = review_for(reviewed)["itemReviewed"]["appearance"]

    assert [work["url"] for work in appearances] == [own.url, other.url]


def test_a_group_within_one_article_keeps_a_single_appearance(reviewer, other_reviewer):
    own = article(body="Exports rose 30 percent. Later: exports rose 30 percent again.")
    reviewed = verified_annotation(article=own, reviewer=other_reviewer)
    again = AnnotationFactory(article=own, phrase="Exports rose 30 percent", state=State.SUBMITTED)
    claim_group_link(annotation_id=reviewed.pk, other_id=again.pk, user=reviewer)

    appearance = review_for(reviewed)["itemReviewed"]["appearance"]

    assert isinstance(appearance, dict) and appearance["url"] == own.url


def test_withdrawn_and_rejected_appearances_are_left_out(reviewer, other_reviewer):
    reviewed = verified_annotation(reviewer=other_reviewer)
    kept = AnnotationFactory(state=State.IN_REVIEW, reviewer=other_reviewer)
    withdrawn = AnnotationFactory(state=State.SUBMITTED)
    rejected = AnnotationFactory(state=State.IN_REVIEW, reviewer=other_reviewer)
    for member in (kept, withdrawn, rejected):
        claim_group_link(annotation_id=reviewed.pk, other_id=member.pk, user=reviewer)
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(state=State.WITHDRAWN)
    type(rejected).objects.filter(pk=rejected.pk).update(state=State.REJECTED)

    appearances = review_for(reviewed)["itemReviewed"]["appearance"]

    assert [work["url"] for work in appearances] == [reviewed.article.url, kept.article.url]


def test_a_grouped_number_lists_its_groups_articles_too(reviewer, other_reviewer):
    phrase = "US$518.4 billion"
    number = verified_annotation(
        article=article(body=f"Exports rose 30 percent to {phrase} in 2024."),
        phrase=phrase,
        kind=Kind.NUMBER,
        reviewer=other_reviewer,
    )
    elsewhere = AnnotationFactory(
        article=article(body=f"Exports reached {phrase} last year."),
        phrase=phrase,
        kind=Kind.NUMBER,
    )
    claim_group_link(annotation_id=number.pk, other_id=elsewhere.pk, user=reviewer)

    appearances = review_for(number)["itemReviewed"]["appearance"]

    assert [work["url"] for work in appearances] == [number.article.url, elsewhere.article.url]


# ---- Query counts: constant per chunk ----


def grouped_pair(reviewer, linker):
    """Two verified claims in two articles, linked into one group."""
    first = verified_annotation(reviewer=reviewer)
    second = verified_annotation(reviewer=reviewer)
    claim_group_link(annotation_id=first.pk, other_id=second.pk, user=linker)


def queries_for(export_format, **options):
    with CaptureQueriesContext(connection) as context:
        stream = stream_export(export_format, **options)
        text = "".join(stream)
    return len(context), stream.records, text


@pytest.mark.parametrize("export_format", ["json", "jsonl", "claimreview"])
def test_one_or_twelve_grouped_records_cost_the_same_queries(
    export_format, reviewer, other_reviewer
):
    first = verified_annotation(reviewer=other_reviewer)
    elsewhere = AnnotationFactory(state=State.SUBMITTED)
    claim_group_link(annotation_id=first.pk, other_id=elsewhere.pk, user=reviewer)
    one, one_record, _text = queries_for(export_format)
    for _ in range(11):
        grouped_pair(other_reviewer, reviewer)
    many, records, text = queries_for(export_format)

    assert (one_record, records) == (1, 23)
    assert many == one
    if export_format == "claimreview":
        assert text.count('"appearance":[') == 23
        # The annotations (with their group joined), then per chunk their verdicts, their
        # articles and their groups' appearances.
        assert one == 4
    else:
        assert text.count('"claim_group":null') == 0
        assert one == 5  # as without groups: the group id comes with the rows


def test_each_chunk_reads_its_groups_appearances_with_one_query(reviewer, other_reviewer):
    for _ in range(10):
        grouped_pair(other_reviewer, reviewer)

    queries, records, text = queries_for("claimreview", chunk_size=5)

    assert records == 20
    assert text.count('"appearance":[') == 20
    # Per chunk its rows, verdicts, articles and appearances; then one query finds no
    # more rows (the last chunk was full).
    assert queries == 4 * 4 + 1


def test_a_chunk_without_groups_skips_the_appearance_query(reviewer):
    for _ in range(3):
        verified_annotation(reviewer=reviewer)

    queries, records, _text = queries_for("claimreview")

    assert records == 3
    assert queries == 3  # the annotations, their verdicts and articles, as before groups
