"""Importing another tool's file: read, parse, anchor, then write it all in one transaction.

What is written, and why so:

- **Articles** (Label Studio, doccano) are found by the checksum of their normalised body,
  like every import: a text already stored is reused (its annotations attach to it), a
  new one is created with an ImportBatch naming the file. W3C annotations create no
  article: they point at one already here.
- **Annotations** are created as **drafts** by the author (the importing person, or the
  user the command names). Spans made in another tool were never reviewed here: as drafts
  they sit with a person who can look at them, correct them and submit them (one at a
  time or "Submit my drafts"), and then go through review like any other. The author
  needs the right to annotate. Each gets a "created" history entry that names the file.
- **Idempotent**: an annotation is not created again when the author already has one of
  that kind on exactly that span of that article (in any state, withdrawn included, so a
  withdrawn import is not brought back), and a text stored once is not stored twice;
  importing a file a second time adds nothing.
- **All or nothing**: the whole file is written in one transaction, and not at all when
  any record was refused (each refusal is in the report). `skip_invalid` writes the
  records that passed and reports the others as left out. Spans whose label maps to no
  kind, predictions, and results that are not spans are skipped (reported), never a
  reason to refuse.

A write locks what it touches in the workflow's one order: the articles first (in id
order), then the annotations it creates; it bumps each article's `annotations_version`
so open screens notice, and emits `articles.imported` for new articles after commit.
"""

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse

from .. import events, policy
from ..importers import CHECKSUM_CHUNK, ImportFailed, decode, read_limited
from ..models import (
    Annotation,
    Article,
    HistoryAction,
    HistoryEntry,
    ImportBatch,
    State,
    WebhookEvent,
    body_checksum,
)
from ..policy import Action
from ..text import quote_context
from .doccano import parse_doccano
from .documents import SpanProblem
from .label_studio import parse_label_studio
from .offsets import OffsetUnit
from .records import (
    InteropError,
    InteropFormat,
    InteropReport,
    LabelMap,
    ParsedRecord,
    ParsedSpan,
    printable,
)
from .w3c import anchor_selectors, parse_w3c


def import_annotations(
    file: BinaryIO,
    *,
    filename: str,
    file_format: InteropFormat | str,
    author,
    imported_by=None,
    label_map: Mapping[str, str] | None = None,
    offsets: OffsetUnit | str | None = None,
    skip_invalid: bool = False,
) -> InteropReport:
    """Import one file of another tool (see the module docstring) and report per record.

    `label_map` maps the tool's labels to kinds (on top of DEFAULT_LABELS); `offsets`
    overrides the unit the format counts in. Raises InteropError for a bad format or unit
    and PermissionDenied when `author` may not annotate; everything about the file itself
    is in the report (`report.ok`, `report.written`).
    """
    try:
        file_format = InteropFormat(file_format)
    except ValueError:
        choices = ", ".join(InteropFormat)
        raise InteropError(f"Unknown format {file_format!r}: use one of {choices}.") from None
    try:
        unit = OffsetUnit(offsets) if offsets else None
    except ValueError:
        choices = ", ".join(OffsetUnit)
        raise InteropError(f"Unknown offset unit {offsets!r}: use one of {choices}.") from None
    policy.check(author, Action.CREATE_ANNOTATION)
    name = printable(Path(filename).name) or "upload"
    report = InteropReport(
        filename=name,
        format=file_format.value,
        author=author.get_username(),
        skip_invalid=skip_invalid,
    )
    try:
        data = read_limited(file, filename=name, max_bytes=settings.IMPORT_MAX_BYTES)
        text = decode(data, filename=name)
    except ImportFailed as failure:
        report.file_errors.extend(error.message for error in failure.errors)
        return report
    labels = LabelMap(label_map)
    if file_format == InteropFormat.LABEL_STUDIO:
        records, problems = parse_label_studio(text, labels=labels, unit=unit)
    elif file_format == InteropFormat.DOCCANO:
        records, problems = parse_doccano(text, labels=labels, unit=unit)
    else:
        records, problems = parse_w3c(text, labels=labels)
    report.records = [record.report for record in records]
    report.file_errors.extend(problems)
    if file_format == InteropFormat.W3C and not problems:
        _anchor_in_articles(records)
    for record_report in report.records:
        record_report.make_printable()
    if not report.ok:
        return report
    taken = [record for record in records if record.report.ok]
    try:
        _save(
            taken,
            report=report,
            author=author,
            imported_by=imported_by,
            file_checksum=hashlib.sha256(data).hexdigest(),
            labels=labels,
        )
    except IntegrityError:
        # Only a concurrent import of the same text can get here (checksums were read
        # inside the transaction just before).
        report.written = False
        report.file_errors.append(
            "Another import stored some of these texts at the same moment; nothing was "
            "imported from this file. Import it again to reuse them."
        )
        for record in report.records:
            record.article_id, record.article_status = None, ""
            record.created = record.duplicates = 0
    return report


