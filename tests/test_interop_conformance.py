"""The real files of other tools (tests/fixtures/interop, see its PROVENANCE.md): Label
Studio and doccano exports give exactly the spans of expected/*.spans.json; the W3C
examples that are correct are read (and imported where they can be), the incorrect ones
are refused with the rule they break."""

import json
from pathlib import Path

import pytest

from annotations.interop import import_annotations_path
from annotations.interop.doccano import parse_doccano
from annotations.interop.label_studio import parse_label_studio
from annotations.interop.records import LabelMap
from annotations.models import Annotation, Article, State
from annotations.policy import Role

from .factories import ArticleFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
INTEROP = FIXTURES / "interop"
EXPECTED = INTEROP / "expected"
W3C_CORRECT = sorted((FIXTURES / "conformance" / "w3c-examples" / "correct").glob("*.json"))
W3C_INCORRECT = sorted((INTEROP / "w3c").glob("*/*.json"))

# Every label of the sample files, as a team would map them to try Workbench out.
SAMPLE_MAP = {
    "ORG": "claim",
    "PERSON": "quotation",
    "DATE": "number",
    "Date": "number",
    "MISC": "claim",
    "LOC": "claim",
}


def _spans(records, *, proposals=False) -> list[dict]:
    """The parsed spans in the shape of expected/*.spans.json (doc: record index)."""
    return [
        {
            "doc": index,
            "start": span.start,
            "end": span.end,
            "label": span.label,
            "text": record.body[span.start : span.end],
        }
        for index, record in enumerate(records)
        for span in (record.proposals if proposals else record.spans)
    ]


def _expected(name: str) -> list[dict]:
    spans = json.loads((EXPECTED / name).read_text(encoding="utf-8"))
    return [{**span, "doc": None} for span in spans]


def _without_doc(spans):
    return [{**span, "doc": None} for span in spans]


@pytest.mark.parametrize(
    "name",
    [
        "export__relation_extraction__example.jsonl",
        "export__sequence_labeling__example.jsonl",
        "import-test__relation_extraction__example.jsonl",
    ],
)
def test_doccano_exports_give_the_expected_spans(name):
    text = (INTEROP / "doccano" / name).read_text(encoding="utf-8")
    records, problems = parse_doccano(text, labels=LabelMap())
    assert problems == []
    assert all(record.report.ok for record in records)
    assert _without_doc(_spans(records)) == _expected(f"{name}.spans.json")


def test_the_doccano_documents_are_numbered_as_in_the_expected_file():
    name = "export__sequence_labeling__example.jsonl"
    records, _ = parse_doccano((INTEROP / "doccano" / name).read_text(), labels=LabelMap())
    assert [span["doc"] for span in _spans(records)] == [
        span["doc"] for span in json.loads((EXPECTED / f"{name}.spans.json").read_text())
    ]


def test_the_label_studio_annotation_gives_the_expected_span():
    text = (INTEROP / "label-studio" / "named_entity_annotation_1.json").read_text()
    records, problems = parse_label_studio(text, labels=LabelMap())
    assert problems == []
    assert _without_doc(_spans(records)) == _expected("named_entity_annotation_1.json.spans.json")


def test_label_studio_predictions_are_read_but_are_not_annotations():
    text = (INTEROP / "label-studio" / "named_entity_tasks.json").read_text()
    records, _ = parse_label_studio(text, labels=LabelMap())
    assert _without_doc(_spans(records, proposals=True)) == _expected(
        "named_entity_tasks.json.predictions.spans.json"
    )
    assert records[0].spans == []
    assert "predicted span" in records[0].report.skipped[0]


def test_a_label_studio_choices_task_is_a_text_without_spans():
    text = (INTEROP / "label-studio" / "converter_csv_test_history.json").read_text()
    records, problems = parse_label_studio(text, labels=LabelMap())
    assert problems == [] and records[0].report.ok
    assert records[0].spans == []
    assert records[0].report.skipped == [
        "1 “choices” result of annotations: Workbench imports text spans (“labels” results) only."
    ]


def test_doccano_text_classification_labels_are_reported_not_imported():
    text = (INTEROP / "doccano" / "export__text_classification__example.jsonl").read_text()
    records, _ = parse_doccano(text, labels=LabelMap())
    assert [record.spans for record in records] == [[], [], []]
    assert "(“negative”)" in records[0].report.skipped[0]


def test_a_doccano_line_without_text_is_refused_with_its_line():
    text = (INTEROP / "doccano" / "import-test__sequence_labeling__example.jsonl").read_text()
    records, _ = parse_doccano(text, labels=LabelMap())
    assert [record.report.ok for record in records] == [True, True, False]
    assert records[2].report.location == "record 3 (line 3)"
    assert records[2].report.errors == ["It has no “text” to annotate."]


def test_a_conll_file_is_not_taken_for_doccano_json_lines():
    text = (INTEROP / "doccano" / "import-test__sequence_labeling__example.conll").read_text()
    records, problems = parse_doccano(text, labels=LabelMap())
    assert records == []
    assert problems and "a doccano export is JSON Lines" in problems[0]


# ---- Importing the sample files into the database ----


