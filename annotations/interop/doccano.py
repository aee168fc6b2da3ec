"""doccano's JSON Lines export in (texts with labelled spans) and out.

**Reading.** One JSON object per text; the sample exports also pretty-print one object
over many lines, so the file is read as a stream of JSON values. The text is `text`;
spans come as `label: [[start, end, "LABEL"], …]` (sequence labeling) or as `entities:
[{"start_offset", "end_offset", "label"}, …]` (with relations, which are reported and left
out). A `label` list of plain strings labels the whole text (text classification): those
labels are reported and the text is imported without spans. `meta` may hold a title, url,
publisher, published date and language.

**Offsets.** doccano's annotation screen measures selections with JavaScript string
indices, UTF-16 code units (doccano/doccano #2290, #2484), unless the project counts
"grapheme clusters as one character"; its exports carry no span text to check them
against. Offsets are therefore read as UTF-16 code units by default (identical to code
points for text without characters outside the Basic Multilingual Plane, as in the sample
files); `offsets=graphemes` or `codepoints` says otherwise for a whole file.

**Writing** (`doccano_line`): one line per article, `label` with UTF-16 offsets and the
kind as the label, plus `title`, `url` and `article_id` (doccano keeps unknown fields as
meta data).
"""

from collections import Counter

from ..inputs import text_problem
from ..models import Article
from .documents import Document, RawSpan, anchor_spans, read_article_fields
from .json_text import JsonProblem, json_stream
from .offsets import OffsetUnit, UnitIndex
from .records import LabelMap, ParsedRecord, RecordReport, printable


def parse_doccano(
    text: str, *, labels: LabelMap, unit: OffsetUnit | None = None
) -> tuple[list[ParsedRecord], list[str]]:
    """Every text of a doccano export, anchored and reported; file-level problems."""
    records = []
    stream = json_stream(text)
    if stream and all(isinstance(item, JsonProblem) for item in stream):
        return [], [f"{stream[0]} (line {stream[0].line}): a doccano export is JSON Lines."]
    for item in stream:
        if isinstance(item, JsonProblem):
            report = RecordReport(number=len(records) + 1, line=item.line)
            report.errors.append(f"{item}")
            records.append(ParsedRecord(report=report))
            continue
        values = item.value if isinstance(item.value, list) else [item.value]
        for value in values:
            records.append(_record(value, len(records) + 1, item.line, labels=labels, unit=unit))
    if not records:
        return [], ["The file holds no record."]
    return records, []


def _record(value, number: int, line: int, *, labels: LabelMap, unit) -> ParsedRecord:
    report = RecordReport(number=number, line=line)
    record = ParsedRecord(report=report)
    if not isinstance(value, dict):
        report.errors.append("Each record must be a JSON object with a “text”.")
        return record
    if value.get("id") is not None:
        report.ident = printable(str(value["id"])[:40])
    raw = value.get("text")
    if raw is None and isinstance(value.get("data"), str):
        raw = value["data"]  # doccano before 1.0
    if not isinstance(raw, str) or not raw.strip():
        report.errors.append("It has no “text” to annotate.")
        return record
    if (problem := text_problem(raw)) is not None:
        report.errors.append(f"Its text {problem}.")
        return record
    try:
        document = Document(raw)
    except ValueError as error:
        report.errors.append(f"Its text cannot be normalised: {error}.")
        return record
    record.body = document.body
    meta = value.get("meta") if isinstance(value.get("meta"), dict) else {}
    for name, field_value in read_article_fields([value, meta], document.body, report).items():
        setattr(record, name, field_value)
    report.title = record.title

    spans = _spans(value, report)
    record.spans = anchor_spans(
        document, spans, report=report, labels=labels, unit=unit or OffsetUnit.UTF16
    )
    return record


def _spans(value: dict, report: RecordReport) -> list[RawSpan]:
    spans, whole_text = [], Counter()
    for key in ("label", "labels"):
        items = value.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            report.errors.append(f"“{key}” must be a list.")
            continue
        for index, item in enumerate(items, 1):
            if isinstance(item, str):
                whole_text[item] += 1
            elif isinstance(item, list) and len(item) == 3:
                spans.append(RawSpan(item[0], item[1], item[2]))
            else:
                report.errors.append(
                    f"“{key}” item {index} is neither [start, end, label] nor a label."
                )
    entities = value.get("entities")
    if entities is not None:
        if not isinstance(entities, list):
            report.errors.append("“entities” must be a list.")
            entities = []
        for index, entity in enumerate(entities, 1):
            if not isinstance(entity, dict):
                report.errors.append(f"Entity {index} is not an object.")
                continue
            spans.append(
                RawSpan(entity.get("start_offset"), entity.get("end_offset"), entity.get("label"))
            )
    if whole_text:
        names = ", ".join(f"“{label}”" for label in whole_text)
        report.skipped.append(
            f"Labels of the whole text ({names}): Workbench annotates spans of a text."
        )
    relations = value.get("relations")
    if isinstance(relations, list) and relations:
        report.skipped.append(
            f"{len(relations)} relation{'s' if len(relations) != 1 else ''} between spans: "
            "Workbench has no relations (the spans themselves are imported)."
        )
    return spans


def doccano_line(article: Article) -> dict:
    """One doccano record for an article with `article.interop_annotations`."""
    units = UnitIndex(article.body)
    return {
        "text": article.body,
        "label": [
            [units.utf16(annotation.start), units.utf16(annotation.end), annotation.kind]
            for annotation in article.interop_annotations
        ],
        "title": article.title,
        "url": article.url or None,
        "article_id": article.pk,
    }