def import_annotations_path(path: str | os.PathLike, **options) -> InteropReport:
    """`import_annotations` for a file on disk (the management command)."""
    path = Path(path)
    try:
        file = path.open("rb")
    except OSError as error:
        report = InteropReport(
            filename=path.name or str(path), format=str(options.get("file_format"))
        )
        report.file_errors.append(f"Cannot read {path}: {error.strerror}.")
        return report
    with file:
        return import_annotations(file, filename=path.name, **options)


# ---- W3C: finding the articles the annotations point at ----


def _article_path() -> tuple[str, str]:
    marker = 918273645
    before, after = reverse("article_detail", args=[marker]).split(str(marker))
    return settings.PUBLIC_BASE_URL.rstrip("/") + before, after


def _article_id_from_iri(iri: str, path: tuple[str, str]) -> int | None:
    before, after = path
    if iri.startswith(before) and iri.endswith(after):
        middle = iri[len(before) : len(iri) - len(after)]
        if middle.isascii() and middle.isdigit() and len(middle) < 19:
            return int(middle)
    return None


def _anchor_in_articles(records: list[ParsedRecord]) -> None:
    """Find each W3C record's article (two queries for the whole file) and anchor it."""
    path = _article_path()
    waiting = [record for record in records if record.report.ok and record.target]
    by_id, by_url = {}, {}
    ids = {_article_id_from_iri(record.target, path) for record in waiting} - {None}
    urls = {record.target.partition("#")[0] for record in waiting}
    fields = ("pk", "body", "url")
    for chunk in _chunks(sorted(ids)):
        by_id.update(
            (article.pk, article) for article in Article.objects.filter(pk__in=chunk).only(*fields)
        )
    for chunk in _chunks(sorted(urls)):
        # Several versions of one page: the newest (a correction supersedes the old text).
        for article in Article.objects.filter(url__in=chunk).only(*fields).order_by("pk"):
            by_url[article.url] = article
    for record in waiting:
        report = record.report
        article_id = _article_id_from_iri(record.target, path)
        article = by_id.get(article_id) if article_id is not None else None
        article = article or by_url.get(record.target.partition("#")[0])
        if article is None:
            report.skipped.append(
                f"No article here is {record.target}: import the article first (its url "
                "must be the target), or export from this Workbench."
            )
            record.labels = []
            continue
        report.article_id = article.pk
        try:
            start, end, note = anchor_selectors(article.body, record.selectors)
        except SpanProblem as problem:
            report.errors.append(f"In article {article.pk}: {problem}")
            continue
        if note:
            report.notes.append(note)
        record.body = article.body
        record.spans = [ParsedSpan(start, end, label, None) for label in record.labels]


