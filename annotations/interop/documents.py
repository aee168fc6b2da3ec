"""A text brought by another tool, and its spans anchored in the body Workbench will store.

`Document` normalises the text once (`normalise_body`, with the offset map of `offsets`)
and checks every span the tool gave: whole numbers, inside the text, counted in the
tool's unit, holding the text the tool says it holds, with both ends on boundaries that
survive normalisation and never inside a user-perceived character. A span that fails is
refused with a reason; none is moved to a place the tool did not mean.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from ..importers import DEFAULT_LANGUAGE, LANGUAGE_MAX, PUBLISHER_MAX, URL_MAX
from ..inputs import text_problem
from ..text import grapheme_split_problem, normalise_line
from .offsets import OffsetUnit, UnitIndex, normalise_with_offsets
from .records import DERIVED_TITLE_LENGTH, TITLE_MAX, LabelMap, ParsedSpan, RecordReport

# Problems listed per record; past this many a count says how many more there were.
MAX_PROBLEMS_PER_RECORD = 20

UNIT_NAMES = {
    OffsetUnit.CODE_POINTS: "code points",
    OffsetUnit.UTF16: "UTF-16 code units",
    OffsetUnit.GRAPHEMES: "grapheme clusters",
}


class SpanProblem(ValueError):
    """Why one span cannot be anchored; the message names the span."""


@dataclass(frozen=True)
class RawSpan:
    """A span as the other tool wrote it: offsets in its unit, its label, maybe its text."""

    start: object
    end: object
    label: object
    text: str | None = None


def _is_whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _quoted(text: str, limit: int = 40) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"“{text}”"


class Document:
    """One text of another tool's file, normalised, with the means to anchor its spans."""

    def __init__(self, raw: str):
        self.raw = raw
        self.body, self._map = normalise_with_offsets(raw)
        self._units = UnitIndex(raw)

    def anchor(self, span: RawSpan, unit: OffsetUnit, *, utf16_fallback: bool = False):
        """(start, end, note) in the body for `span`; SpanProblem when it cannot be placed.

        `utf16_fallback`: when the offsets read as `unit` do not hold the span's text but
        read as UTF-16 code units they do, take those (Label Studio counted UTF-16 units
        before it counted code points); `note` then says so.
        """
        start, end = span.start, span.end
        described = f"[{start}, {end})"
        if not (_is_whole_number(start) and _is_whole_number(end)):
            raise SpanProblem(f"{described}: start and end must be whole numbers.")
        if not 0 <= start < end:
            raise SpanProblem(f"{described}: a span starts at 0 or later and ends after it starts.")
        if span.text is not None and not isinstance(span.text, str):
            raise SpanProblem(f"{described}: its text must be a string.")
        note = None
        raw_start, raw_end = self._in_code_points(span, unit)
        if span.text is not None and self.raw[raw_start:raw_end] != span.text:
            held = self.raw[raw_start:raw_end]
            tried = UNIT_NAMES[unit]
            fallback = None
            if utf16_fallback and unit != OffsetUnit.UTF16 and self._units.has_astral:
                tried += " or UTF-16 code units"
                fallback = self._holding_text_in_utf16(span)
            if fallback is None:
                raise SpanProblem(
                    f"{described} counted in {tried} holds {_quoted(held)}, not "
                    f"{_quoted(span.text)} as the record says."
                )
            raw_start, raw_end = fallback
            note = "offsets read as UTF-16 code units (as older Label Studio versions count)"
        body_start = self._map.body_index(raw_start)
        body_end = self._map.body_index(raw_end)
        if body_start is None or body_end is None:
            which = " and ".join(
                name for name, index in (("start", body_start), ("end", body_end)) if index is None
            )
            raise SpanProblem(
                f"{described}: its {which} has no place in the text as Workbench stores it "
                "(between the CR and LF of a line break, inside a letter and accent that "
                "Unicode NFC joins, or in blank lines removed at either end)."
            )
        if body_start >= body_end:
            raise SpanProblem(f"{described}: nothing of it is left once the text is normalised.")
        if (problem := grapheme_split_problem(self.body, body_start, body_end)) is not None:
            raise SpanProblem(f"{described}: {problem}")
        return body_start, body_end, note

    def _holding_text_in_utf16(self, span: RawSpan) -> tuple[int, int] | None:
        try:
            start, end = self._in_code_points(span, OffsetUnit.UTF16)
        except SpanProblem:
            return None
        return (start, end) if self.raw[start:end] == span.text else None

    def _in_code_points(self, span: RawSpan, unit: OffsetUnit) -> tuple[int, int]:
        start = self._units.code_point(span.start, unit)
        end = self._units.code_point(span.end, unit)
        if start is None or end is None:
            length = {
                OffsetUnit.CODE_POINTS: len(self.raw),
                OffsetUnit.UTF16: self._units.utf16(len(self.raw)),
            }.get(unit)
            size = f" of {length} {UNIT_NAMES[unit]}" if length is not None else ""
            raise SpanProblem(
                f"[{span.start}, {span.end}) counted in {UNIT_NAMES[unit]} is outside the "
                f"text{size} or splits a character written as two UTF-16 units."
            )
        return start, end


