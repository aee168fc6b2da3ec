"""The agreement report and the all-annotators export: pseudonymous, documented shapes,
the same figures as the pages, and who may download them."""

import hashlib
import json

import orjson
import pytest
from django.core.management import call_command
from django.urls import reverse

from annotations.exporters import pseudonym
from annotations.models import AdjudicationSource, Kind, State

from .factories import AnnotationFactory, ArticleFactory

pytestmark = pytest.mark.django_db

BODY = "abcdefghijklmnopqrst"


def work(article, author, start, end, state=State.SUBMITTED, kind=Kind.CLAIM):
    return AnnotationFactory(article=article, author=author, start=start, end=end, state=state,
                             kind=kind)  # fmt: skip


@pytest.fixture
def corpus(annotator, other_annotator, editor):
    article = ArticleFactory(title="Overlapping", body=BODY)
    anna = work(article, annotator, 0, 10)
    otto = work(article, other_annotator, 5, 15)
    work(article, annotator, 15, 20, state=State.DRAFT)  # not submitted work
    reference = work(article, editor, 5, 15)
    AdjudicationSource.objects.create(annotation=reference, source_annotation=otto)
    return article, anna, otto


def test_the_report_gives_the_hand_computed_figures_with_pseudonyms(
    client_for, researcher, corpus, annotator, other_annotator
):
    article, _, _ = corpus
    response = client_for(researcher).get(reverse("agreement_report"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    report = json.loads(b"".join(response.streaming_content))
    names = sorted([pseudonym(annotator.pk), pseudonym(other_annotator.pk)])
    assert report["schema"] == "urn:workbench:agreement:v1"
    assert report["annotators"] == names
    (entry,) = report["articles"]
    assert entry["article"] == {"id": article.pk, "title": "Overlapping", "length": 20}
    assert entry["annotators"] == names
    assert entry["unitized_alpha"]["claim"]["alpha"] == pytest.approx(-77 / 268)
    assert entry["spans"]["claim"]["overlap"]["f1"] == 1.0
    assert entry["spans"]["claim"]["exact"]["f1"] == 0.0
    assert report["corpus"]["pairs"][0]["annotators"] == names
    assert report["corpus"]["all"]["unitized_alpha"]["all"]["alpha"] == pytest.approx(-77 / 268)
    text = json.dumps(report)
    assert "anna" not in text and "otto" not in text and "edith" not in text


def test_the_all_annotators_export_has_one_record_per_submitted_span(
    client_for, editor, corpus, annotator, other_annotator
):
    article, anna, otto = corpus
    response = client_for(editor).get(reverse("annotators_export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    lines = body.splitlines()
    records = [orjson.loads(line) for line in lines[:-1]]
    assert [record["id"] for record in records] == [anna.pk, otto.pk]  # no draft, no reference
    first = records[0]
    assert first["annotator"] == pseudonym(annotator.pk)
    assert first["span"] == {"start": 0, "end": 10, "start_utf16": 0, "end_utf16": 10,
                             "exact": BODY[:10], "prefix": "", "suffix": BODY[10:]}  # fmt: skip
    assert first["article"]["id"] == article.pk
    assert first["state"] == "submitted" and first["blind"] is False
    assert first["attributes"] == {"claimant": None, "check_worthy": None}
    end = orjson.loads(lines[-1])["end_of_export"]
    assert end["records"] == 2
    assert (
        end["sha256"]
        == hashlib.sha256(body[: body.rindex(b"\n", 0, len(body) - 1) + 1]).hexdigest()
    )
    assert b"anna" not in body and b"otto" not in body


def test_the_command_writes_both_exports(tmp_path, corpus):
    report, spans = tmp_path / "agreement.json", tmp_path / "annotators.jsonl"
    call_command("export_agreement", "-o", str(report))
    call_command("export_agreement", "--annotators", "-o", str(spans))
    assert len(json.loads(report.read_text())["articles"]) == 1
    assert len(spans.read_text().splitlines()) == 3


@pytest.mark.parametrize("persona, report, spans", [
    ("editor", 200, 200), ("researcher", 200, 200), ("reviewer", 200, 403),
    ("annotator", 403, 403), ("outsider", 403, 403),
])  # fmt: skip
def test_who_may_download_what(request, client_for, corpus, persona, report, spans):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("agreement_report")).status_code == report
    assert client.get(reverse("annotators_export")).status_code == spans


def test_the_downloads_accept_only_get(client_for, editor):
    client = client_for(editor)
    assert client.post(reverse("agreement_report")).status_code == 405
    assert client.post(reverse("annotators_export")).status_code == 405


def test_the_export_reads_a_fixed_number_of_queries(
    client_for, editor, annotator, other_annotator, django_assert_max_num_queries
):
    for index in range(8):
        article = ArticleFactory(body=f"{BODY}{index}")
        work(article, annotator, 0, 10)
        work(article, other_annotator, 2, 12)
    client = client_for(editor)
    with django_assert_max_num_queries(8):
        body = b"".join(client.get(reverse("annotators_export")).streaming_content)
    assert len(body.splitlines()) == 17