def _chunks(values: list, size: int = CHECKSUM_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---- Writing ----


def _save(
    records: list[ParsedRecord],
    *,
    report: InteropReport,
    author,
    imported_by,
    file_checksum: str,
    labels: LabelMap,
) -> None:
    with transaction.atomic():
        articles = _articles(
            records, report=report, imported_by=imported_by, file_checksum=file_checksum
        )
        _lock_articles(sorted({article.pk for article in articles.values()}))
        created = _annotations(records, articles, report=report, author=author, labels=labels)
        touched = sorted({annotation.article_id for annotation in created})
        for chunk in _chunks(touched):
            Article.objects.filter(pk__in=chunk).update(
                annotations_version=F("annotations_version") + 1
            )
        report.written = bool(created) or report.batch_id is not None
        if report.batch_id is not None:
            events.emit(WebhookEvent.ARTICLES_IMPORTED, batch_id=report.batch_id)


def _articles(records, *, report: InteropReport, imported_by, file_checksum: str) -> dict:
    """Every record's article by record number: the stored one with the same text, or a
    new one (bulk-created under one ImportBatch). W3C records name theirs already."""
    found: dict[int, Article] = {}
    texts = [record for record in records if record.target == "" and record.body]
    checksums = {body_checksum(record.body) for record in texts}
    existing = {}
    for chunk in _chunks(sorted(checksums)):
        existing.update(
            (article.checksum, article)
            for article in Article.objects.filter(checksum__in=chunk).only("pk", "checksum", "body")
        )
    new: dict[str, Article] = {}
    for record in texts:
        checksum = body_checksum(record.body)
        article = existing.get(checksum)
        if article is not None:
            record.report.article_status = "existing"
        elif checksum in new:
            article = new[checksum]
            record.report.article_status = "existing"  # an earlier record of this file
        else:
            article = new[checksum] = Article(
                title=record.title,
                body=record.body,
                checksum=checksum,
                url=record.url,
                publisher=record.publisher,
                published=record.published,
                language=record.language,
            )
            record.report.article_status = "created"
        found[record.report.number] = article
    if new:
        batch = ImportBatch.objects.create(
            filename=report.filename[: ImportBatch._meta.get_field("filename").max_length],
            format=report.format,
            file_checksum=file_checksum,
            imported_by=imported_by,
            imported_count=len(new),
            duplicate_count=sum(r.report.article_status == "existing" for r in texts),
        )
        for article in new.values():
            article.import_batch = batch
        Article.objects.bulk_create(new.values(), batch_size=CHECKSUM_CHUNK)
        report.batch_id = batch.pk
    for record in texts:
        record.report.article_id = found[record.report.number].pk
    for record in records:
        if record.target and record.report.article_id is not None:
            found[record.report.number] = Article(pk=record.report.article_id, body=record.body)
    return found


def _lock_articles(ids: list[int]) -> None:
    """The workflow's lock order: articles first, in id order (FOR NO KEY UPDATE, which
    does not block foreign-key checks). SQLite's IMMEDIATE transaction already holds the
    database write lock."""
    if not ids or not connection.features.has_select_for_no_key_update:
        return
    for chunk in _chunks(ids):
        list(
            Article.objects.filter(pk__in=chunk)
            .order_by("pk")
            .select_for_update(no_key=True, of=("self",))
            .values_list("pk", flat=True)
        )


def _annotations(records, articles: dict, *, report: InteropReport, author, labels: LabelMap):
    """Create the drafts that are not there yet; one query per chunk of articles to find
    those, one bulk insert for the annotations and one for their history."""
    article_ids = sorted({article.pk for article in articles.values()})
    stored = set()
    for chunk in _chunks(article_ids):
        stored.update(
            Annotation.objects.filter(article_id__in=chunk, author=author).values_list(
                "article_id", "kind", "start", "end"
            )
        )
    new, origins = [], []
    for record in records:
        article = articles.get(record.report.number)
        if article is None:
            continue
        for span in record.spans:
            kind = span.kind or labels.kind(span.label)
            if kind is None:
                continue  # reported as skipped when parsed
            key = (article.pk, kind.value, span.start, span.end)
            if key in stored:
                record.report.duplicates += 1
                continue
            stored.add(key)
            prefix, suffix = quote_context(article.body, span.start, span.end)
            new.append(
                Annotation(
                    article_id=article.pk,
                    author=author,
                    kind=kind,
                    start=span.start,
                    end=span.end,
                    exact=article.body[span.start : span.end],
                    prefix=prefix,
                    suffix=suffix,
                    state=State.DRAFT,
                )
            )
            origins.append(record.report)
            record.report.created += 1
    if not new:
        return []
    Annotation.objects.bulk_create(new, batch_size=CHECKSUM_CHUNK)
    HistoryEntry.objects.bulk_create(
        (
            HistoryEntry(
                annotation=annotation,
                actor=author,
                action=HistoryAction.CREATED,
                to_state=State.DRAFT,
                changes={
                    "span": [None, [annotation.start, annotation.end]],
                    "kind": [None, annotation.kind],
                },
                comment=f"Imported from {report.format} file {report.filename}, {origin.location}.",
            )
            for annotation, origin in zip(new, origins, strict=True)
        ),
        batch_size=CHECKSUM_CHUNK,
    )
    return new