@pytest.fixture
def author(db):
    return UserFactory(username="importer", role=Role.ANNOTATOR)


SAMPLES = [
    # format, file, articles, annotations created, spans mapped to a kind in the file
    ("label-studio", "label-studio/named_entity_annotation_1.json", 1, 1, 1),
    ("label-studio", "label-studio/named_entity_tasks.json", 1, 0, 0),
    ("label-studio", "label-studio/converter_csv_test_history.json", 1, 0, 0),
    ("doccano", "doccano/export__relation_extraction__example.jsonl", 1, 4, 4),
    ("doccano", "doccano/export__sequence_labeling__example.jsonl", 3, 4, 4),
    ("doccano", "doccano/export__text_classification__example.jsonl", 3, 0, 0),
    ("doccano", "doccano/import-test__relation_extraction__example.jsonl", 1, 4, 4),
    # The same span twice in one line: one annotation.
    ("doccano", "doccano/import-test__sequence_labeling__example_overlapping.jsonl", 1, 1, 2),
]


@pytest.mark.parametrize("file_format, name, articles, annotations, spans", SAMPLES)
def test_each_sample_file_imports_and_a_second_run_adds_nothing(
    author, file_format, name, articles, annotations, spans
):
    first = import_annotations_path(
        INTEROP / name, file_format=file_format, author=author, label_map=SAMPLE_MAP
    )
    assert first.ok, first.as_dict()
    assert (first.count("created"), first.count("duplicates")) == (annotations, spans - annotations)
    assert Article.objects.count() == articles
    assert Annotation.objects.filter(author=author, state=State.DRAFT).count() == annotations
    for annotation in Annotation.objects.select_related("article"):
        assert annotation.article.body[annotation.start : annotation.end] == annotation.exact

    second = import_annotations_path(
        INTEROP / name, file_format=file_format, author=author, label_map=SAMPLE_MAP
    )
    assert second.ok
    assert second.written is False
    assert (second.articles_created, second.count("created")) == (0, 0)
    assert second.count("duplicates") == spans
    assert Article.objects.count() == articles
    assert Annotation.objects.count() == annotations


def test_the_doccano_file_with_a_line_without_text_is_refused_whole(author):
    name = INTEROP / "doccano" / "import-test__sequence_labeling__example.jsonl"
    report = import_annotations_path(
        name, file_format="doccano", author=author, label_map=SAMPLE_MAP
    )
    assert not report.ok and not report.written
    assert report.refused_records[0].location == "record 3 (line 3)"
    assert Article.objects.count() == 0 and Annotation.objects.count() == 0


def test_with_skip_invalid_the_other_lines_of_that_file_import(author):
    name = INTEROP / "doccano" / "import-test__sequence_labeling__example.jsonl"
    report = import_annotations_path(
        name, file_format="doccano", author=author, label_map=SAMPLE_MAP, skip_invalid=True
    )
    assert report.ok and report.written
    assert Article.objects.count() == 2
    assert list(Annotation.objects.values_list("exact", "kind")) == [("e", "claim")]


# ---- W3C examples ----


@pytest.mark.parametrize("path", W3C_INCORRECT, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_incorrect_w3c_example_is_refused_with_a_reason(path, author):
    report = import_annotations_path(path, file_format="w3c", author=author)
    assert not report.ok
    reasons = report.file_errors + [error for record in report.records for error in record.errors]
    assert reasons and all(len(reason) > 20 for reason in reasons)
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize("path", W3C_CORRECT, ids=lambda path: path.name)
def test_every_correct_w3c_example_is_read_and_what_it_cannot_be_is_said(path, author):
    report = import_annotations_path(path, file_format="w3c", author=author)
    assert report.ok, report.as_dict()
    for record in report.records:
        assert record.errors == []
        # None of them targets an article of this Workbench: each says why it is left out.
        assert record.skipped, record.as_dict()


def test_the_correct_quote_example_imports_onto_the_article_it_targets(author, tmp_path):
    """anno23's TextQuoteSelector on http://example.org/page1, once that page is an article
    and the annotation is tagged (the example has no tag: it is reported for that)."""
    article = ArticleFactory(
        url="http://example.org/page1",
        body="Before. And this is an anotation that has some text after it.",
    )
    example = json.loads((W3C_CORRECT[0].parent / "anno23.json").read_text())
    untagged = import_annotations_path(
        W3C_CORRECT[0].parent / "anno23.json", file_format="w3c", author=author
    )
    assert untagged.ok and Annotation.objects.count() == 0
    assert "no tag" in untagged.records[0].skipped[0]

    example["body"] = [
        {"type": "TextualBody", "purpose": "tagging", "value": "claim"},
        example["body"],
    ]
    tagged = tmp_path / "anno23-tagged.json"
    tagged.write_text(json.dumps(example), encoding="utf-8")
    report = import_annotations_path(tagged, file_format="w3c", author=author)
    assert report.ok and report.count("created") == 1
    annotation = Annotation.objects.get()
    assert (annotation.article, annotation.kind, annotation.exact) == (
        article,
        "claim",
        "anotation",
    )
    assert article.body[annotation.start : annotation.end] == "anotation"