def anchor_spans(
    document: Document,
    raw_spans: list[RawSpan],
    *,
    report: RecordReport,
    labels: LabelMap,
    unit: OffsetUnit,
    utf16_fallback: bool = False,
    what: str = "span",
) -> list[ParsedSpan]:
    """Anchor every span; errors go to `report.errors`, unmapped labels to `report.skipped`
    (one line per label), notes to `report.notes`. Returns the anchored spans (with a kind
    or, for unmapped labels, None)."""
    anchored, errors, unmapped, notes = [], [], Counter(), set()
    for span in raw_spans:
        if not isinstance(span.label, str) or not span.label.strip():
            errors.append(
                f"{what} [{span.start}, {span.end}): its label must be a non-empty string."
            )
            continue
        try:
            start, end, note = document.anchor(span, unit, utf16_fallback=utf16_fallback)
        except SpanProblem as problem:
            errors.append(f"{what} {problem}")
            continue
        if note:
            notes.add(note)
        kind = labels.kind(span.label)
        if kind is None:
            unmapped[span.label] += 1
        anchored.append(ParsedSpan(start, end, span.label, kind))
    report.errors.extend(errors[:MAX_PROBLEMS_PER_RECORD])
    if len(errors) > MAX_PROBLEMS_PER_RECORD:
        report.errors.append(f"… and {len(errors) - MAX_PROBLEMS_PER_RECORD} more bad spans.")
    for label, count in unmapped.items():
        report.skipped.append(
            f"{count} {what}{'s' if count != 1 else ''} labelled “{label}”: the label is not "
            f"mapped to a kind (map it: {label}=claim, number or quotation)."
        )
    report.notes.extend(sorted(notes))
    return anchored


def _shorten_title(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    kept = line[: limit - 1]
    if " " in kept:
        kept = kept.rpartition(" ")[0]
    return kept.rstrip(" ,;:.-–—") + "…"


def parse_date(value: str) -> date | None:
    """An ISO date, or the day of an ISO timestamp as written (no timezone shift)."""
    for parse in (date.fromisoformat, lambda text: datetime.fromisoformat(text).date()):
        try:
            return parse(value)
        except ValueError:
            continue
    return None


def derived_title(body: str) -> str:
    """A title for a text that came without one: its first line, shortened."""
    first = next((line for line in body.split("\n") if line.strip()), body)
    return _shorten_title(normalise_line(first), DERIVED_TITLE_LENGTH)


def _optional_text(source: Mapping, name: str, report: RecordReport, max_length: int) -> str:
    value = source.get(name)
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or text_problem(value) is not None or "\n" in value.strip():
        report.notes.append(f"“{name}” ignored: not a single line of text.")
        return ""
    value = normalise_line(value)
    if len(value) > max_length:
        report.notes.append(f"“{name}” ignored: longer than {max_length} characters.")
        return ""
    return value


def read_article_fields(sources: list[Mapping], body: str, report: RecordReport) -> dict:
    """Title, url, publisher, published and language from the first of `sources` (the
    record's own fields, then its meta data) that has each; a bad optional field is left
    out with a note, never a reason to refuse the text."""

    def first(name: str, max_length: int) -> str:
        for source in sources:
            if isinstance(source, Mapping) and source.get(name) not in (None, ""):
                return _optional_text(source, name, report, max_length)
        return ""

    title = first("title", TITLE_MAX) or derived_title(body)
    url = first("url", URL_MAX)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            report.notes.append("“url” ignored: not an http(s) address.")
            url = ""
    published = None
    if raw_date := first("published", 40):
        published = parse_date(raw_date)
        if published is None:
            report.notes.append(f"“published” ignored: {raw_date!r} is not an ISO date.")
    return {
        "title": title,
        "url": url,
        "publisher": first("publisher", PUBLISHER_MAX),
        "published": published,
        "language": first("language", LANGUAGE_MAX) or DEFAULT_LANGUAGE,
    }
