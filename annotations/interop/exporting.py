"""Annotations out to other tools: Label Studio JSON and doccano JSON Lines.

One record per article (both tools think in texts), holding its spans with the kind as
the label. Verified annotations by default, the research export's scope; editors may take
every live annotation (drafts, submitted, in review, decided; never withdrawn ones) to
move a whole project. Streamed: articles come in chunks with their spans prefetched, so
an export costs a constant number of queries per chunk and constant memory.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Prefetch, QuerySet

from ..models import Annotation, Article
from .doccano import doccano_line
from .label_studio import label_studio_tasks
from .records import InteropError, InteropFormat

CHUNK_SIZE = 200  # articles per round trip (bodies can be long)


class ExportScope(StrEnum):
    VERIFIED = "verified"
    ALL = "all"


@dataclass(frozen=True)
class InteropExportFormat:
    name: str
    label: str
    content_type: str
    extension: str


EXPORT_FORMATS = {
    InteropFormat.LABEL_STUDIO: InteropExportFormat(
        "label-studio", "Label Studio JSON", "application/json", "json"
    ),
    InteropFormat.DOCCANO: InteropExportFormat(
        "doccano", "doccano JSON Lines", "application/jsonl", "jsonl"
    ),
}


def annotations_in_scope(scope: ExportScope | str, *, article_id: int | None = None):
    """The annotations an export of `scope` holds (the caller checked who may ask)."""
    annotations = Annotation.objects.all()
    annotations = annotations.verified() if scope == ExportScope.VERIFIED else annotations.live()
    if article_id is not None:
        annotations = annotations.filter(article_id=article_id)
    return annotations


def _articles_with(annotations: QuerySet[Annotation]) -> Iterator[Article]:
    spans = annotations.only(
        "pk", "article_id", "author_id", "kind", "start", "end", "exact", "state"
    ).order_by("start", "-end", "pk")
    return (
        Article.objects.filter(pk__in=annotations.values("article_id"))
        .only("pk", "title", "body", "checksum", "url", "publisher", "published", "language")
        .order_by("pk")
        .prefetch_related(Prefetch("annotations", queryset=spans, to_attr="interop_annotations"))
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def stream_interop_export(
    file_format: InteropFormat | str, scope: ExportScope | str, *, article_id: int | None = None
) -> Iterator[str]:
    """The export as text pieces: a JSON array of tasks, or one doccano line per article."""
    try:
        file_format, scope = InteropFormat(file_format), ExportScope(scope)
    except ValueError as error:
        raise InteropError(str(error)) from None
    if file_format not in EXPORT_FORMATS:
        raise InteropError(f"Workbench does not export {file_format} files.")
    articles = _articles_with(annotations_in_scope(scope, article_id=article_id))
    if file_format == InteropFormat.DOCCANO:
        return (_dumps(doccano_line(article)) + "\n" for article in articles)
    return _json_array(label_studio_tasks(articles))


def _json_array(items: Iterator[dict]) -> Iterator[str]:
    separator = "[\n"
    for item in items:
        yield separator + _dumps(item)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def interop_filename(file_format: InteropFormat | str, scope: ExportScope | str, stamp: str) -> str:
    fmt = EXPORT_FORMATS[InteropFormat(file_format)]
    return f"workbench-{ExportScope(scope).value}-{fmt.name}-{stamp}.{fmt.extension}"
