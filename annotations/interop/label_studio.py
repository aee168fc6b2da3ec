"""Label Studio's JSON export in (tasks with annotations) and out.

**Reading.** The export is one JSON array of tasks (a single task object is accepted too).
A task holds its text in `data` (the field the labeling config names, usually `text`) and
its people's work in `annotations` (`completions` before Label Studio 1.0); each
annotation's `result` lists regions. A text span is a `labels` result whose `value` has
`start`, `end`, `labels` and, usually, the `text` it covers. Other results (`choices` for
the whole text, `textarea`, `relation`, HTML spans) are reported and left out; cancelled
annotations are left out; `predictions` are a model's proposals and are read and checked
but never stored (Workbench stores a proposal only when a person accepts it).

**Offsets.** Which unit an export counts depends on Label Studio's version: its editor
counted UTF-16 code units, JavaScript indices (HumanSignal/label-studio #1008, #1347); a
fix to store code points (#1559, folded into label-studio-frontend #308) makes later
exports Python-correct (#4988). Offsets are read as code points and checked against the
region's `text`; when they do not hold it but read as UTF-16 units they do, those are
taken and the record says so. Only a text with a character outside the Basic Multilingual
Plane can tell the two apart (the sample exports in the test fixtures have none). Label
Studio counts CR LF as two characters (its Text tag documentation), which the offset map
of `offsets` turns into Workbench's one LF.

**Writing** (`label_studio_tasks`): one task per article, `data.text` the stored body, one
annotation per Workbench author, offsets in code points with the region's text.
"""

from collections import Counter
from collections.abc import Iterable, Iterator

from ..inputs import text_problem
from ..models import Annotation, Article
from .documents import Document, RawSpan, anchor_spans, read_article_fields
from .json_text import JsonProblem, json_document
from .offsets import OffsetUnit
from .records import LabelMap, ParsedRecord, RecordReport, printable

SPAN_RESULT_TYPES = {"labels"}
# Spans Label Studio anchors by XPath or by paragraph, not by offsets into one text.
UNSUPPORTED_SPAN_TYPES = {"hypertextlabels", "paragraphlabels", "richtextlabels"}


def parse_label_studio(
    text: str, *, labels: LabelMap, unit: OffsetUnit | None = None
) -> tuple[list[ParsedRecord], list[str]]:
    """The tasks of a Label Studio JSON export, each anchored and reported; and the
    problems of the file as a whole (then there are no records)."""
    try:
        document = json_document(text)
    except JsonProblem as problem:
        return [], [f"{problem} A Label Studio export is one JSON array of tasks."]
    if isinstance(document, dict):
        tasks = [document]
    elif isinstance(document, list):
        tasks = document
    else:
        return [], ["A Label Studio export is a JSON array of tasks (objects)."]
    if not tasks:
        return [], ["The file holds no task."]
    records = [
        _task(task, number, labels=labels, unit=unit) for number, task in enumerate(tasks, 1)
    ]
    return records, []


def _task(task, number: int, *, labels: LabelMap, unit: OffsetUnit | None) -> ParsedRecord:
    report = RecordReport(number=number)
    record = ParsedRecord(report=report)
    if not isinstance(task, dict):
        report.errors.append("Not a task: each item of the array must be an object.")
        return record
    if task.get("id") is not None:
        report.ident = printable(str(task["id"])[:40])
    data = task.get("data")
    if not isinstance(data, dict):
        report.errors.append(
            "Not a Label Studio task: it has no “data” object (a doccano file? "
            "use the doccano format)."
        )
        return record
    completions = _list(task, ("annotations", "completions"), report)
    predictions = _list(task, ("predictions",), report)
    if report.errors:
        return record

    field = _text_field(data, completions + predictions, report)
    if field is None:
        return record
    raw = data[field]
    if (problem := text_problem(raw)) is not None:
        report.errors.append(f"Its text “{field}” {problem}.")
        return record
    try:
        document = Document(raw)
    except ValueError as error:
        report.errors.append(f"Its text cannot be normalised: {error}.")
        return record
    if not document.body:
        report.errors.append(f"Its text “{field}” is empty.")
        return record
    record.body = document.body
    fields = read_article_fields([data, task.get("meta") or {}], document.body, report)
    for name, value in fields.items():
        setattr(record, name, value)
    report.title = record.title

    spans = _regions(completions, report, what="annotation")
    proposed = _regions(predictions, report, what="prediction")
    anchoring = {"unit": unit or OffsetUnit.CODE_POINTS, "utf16_fallback": unit is None}
    record.spans = anchor_spans(document, spans, report=report, labels=labels, **anchoring)
    if proposed:
        scratch = RecordReport(number=number)
        record.proposals = anchor_spans(
            document, proposed, report=scratch, labels=labels, what="predicted span", **anchoring
        )
        report.skipped.append(
            f"{len(proposed)} predicted span{'s' if len(proposed) != 1 else ''}: predictions "
            "are a model's proposals, and Workbench stores a proposal only when a person "
            "accepts it."
        )
    return record


