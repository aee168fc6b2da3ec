"""What an import reads and what it reports: records, spans, labels, and the report.

A *record* is one unit of another tool's file: a Label Studio task, a doccano line, a W3C
annotation. Each record gets its own `RecordReport` (what became of it and why), so a
person, the command line and an API endpoint all say the same thing per record.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from ..models import Article, Kind

TITLE_MAX = Article._meta.get_field("title").max_length
# A title made from the first line of a text: long enough to recognise, short enough to list.
DERIVED_TITLE_LENGTH = 120


# What a file may hold but no page or database can: NUL and lone surrogates (JSON's
# "\u0000" and "\ud800" escapes).
_UNPRINTABLE = re.compile("[\x00\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD, for reports and history."""
    return _UNPRINTABLE.sub("\ufffd", text)


class InteropFormat(StrEnum):
    LABEL_STUDIO = "label-studio"
    DOCCANO = "doccano"
    W3C = "w3c"


class InteropError(ValueError):
    """A request to import or export that cannot be carried out as given (a bad --map,
    an unknown format); the message says what to change."""


# Labels that mean a Workbench kind whatever the project called them (compared without
# case). A team's own names go through --map; numeric entity types of common NER schemes
# (spaCy, OntoNotes) are numbers as Workbench means them.
DEFAULT_LABELS = {
    "claim": Kind.CLAIM,
    "claims": Kind.CLAIM,
    "number": Kind.NUMBER,
    "numbers": Kind.NUMBER,
    "quotation": Kind.QUOTATION,
    "quotations": Kind.QUOTATION,
    "quote": Kind.QUOTATION,
    "quotes": Kind.QUOTATION,
    "cardinal": Kind.NUMBER,
    "money": Kind.NUMBER,
    "percent": Kind.NUMBER,
    "quantity": Kind.NUMBER,
}


def parse_label_map(pairs: Iterable[str]) -> dict[str, Kind]:
    """`["ORG=claim", "Money=number"]` -> {"ORG": Kind.CLAIM, ...}; InteropError if bad.

    The label is everything before the last "=", so a label may itself hold one.
    """
    mapping = {}
    for pair in pairs:
        label, equals, kind = pair.rpartition("=")
        label, kind = label.strip(), kind.strip().lower()
        if not equals or not label:
            raise InteropError(f"“{pair}” is not LABEL=kind (for example ORG=claim).")
        if kind not in Kind.values:
            raise InteropError(f"“{pair}”: {kind!r} is not a kind; use claim, number or quotation.")
        mapping[label] = Kind(kind)
    return mapping


class LabelMap:
    """Which kind a label means: the given mapping first (exact, then ignoring case),
    then DEFAULT_LABELS."""

    def __init__(self, mapping: Mapping[str, str] | None = None):
        self.exact = {label: Kind(kind) for label, kind in (mapping or {}).items()}
        self.folded = {label.casefold(): kind for label, kind in self.exact.items()}

    def kind(self, label: str) -> Kind | None:
        if label in self.exact:
            return self.exact[label]
        folded = label.casefold()
        return self.folded.get(folded) or DEFAULT_LABELS.get(folded)


@dataclass(frozen=True)
class ParsedSpan:
    """A span anchored in a normalised body: code points, end exclusive."""

    start: int
    end: int
    label: str
    kind: Kind | None

    def key(self) -> tuple[int, int, str]:
        return self.start, self.end, self.label


@dataclass
class RecordReport:
    """What became of one record: its article, its spans, and every reason a span or the
    record itself was left out."""

    number: int  # 1-based position in the file
    line: int | None = None  # the line the record starts on, when the file has lines
    ident: str = ""  # the record's own id in the other tool, when it has one
    title: str = ""
    article_id: int | None = None
    article_status: str = ""  # "created", "existing", "" (not imported)
    created: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        where = f"record {self.number}"
        if self.line is not None:
            where += f" (line {self.line})"
        if self.ident:
            where += f", id {self.ident}"
        return where

    @property
    def ok(self) -> bool:
        return not self.errors

    def make_printable(self) -> None:
        """Labels and ids from a file end up in messages: keep them storable and showable."""
        self.ident, self.title = printable(self.ident), printable(self.title)
        for messages in (self.skipped, self.errors, self.notes):
            messages[:] = [printable(message) for message in messages]

    def as_dict(self) -> dict:
        return {
            "record": self.number,
            "line": self.line,
            "id": self.ident or None,
            "title": self.title or None,
            "article": self.article_id,
            "article_status": self.article_status or None,
            "created": self.created,
            "duplicates": self.duplicates,
            "skipped": list(self.skipped),
            "errors": list(self.errors),
            "notes": list(self.notes),
        }


@dataclass
class ParsedRecord:
    """One record read from a file, not yet saved.

    Label Studio and doccano records carry their text (`body`, normalised); W3C records
    point at an article by `target` (an IRI) and are anchored once it is found.
    """

    report: RecordReport
    body: str = ""
    title: str = ""
    url: str = ""
    publisher: str = ""
    published: date | None = None
    language: str = ""
    spans: list[ParsedSpan] = field(default_factory=list)
    # Spans a model proposed (Label Studio predictions): read and checked, never saved.
    proposals: list[ParsedSpan] = field(default_factory=list)
    target: str = ""
    # W3C selectors, kept raw until the target's body is known.
    selectors: dict = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


@dataclass
class InteropReport:
    """One file's import: every record's report, and whether anything was written."""

    filename: str
    format: str
    author: str = ""
    records: list[RecordReport] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    skip_invalid: bool = False
    written: bool = False
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        """True when the file was taken: no file-level problem and, unless invalid records
        were to be skipped, no record refused."""
        if self.file_errors:
            return False
        return self.skip_invalid or all(record.ok for record in self.records)

    @property
    def refused_records(self) -> list[RecordReport]:
        return [record for record in self.records if not record.ok]

    def count(self, name: str) -> int:
        return sum(getattr(record, name) for record in self.records)

    @property
    def articles_created(self) -> int:
        return sum(record.article_status == "created" for record in self.records)

    @property
    def articles_existing(self) -> int:
        return sum(record.article_status == "existing" for record in self.records)

    @property
    def skipped_count(self) -> int:
        return sum(len(record.skipped) for record in self.records)

    def summary(self) -> str:
        if not self.ok:
            problems = len(self.file_errors) + len(self.refused_records)
            return (
                f"Refused ({problems} problem{'s' if problems != 1 else ''}): nothing was imported."
            )
        parts = [
            f"{self.count('created')} annotation{'s' if self.count('created') != 1 else ''} "
            "created as drafts",
            f"{self.count('duplicates')} already there",
            f"{self.skipped_count} skipped",
        ]
        if self.format != InteropFormat.W3C:
            parts.insert(
                0,
                f"{self.articles_created} article{'s' if self.articles_created != 1 else ''} "
                f"created, {self.articles_existing} already stored",
            )
        if self.skip_invalid and self.refused_records:
            parts.append(f"{len(self.refused_records)} invalid records left out")
        return "; ".join(parts) + "."

    def as_dict(self) -> dict:
        return {
            "filename": self.filename,
            "format": self.format,
            "author": self.author or None,
            "ok": self.ok,
            "written": self.written,
            "summary": self.summary(),
            "articles_created": self.articles_created,
            "articles_existing": self.articles_existing,
            "annotations_created": self.count("created"),
            "annotations_existing": self.count("duplicates"),
            "skipped": self.skipped_count,
            "errors": list(self.file_errors),
            "records": [record.as_dict() for record in self.records],
        }
