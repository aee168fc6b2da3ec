"""Research exports of team work: the agreement report (one JSON document) and the
"all annotators" export (JSON Lines, one record per annotator's submitted span).

Both name annotators only by the research export's pseudonymous ids (`exporters.pseudonym`)
and reuse its article and attribute objects, so a data set can be published with its raw
annotations, its verified claims and its agreement, joined by article id and pseudonym.
docs/export.md describes both formats.
"""

import hashlib
from collections.abc import Iterator
from datetime import datetime
from itertools import batched

import orjson
from django.db.models import Exists, OuterRef

from .agreement_data import agreement_data, submitted_work
from .exporters import (
    _ANNOTATION_COLUMNS,
    CHUNK_SIZE,
    END_OF_EXPORT,
    _articles,
    _attributes,
    _ExportContext,
    _Rfc3339,
    _timestamp,
)
from .models import BlindSetting

AGREEMENT_SCHEMA_ID = "urn:workbench:agreement:v1"
ANNOTATORS_SCHEMA_ID = "urn:workbench:annotators:v1"
SUBMITTED_WORK_NOTE = (
    "Each annotator's submitted work: annotations submitted, in review, verified or "
    "rejected; drafts, withdrawn annotations and adjudicated reference spans left out."
)


def agreement_report(*, generated_at: datetime) -> dict:
    """Every article's agreement, the corpus figures and the verdict agreement, with
    annotators as pseudonyms (pairs and tables ordered by them)."""
    context = _ExportContext()
    data = agreement_data(annotator_key=context.pseudonym)
    return {
        "schema": AGREEMENT_SCHEMA_ID,
        "generated_at": _timestamp(generated_at),
        "work": SUBMITTED_WORK_NOTE,
        "annotators": sorted(
            {key for result in data.articles for key in result.spans_by_annotator}
        ),
        "single_annotator_articles": data.single_annotator_articles,
        "corpus": data.corpus.to_dict(),
        "verdicts": data.verdicts.to_dict(),
        "articles": [
            {
                "article": {
                    "id": result.article.id,
                    "title": result.article.title,
                    "length": result.article.body_length,
                },
                **result.agreement.to_dict(),
            }
            for result in data.articles
        ],
    }


def agreement_report_bytes(*, generated_at: datetime) -> bytes:
    return orjson.dumps(agreement_report(generated_at=generated_at), option=orjson.OPT_INDENT_2)


def annotator_record(row, article, context: _ExportContext) -> dict:
    """One annotator's submitted span (docs/export.md, "All annotators")."""
    span = article.span(row.start, row.end)
    span["exact"], span["prefix"], span["suffix"] = row.exact, row.prefix, row.suffix
    return {
        "id": row.id,
        "kind": row.kind,
        "article": article.research,
        "span": span,
        "attributes": _attributes(row, article),
        "annotator": context.pseudonym(row.author_id),
        "state": row.state,
        "blind": row.export_blind,
        "created_at": row.created,
        "submitted_at": row.submitted,
    }


def annotator_export(*, exported_at: datetime, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Every annotator's submitted spans as JSON Lines, in article and text order, then an
    end line with the record count and the SHA-256 of every byte before it.

    A chunk at a time, as the research export: the rows (one query through a server-side
    cursor) and the chunk's articles (one query), so memory does not grow with the export.
    """
    context = _ExportContext()
    blind = BlindSetting.objects.filter(article=OuterRef("article"))
    times = {"created": _Rfc3339("created_at"), "submitted": _Rfc3339("submitted_at")}
    rows = (
        submitted_work()
        .annotate(export_blind=Exists(blind), **times)
        .order_by("article_id", "start", "-end", "id")
        .values_list(*_ANNOTATION_COLUMNS, "state", "export_blind", *times, named=True)
        .iterator(chunk_size)
    )
    digest, count = hashlib.sha256(), 0
    for batch in batched(rows, chunk_size):
        articles = _articles({row.article_id for row in batch})
        block = b"".join(
            orjson.dumps(
                annotator_record(row, articles[row.article_id], context),
                option=orjson.OPT_APPEND_NEWLINE,
            )
            for row in batch
        )
        digest.update(block)
        count += len(batch)
        yield block
    end = {"schema": ANNOTATORS_SCHEMA_ID, "exported_at": _timestamp(exported_at),
           "records": count, "sha256": digest.hexdigest()}  # fmt: skip
    yield orjson.dumps({END_OF_EXPORT: end}, option=orjson.OPT_APPEND_NEWLINE)
