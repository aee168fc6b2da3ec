"""Articles: list with filters, read one with its annotations, create one or many.

Creating goes through the importer exactly as a JSON Lines file does (`importers.import_file`):
the same normalisation, limits, checksums and all-or-nothing rule, so an article the Import
page refuses is refused here too, with the record's index in place of a line number.
"""

import io
import json
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router
from ninja.responses import Status

from .. import importers, policy
from ..models import Annotation, Article, ArticleCounts, Scope
from ..policy import Action
from ..visibility import visible_annotations
from . import pagination
from .annotations import for_api
from .auth import scoped
from .errors import VALIDATION, ApiProblem, FieldError, json_pointer
from .schemas import (
    ArticleDetail,
    ArticlePage,
    ArticlesIn,
    ArticlesOut,
    Id,
    Limit,
    annotation_data,
    reads,
    writes,
)

router = Router(tags=["articles"])

# Columns of the list: everything but the body, which can be large.
LIST_FIELDS = ("id", "title", "publisher", "url", "published", "language", "checksum", "created_at")


class ArticleFilters(Limit):
    publisher: str | None = Field(None, description="Exact name, case-insensitive")
    published_from: date | None = Field(None, description="Published on or after")
    published_to: date | None = Field(None, description="Published on or before")
    q: str | None = Field(None, description="Words in the title or the body")
    has_annotations: bool | None = Field(None, description="With (or without) live annotations")


def _counts(article: Article) -> dict:
    """The article's counters (`ArticleCounts`, kept by the database's triggers)."""
    return {name: getattr(article.counts, name) for name in ArticleCounts.COUNTERS}


def _article_data(article: Article) -> dict:
    return {name: getattr(article, name) for name in LIST_FIELDS} | {"counts": _counts(article)}


@router.get("/", response=reads(ArticlePage), auth=scoped(Scope.READ))
def article_list(request, filters: Query[ArticleFilters]):
    """Articles in id order with their annotation counts, a page at a time
    (`next_cursor`). One query per page, whatever its size."""
    articles = Article.objects.defer("body")
    if filters.publisher:
        articles = articles.filter(publisher__iexact=filters.publisher)
    if filters.published_from:
        articles = articles.filter(published__gte=filters.published_from)
    if filters.published_to:
        articles = articles.filter(published__lte=filters.published_to)
    if filters.q:
        articles = articles.filter(Q(title__icontains=filters.q) | Q(body__icontains=filters.q))
    if filters.has_annotations is not None:
        live = Exists(Annotation.objects.live().filter(article=OuterRef("pk")))
        articles = articles.filter(live if filters.has_annotations else ~live)
    rows, next_cursor = pagination.page(
        articles.with_counts(),
        key=("id",),
        kinds=(int,),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [_article_data(row) for row in rows], "next_cursor": next_cursor}


@router.get("/{article_id}", response=reads(ArticleDetail), auth=scoped(Scope.READ),
            exclude_unset=True)  # fmt: skip
def article_read(request, article_id: Id):
    """One article with its body and its annotations (withdrawn ones left out)."""
    article = get_object_or_404(Article.objects.with_counts(), pk=article_id)
    annotations = for_api(visible_annotations(request.auth, article).live()).order_by(
        "start", "-end", "id"
    )
    return _article_data(article) | {
        "body": article.body,
        "annotations_version": article.annotations_version,
        "annotations": [annotation_data(annotation) for annotation in annotations],
    }


@router.post("/", response=writes(ArticlesOut, 201) | {200: ArticlesOut},
             auth=scoped(Scope.ANNOTATE))  # fmt: skip
def article_create(request, payload: ArticlesIn):
    """Import one or many articles, all or none, as a JSON Lines file would be imported.

    Bodies are normalised (NFC, line endings); an article whose body is already stored is
    not created again (`created: false`, with the stored article's id), so sending the
    same request twice changes nothing. 201 when something was created, else 200. Editors
    only (the Import page's permission).
    """
    policy.check(request.auth, Action.IMPORT_ARTICLES)
    records = [record.model_dump(exclude_none=True) for record in payload.articles]
    lines = "\n".join(json.dumps(record, ensure_ascii=False) for record in records)
    data = lines.encode("utf-8")
    try:
        # The importer's parser reads the same bytes: any refusal names its line, which is
        # the record's index plus one.
        parsed = importers.parse_articles(
            importers.decode(data, filename="request"), importers.Format.JSONL, filename="request"
        )
        report = importers.import_file(
            io.BytesIO(data),
            filename="api-request.jsonl",
            file_format=importers.Format.JSONL,
            imported_by=request.auth,
        )
    except importers.ImportFailed as failed:
        raise ApiProblem(
            422,
            "Nothing was imported: "
            + (failed.errors[0].message if len(failed.errors) == 1 else "see errors."),
            problem_type=VALIDATION,
            errors=[_record_error(issue) for issue in failed.errors],
        ) from None
    checksums = [article.checksum for article in parsed]
    stored = dict(Article.objects.filter(checksum__in=checksums).values_list("checksum", "id"))
    created_ids = {article.pk for article in report.imported}
    articles, seen = [], set()
    for index, checksum in enumerate(checksums):
        article_id = stored[checksum]
        articles.append(
            {
                "index": index,
                "id": article_id,
                "checksum": checksum,
                "created": article_id in created_ids and checksum not in seen,
            }
        )
        seen.add(checksum)
    body = {"batch": report.batch.pk if report.batch else None, "articles": articles}
    return Status(201 if report.imported else 200, body)


def _record_error(issue: importers.ImportIssue) -> FieldError:
    if issue.line is None:
        return FieldError(issue.message, pointer=json_pointer("articles"))
    index = issue.line - 1
    return FieldError(f"Record {index}: {issue.message}", pointer=json_pointer("articles", index))