def _list(task: dict, names: tuple[str, ...], report: RecordReport) -> list:
    for name in names:
        value = task.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            report.errors.append(f"“{name}” must be a list.")
            return []
        return value
    return []


def _text_field(data: dict, completions: list, report: RecordReport) -> str | None:
    """Which field of `data` holds the text: the one the results name (`"source": "$x"`),
    else `text`, else the only string field."""
    named = {
        result["source"][1:]
        for completion in completions
        if isinstance(completion, dict) and isinstance(completion.get("result"), list)
        for result in completion["result"]
        if isinstance(result, dict)
        and isinstance(result.get("source"), str)
        and result["source"].startswith("$")
    }
    if len(named) == 1:
        field = named.pop()
    elif isinstance(data.get("text"), str):
        field = "text"
    else:
        strings = [name for name, value in data.items() if isinstance(value, str)]
        if len(strings) != 1:
            report.errors.append(
                "Its “data” has no “text” field and no single text field to annotate "
                f"(fields: {', '.join(sorted(map(str, data))) or 'none'})."
            )
            return None
        field = strings[0]
    if not isinstance(data.get(field), str) or not data[field].strip():
        report.errors.append(f"Its “data” has no text in “{field}”.")
        return None
    return field


def _regions(completions: list, report: RecordReport, *, what: str) -> list[RawSpan]:
    """The text spans of every completion (one RawSpan per label of a region); other
    result types and cancelled annotations are counted in `report.skipped`."""
    spans, other_types, cancelled = [], Counter(), 0
    for index, completion in enumerate(completions, 1):
        if not isinstance(completion, dict):
            report.errors.append(f"{what.capitalize()} {index} is not an object.")
            continue
        if completion.get("was_cancelled"):
            cancelled += 1
            continue
        results = completion.get("result", [])
        if not isinstance(results, list):
            report.errors.append(f"{what.capitalize()} {index}: “result” must be a list.")
            continue
        for result in results:
            kind = result.get("type") if isinstance(result, dict) else None
            if kind not in SPAN_RESULT_TYPES:
                other_types[str(kind)] += 1
                continue
            value = result.get("value")
            region_labels = value.get("labels") if isinstance(value, dict) else None
            if not isinstance(region_labels, list):
                report.errors.append(
                    f"{what.capitalize()} {index}: a “labels” result needs a value with "
                    "“start”, “end” and a list of “labels”."
                )
                continue
            for label in region_labels:
                spans.append(
                    RawSpan(value.get("start"), value.get("end"), label, value.get("text"))
                )
    if cancelled:
        report.skipped.append(
            f"{cancelled} cancelled {what}{'s' if cancelled != 1 else ''} (skipped in "
            "Label Studio, so skipped here too)."
        )
    for kind, count in sorted(other_types.items()):
        reason = (
            "spans anchored in HTML or paragraphs, not in one text"
            if kind in UNSUPPORTED_SPAN_TYPES
            else "Workbench imports text spans (“labels” results) only"
        )
        report.skipped.append(
            f"{count} “{kind}” result{'s' if count != 1 else ''} of {what}s: {reason}."
        )
    return spans


def label_studio_tasks(articles: Iterable[Article]) -> Iterator[dict]:
    """One Label Studio task per article with `article.interop_annotations` (see
    `exporting`): the body as `data.text`, one annotation per author."""
    for article in articles:
        by_author: dict[int, list[Annotation]] = {}
        for annotation in article.interop_annotations:
            by_author.setdefault(annotation.author_id, []).append(annotation)
        yield {
            "data": {
                "text": article.body,
                "title": article.title,
                "url": article.url or None,
                "publisher": article.publisher or None,
                "published": article.published.isoformat() if article.published else None,
                "language": article.language,
            },
            "meta": {"workbench_article": article.pk, "checksum": article.checksum},
            "annotations": [
                {
                    "result": [_region(annotation) for annotation in annotations],
                    "was_cancelled": False,
                    "ground_truth": False,
                }
                for annotations in by_author.values()
            ],
            "predictions": [],
        }


def _region(annotation: Annotation) -> dict:
    return {
        "id": f"wb{annotation.pk}",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {
            "start": annotation.start,
            "end": annotation.end,
            "text": annotation.exact,
            "labels": [annotation.kind],
        },
        "meta": {"text": [f"Workbench: {annotation.get_state_display().lower()}"]},
    }
