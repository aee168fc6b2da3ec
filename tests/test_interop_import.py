"""Importing other tools' files: drafts by the author, offsets converted and carried through
normalisation, all or nothing, idempotent, reported per record, a constant number of
queries whatever the number of spans."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import exporters, workflow
from annotations.interop import InteropError, import_annotations
from annotations.models import (
    Annotation,
    Article,
    HistoryAction,
    ImportBatch,
    State,
    WebhookDelivery,
    WebhookEndpoint,
)
from annotations.text import utf16_offset

from .factories import ArticleFactory, verified_annotation, workflow_draft

pytestmark = pytest.mark.django_db

EMOJI = "\U0001f30d"


def run(payload, file_format, author, *, filename=None, **options):
    if isinstance(payload, (list, dict)):
        data = json.dumps(payload).encode()  # \u escapes: lone surrogates can be sent too
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload
    name = filename or {"label-studio": "tasks.json", "doccano": "export.jsonl"}.get(
        file_format, "annotations.jsonld"
    )
    return import_annotations(
        io.BytesIO(data), filename=name, file_format=file_format, author=author, **options
    )


def ls_task(text, *regions, data=None, **task):
    """A Label Studio task with one annotation holding `regions` (start, end, label[, text])."""
    result = []
    for region in regions:
        start, end, label, *quoted = region
        value = {"start": start, "end": end, "labels": [label]}
        value["text"] = quoted[0] if quoted else text[start:end]
        result.append({"type": "labels", "from_name": "label", "to_name": "text", "value": value})
    return {"data": {"text": text, **(data or {})}, "annotations": [{"result": result}], **task}


def doccano_line(text, *spans, **fields):
    return json.dumps({"text": text, "label": [list(span) for span in spans], **fields})


def spans() -> list[tuple[str, str]]:
    return list(Annotation.objects.order_by("start").values_list("kind", "exact"))


# ---- What is created ----


def test_spans_become_drafts_of_the_author_with_their_history(annotator):
    text = "The minister said exports rose 30 percent in 2024."
    task = ls_task(
        text,
        (18, 41, "Claim"),
        (31, 41, "number"),
        data={"title": "Exports up", "url": "https://news.example.org/a/1"},
    )
    report = run([task], "label-studio", annotator)

    assert report.ok and report.written
    article = Article.objects.get()
    assert (article.title, article.url, article.body) == (
        "Exports up",
        "https://news.example.org/a/1",
        text,
    )
    assert spans() == [("claim", "exports rose 30 percent"), ("number", "30 percent")]
    for annotation in Annotation.objects.all():
        assert (annotation.author, annotation.state, annotation.version) == (
            annotator,
            State.DRAFT,
            1,
        )
        assert annotation.prefix == text[max(0, annotation.start - 32) : annotation.start]
        [entry] = annotation.history.all()
        assert entry.action == HistoryAction.CREATED and entry.actor == annotator
        assert entry.comment == "Imported from label-studio file tasks.json, record 1."
    batch = ImportBatch.objects.get()
    assert (batch.format, batch.filename, batch.imported_count) == ("label-studio", "tasks.json", 1)
    assert report.records[0].as_dict() | {"article": None} == {
        "record": 1,
        "line": None,
        "id": None,
        "title": "Exports up",
        "article": None,
        "article_status": "created",
        "created": 2,
        "duplicates": 0,
        "skipped": [],
        "errors": [],
        "notes": [],
    }
    assert article.annotations_version == 1


def test_a_text_without_title_is_titled_by_its_first_line(annotator):
    run(
        [ls_task("Port traffic rose.\nMore text follows here.", (0, 4, "claim"))],
        "label-studio",
        annotator,
    )
    assert Article.objects.get().title == "Port traffic rose."


def test_an_article_already_stored_is_reused_and_gets_the_annotations(annotator):
    article = ArticleFactory(body="Exports rose 30 percent.")
    report = run(doccano_line(article.body, (13, 23, "number")), "doccano", annotator)
    assert report.records[0].article_status == "existing"
    assert report.records[0].article_id == article.pk
    assert Article.objects.count() == 1 and ImportBatch.objects.count() == 0
    assert Annotation.objects.get().article == article


def test_a_second_run_adds_nothing_and_another_author_gets_their_own_drafts(
    annotator, other_annotator
):
    line = doccano_line("Exports rose 30 percent.", (13, 23, "number"))
    run(line, "doccano", annotator)
    again = run(line, "doccano", annotator)
    assert again.ok and not again.written
    assert (again.count("created"), again.count("duplicates")) == (0, 1)
    assert Annotation.objects.count() == 1

    theirs = run(line, "doccano", other_annotator)
    assert theirs.count("created") == 1
    assert Annotation.objects.filter(author=other_annotator).count() == 1


def test_a_withdrawn_import_is_not_brought_back(annotator):
    line = doccano_line("Exports rose 30 percent.", (13, 23, "number"))
    run(line, "doccano", annotator)
    draft = Annotation.objects.get()
    workflow.annotation_withdraw(annotation_id=draft.pk, user=annotator, version=draft.version)
    report = run(line, "doccano", annotator)
    assert report.count("duplicates") == 1
    assert Annotation.objects.count() == 1


# ---- Offsets ----


def test_label_studio_code_point_offsets_after_an_emoji(annotator):
    text = f"{EMOJI} Exports rose 30 percent."
    start = text.index("30")
    run([ls_task(text, (start, start + 10, "number"))], "label-studio", annotator)
    assert spans() == [("number", "30 percent")]


def test_old_label_studio_utf16_offsets_are_taken_when_only_they_hold_the_text(annotator):
    text = f"{EMOJI} Exports rose 30 percent."
    start = utf16_offset(text, text.index("30"))
    report = run(
        [ls_task(text, (start, start + 10, "number", "30 percent"))], "label-studio", annotator
    )
    assert spans() == [("number", "30 percent")]
    assert report.records[0].notes == [
        "offsets read as UTF-16 code units (as older Label Studio versions count)"
    ]


def test_doccano_offsets_are_utf16_code_units_by_default(annotator):
    text = f"{EMOJI}{EMOJI} Exports rose 30 percent."
    start = utf16_offset(text, text.index("30"))
    run(doccano_line(text, (start, start + 10, "number")), "doccano", annotator)
    assert spans() == [("number", "30 percent")]


def test_the_unit_can_be_said_for_a_whole_file(annotator):
    text = f"{EMOJI}{EMOJI} Exports rose 30 percent."
    start = text.index("30")
    run(
        doccano_line(text, (start, start + 10, "number")),
        "doccano",
        annotator,
        offsets="codepoints",
    )
    assert spans() == [("number", "30 percent")]
    with pytest.raises(InteropError, match="Unknown offset unit 'bytes'"):
        run(doccano_line(text), "doccano", annotator, offsets="bytes")


def test_doccano_grapheme_offsets(annotator):
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    text = f"{family} Exports rose 30 percent."
    start = 1 + len(" Exports rose ")  # the family counts as one
    run(
        doccano_line(text, (start, start + 10, "number")), "doccano", annotator, offsets="graphemes"
    )
    assert spans() == [("number", "30 percent")]


def test_crlf_and_decomposed_accents_shift_the_spans_to_the_same_words(annotator):
    text = "Cafe\u0301 owners\r\nsaid prices rose\r\n12 percent."
    start = text.index("12")
    run([ls_task(text, (start, start + 10, "number"))], "label-studio", annotator)
    article = Article.objects.get()
    assert article.body == "Café owners\nsaid prices rose\n12 percent."
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.exact) == (article.body.index("12"), "12 percent")


# ---- All or nothing, per-record reports ----


def test_one_bad_span_refuses_the_whole_file_and_names_it(annotator):
    good = ls_task("Exports rose 30 percent.", (13, 23, "number"))
    bad = ls_task("Imports fell 4 percent.", (13, 22, "number", "40 percent"))
    report = run([good, bad], "label-studio", annotator)
    assert not report.ok and not report.written
    [refused] = report.refused_records
    assert refused.location == "record 2"
    assert refused.errors == [
        "span [13, 22) counted in code points holds “4 percent”, not “40 percent” as the "
        "record says."
    ]
    assert Article.objects.count() == Annotation.objects.count() == ImportBatch.objects.count() == 0
    assert report.summary() == "Refused (1 problem): nothing was imported."


def test_skip_invalid_imports_the_other_records(annotator):
    good = ls_task("Exports rose 30 percent.", (13, 23, "number"))
    bad = ls_task("Imports fell 4 percent.", (13, 22, "number", "40 percent"))
    report = run([good, bad], "label-studio", annotator, skip_invalid=True)
    assert report.ok and report.written
    assert spans() == [("number", "30 percent")]
    assert Article.objects.count() == 1
    assert "1 invalid records left out" in report.summary()


def test_unmapped_labels_are_skipped_and_reported_until_mapped(annotator):
    line = doccano_line(
        "Google said revenue rose 12 percent.", (0, 6, "ORG"), (7, 11, "ORG"), (25, 35, "PERCENT")
    )
    report = run(line, "doccano", annotator)
    assert report.ok
    assert spans() == [("number", "12 percent")]
    assert report.records[0].skipped == [
        "2 spans labelled “ORG”: the label is not mapped to a kind (map it: ORG=claim, number "
        "or quotation)."
    ]
    mapped = run(line, "doccano", annotator, label_map={"ORG": "quotation"})
    assert mapped.count("created") == 2 and mapped.count("duplicates") == 1


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "The file is empty."),
        (b"\xff\xfe{}", "Invalid UTF-8"),
        (b"[1, 2", "Not valid JSON"),
        (b'{"text": "no data"}', "it has no “data” object"),
        (b"[]", "The file holds no task."),
    ],
)
def test_files_that_are_not_label_studio_exports_are_refused(annotator, data, problem):
    report = run(data, "label-studio", annotator)
    assert not report.ok
    assert problem in " ".join(
        report.file_errors + report.records[0].errors if report.records else report.file_errors
    )
    assert Article.objects.count() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(annotator, settings):
    settings.IMPORT_MAX_BYTES = 100
    report = run(doccano_line("x" * 200), "doccano", annotator)
    assert "too large" in report.file_errors[0]


def test_the_author_must_be_allowed_to_annotate(researcher):
    with pytest.raises(PermissionDenied):
        run(doccano_line("Exports rose 30 percent.", (13, 23, "number")), "doccano", researcher)
    assert Article.objects.count() == 0


def test_an_unknown_format_is_an_error_not_a_guess(annotator):
    with pytest.raises(InteropError, match="Unknown format 'brat'"):
        run(b"{}", "brat", annotator)


def test_the_number_of_queries_does_not_grow_with_the_spans(annotator):
    def queries_for(count: int, seed: str) -> int:
        words = [f"{seed}{index}" for index in range(count)]
        text = " ".join(words)
        regions, position = [], 0
        for word in words:
            regions.append((position, position + len(word), "claim"))
            position += len(word) + 1
        with CaptureQueriesContext(connection) as queries:
            report = run([ls_task(text, *regions)], "label-studio", annotator)
        assert report.count("created") == count
        return len(queries)

    queries_for(1, "warm")  # the author's permissions are cached after the first check
    # Inserts go by 500 rows: up to there, one statement each whatever the count.
    assert queries_for(5, "a") == queries_for(450, "b")


def test_an_import_of_new_articles_is_announced_to_webhooks(
    annotator, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    WebhookEndpoint.objects.create(
        url="https://hooks.example.org/in", secret="s" * 20, events=["articles.imported"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = run(
            doccano_line("Exports rose 30 percent.", (13, 23, "number")), "doccano", annotator
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "articles.imported"
    assert json.loads(delivery.body)["batch"]["id"] == report.batch_id


# ---- W3C annotations onto stored articles ----


def w3c(source, *selectors, tag="claim", **extra):
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://hypothes.is/a/abc123",
        "type": "Annotation",
        "motivation": "tagging",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": tag},
        "target": {"source": source, "selector": list(selectors)},
        **extra,
    }


def position(start, end):
    return {"type": "TextPositionSelector", "start": start, "end": end}


def quote(exact, prefix="", suffix=""):
    return {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}


@pytest.fixture
def story(db):
    return ArticleFactory(
        url="https://news.example.org/story",
        body="Exports rose 5 percent in March. Imports rose 5 percent in April.",
    )


def test_a_position_that_holds_the_quote_is_taken(annotator, story):
    start = story.body.index("Imports")
    annotation = w3c(story.url, position(start, start + 7), quote("Imports"))
    report = run(annotation, "w3c", annotator)
    assert report.ok and spans() == [("claim", "Imports")]
    assert report.records[0].article_id == story.pk


def test_the_article_iri_of_this_workbench_is_a_target(annotator, story, settings):
    iri = f"{settings.PUBLIC_BASE_URL}/articles/{story.pk}/"
    run(w3c(iri, position(0, 7)), "w3c", annotator)
    assert spans() == [("claim", "Exports")]


def test_a_quote_alone_is_found_and_its_context_picks_the_occurrence(annotator, story):
    run(
        w3c(story.url, quote("5 percent", prefix="Imports rose ", suffix=" in April")),
        "w3c",
        annotator,
    )
    annotation = Annotation.objects.get()
    assert annotation.start == story.body.index("5 percent in April")


def test_a_position_that_misses_its_quote_is_re_anchored_by_the_quote(annotator, story):
    annotation = w3c(story.url, position(0, 7), quote("March", prefix="in ", suffix="."))
    report = run(annotation, "w3c", annotator)
    assert spans() == [("claim", "March")]
    assert report.records[0].notes == ["re-anchored by its quote: its position did not hold it"]


@pytest.mark.parametrize(
    "selector, problem",
    [
        (quote("5 percent"), "occurs 2 times"),
        (quote("tariffs"), "“tariffs” is not in the article"),
        (position(60, 900), "outside the article"),
    ],
)
def test_a_span_that_cannot_be_placed_refuses_the_file(annotator, story, selector, problem):
    report = run(w3c(story.url, selector), "w3c", annotator)
    assert not report.ok
    assert problem in report.records[0].errors[0]
    assert Annotation.objects.count() == 0


def test_an_annotation_of_an_unknown_page_is_reported_and_left_out(annotator, story):
    report = run(
        [w3c(story.url, position(0, 7)), w3c("https://elsewhere.example/x", position(0, 3))],
        "w3c",
        annotator,
    )
    assert report.ok and report.count("created") == 1
    assert "No article here is https://elsewhere.example/x" in report.records[1].skipped[0]


def test_json_lines_of_annotations_are_read(annotator, story):
    lines = "\n".join(json.dumps(w3c(story.url, quote(word))) for word in ("Exports", "Imports"))
    report = run(lines, "w3c", annotator)
    assert [record.line for record in report.records] == [1, 2]
    assert spans() == [("claim", "Exports"), ("claim", "Imports")]


def test_workbench_s_own_w3c_export_imports_back_as_drafts_on_the_same_spans(
    annotator, other_annotator
):
    verified = verified_annotation(author=annotator)
    workflow_draft(annotator, article=verified.article, phrase="More than 200 projects")
    exported = "".join(exporters.stream_export("w3c"))
    report = run(exported, "w3c", other_annotator)
    assert report.ok
    [copy] = Annotation.objects.filter(author=other_annotator)
    assert (copy.article_id, copy.kind, copy.start, copy.end, copy.state) == (
        verified.article_id,
        verified.kind,
        verified.start,
        verified.end,
        State.DRAFT,
    )


def test_selectors_nested_too_deeply_are_refused_not_a_crash(annotator, story):
    selector = quote("Exports")
    for _ in range(700):
        selector = {"type": "TextQuoteSelector", "exact": "x", "refinedBy": selector}
    report = run(w3c(story.url, selector), "w3c", annotator)
    assert not report.ok
    reasons = " ".join(report.file_errors + [e for r in report.records for e in r.errors])
    assert "nested too deeply" in reasons


@pytest.mark.parametrize("source", ["https://news.example.org/a\u0000b", "https://x.org/\ud800"])
def test_a_target_that_no_iri_can_be_is_refused_before_any_query(annotator, source):
    report = run(w3c(source, position(0, 7)), "w3c", annotator)
    assert not report.ok
    assert "must be an IRI" in report.records[0].errors[0]
