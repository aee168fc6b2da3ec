"""Full-text search over articles and annotations: one function, a backend per database.

`search(query, filters)` answers with a page of annotations and a page of articles, each
hit with a highlighted snippet, in four queries whatever the number of hits (a count and
a page per section). The indexes are migration 0015's: FTS5 tables on SQLite (Porter
stemming), stored `search_vector` tsvector columns with GIN indexes on PostgreSQL
(`english` configuration, set by triggers when the text changes, migration 0017); both
are kept in step with every write by the database itself.

The query language is small on purpose: words (all must appear, stemmed), "quoted
phrases", and `value:518400000000 unit:USD` for numbers by value and unit. A word written
with punctuation, "518.4", "US$518.4" or "17,000", is searched as the phrase of its parts,
which is how both indexes store it: numbers are findable as written.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.db.models import BooleanField, FloatField, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .inputs import BadInput, check_text
from .models import Annotation, Article, Kind, Review, Verdict

# What the snippets mark, replaced by <mark> after escaping (never in normalised text).
HIT_START, HIT_END = "\x02", "\x03"
PER_PAGE = 20
MAX_QUERY_LENGTH = 500
MAX_TERMS = 20
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_FIELD = re.compile(r"(value|unit):(.*)", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: terms that must all appear (words or phrases), and a number's
    value and unit."""

    terms: tuple[str, ...] = ()
    value: Decimal | None = None
    unit: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms and self.value is None and not self.unit

    @property
    def by_figure(self) -> bool:
        return self.value is not None or bool(self.unit)


def parse_query(text: str) -> SearchQuery:
    """The query typed in the search box; BadInput (400) for a value that is not a number.

    `value:` takes a plain decimal ("518400000000", "518.4", "-3"); `unit:` a word compared
    without case. Terms without a letter or digit (a lone "$" or "—") are dropped: neither
    index stores them.
    """
    text = check_text(text or "", name="The search").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise BadInput(f"The search has at most {MAX_QUERY_LENGTH} characters.")
    terms, value, unit = [], None, ""
    for match in _TOKEN.finditer(text):
        phrase, word = match.groups()
        if word is not None and (named := _FIELD.fullmatch(word)):
            name, raw = named.group(1).lower(), named.group(2)
            if name == "value":
                value = _parse_value(raw)
            else:
                unit = raw.strip()
            continue
        term = (phrase if phrase is not None else word).strip()
        if _WORD.search(term):
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise BadInput(f"The search has at most {MAX_TERMS} words or phrases.")
    return SearchQuery(tuple(terms), value, unit)


def _parse_value(raw: str) -> Decimal:
    cleaned = raw.replace(",", "").replace("_", "")
    if not re.fullmatch(r"-?[0-9]{1,30}(\.[0-9]{1,10})?", cleaned):
        raise BadInput(
            f"value: takes a number written with digits, such as value:518400000000 "
            f"(got {raw[:40]!r})."
        )
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only decimals
        raise BadInput(f"value: {raw[:40]!r} is not a number.") from None


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing of the results; kind, state, verdict and speaker concern annotations only
    (articles are then not listed), publisher and dates both."""

    kind: str = ""
    state: str = ""
    verdict: str = ""
    speaker: str = ""
    publisher: str = ""
    published_from: date | None = None
    published_to: date | None = None

    @property
    def annotations_only(self) -> bool:
        return bool(self.kind or self.state or self.verdict or self.speaker)


@dataclass(frozen=True)
class Hit:
    """One result: the annotation or article, its snippet, its score (higher is better)."""

    item: Annotation | Article
    snippet: SafeString
    score: float
    verdict_label: str = ""


@dataclass
class SearchResults:
    query: SearchQuery
    annotations: list[Hit] = field(default_factory=list)
    annotation_count: int = 0
    articles: list[Hit] = field(default_factory=list)
    article_count: int = 0
    articles_searched: bool = True


def search(
    query: SearchQuery, filters: SearchFilters = SearchFilters(), *, page: int = 1
) -> SearchResults:
    """The page `page` (from 1) of annotations and of articles matching `query` and
    `filters`, best first: four queries (one count and one page per section)."""
    results = SearchResults(query)
    if query.is_empty:
        return results
    backend = _backend()
    offset = (max(page, 1) - 1) * PER_PAGE

    annotations = _filter_annotations(backend.annotations(query), query, filters)
    results.annotation_count = annotations.count()
    rows = annotations.select_related("article").defer("article__body")
    results.annotations = [
        Hit(row, highlighted(row.snippet), row.score, _verdict_label(row.verdict))
        for row in rows[offset : offset + PER_PAGE]
    ]

    # Articles carry no figure, kind, state, verdict or speaker: those searches list none.
    results.articles_searched = bool(query.terms) and not (
        query.by_figure or filters.annotations_only
    )
    if results.articles_searched:
        articles = _filter_articles(backend.articles(query), filters)
        results.article_count = articles.count()
        rows = articles.defer("body")
        results.articles = [
            Hit(row, highlighted(row.snippet), row.score)
            for row in rows[offset : offset + PER_PAGE]
        ]
    return results


def _verdict_label(verdict: str | None) -> str:
    return Verdict(verdict).label if verdict in Verdict.values else ""


def latest_verdict() -> Subquery:
    """The verdict of an annotation's latest review ("" when it has none), for annotate().
    A sealed first decision of a double review is nobody's to read here (search results and
    "seen before" are shown to every reviewer, the second one included)."""
    reviews = (
        Review.objects.unsealed().filter(annotation=OuterRef("pk")).order_by("-created_at", "-id")
    )
    return Subquery(reviews.values("verdict")[:1], output_field=TextField())


def _filter_annotations(annotations: QuerySet, query: SearchQuery, filters: SearchFilters):
    annotations = annotations.annotate(verdict=latest_verdict())
    if query.value is not None:
        annotations = annotations.filter(kind=Kind.NUMBER, number_value=query.value)
    if query.unit:
        annotations = annotations.filter(kind=Kind.NUMBER, number_unit__iexact=query.unit)
    if filters.kind:
        annotations = annotations.filter(kind=filters.kind)
    if filters.state:
        annotations = annotations.filter(state=filters.state)
    else:
        annotations = annotations.live()
    if filters.verdict:
        annotations = annotations.filter(verdict=filters.verdict)
    if filters.speaker:
        annotations = annotations.filter(
            Q(speaker__icontains=filters.speaker) | Q(claimant__icontains=filters.speaker)
        )
    return annotations.filter(_article_filter(filters, "article__"))


def _filter_articles(articles: QuerySet, filters: SearchFilters):
    return articles.filter(_article_filter(filters, ""))


def _article_filter(filters: SearchFilters, prefix: str) -> Q:
    condition = Q()
    if filters.publisher:
        condition &= Q(**{f"{prefix}publisher__icontains": filters.publisher})
    if filters.published_from:
        condition &= Q(**{f"{prefix}published__gte": filters.published_from})
    if filters.published_to:
        condition &= Q(**{f"{prefix}published__lte": filters.published_to})
    return condition


def highlighted(snippet: str | None) -> SafeString:
    """The snippet escaped, its hits in <mark> (the markers never reach the page)."""
    text = escape(snippet or "")
    text = text.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>")
    return mark_safe(text)  # noqa: S308 - escaped above, only our own tags added


# ---- Backends: each answers "which rows match, how well, and with what snippet" ----


class _SQLiteBackend:
    """FTS5 with external content: the index tables are annotations_*_fts."""

    @staticmethod
    def match(terms) -> str:
        """FTS5's query: each term a quoted string (a phrase of its tokens), all required."""
        return " ".join('"' + term.replace('"', '""') + '"' for term in terms)

    def annotations(self, query: SearchQuery) -> QuerySet:
        annotations = Annotation.objects.all()
        if not query.terms:
            return annotations.annotate(
                score=RawSQL("0.0", [], output_field=FloatField()),
                snippet=RawSQL("annotations_annotation.exact", [], output_field=TextField()),
            ).order_by("-article__published", "article_id", "start", "id")
        fts = self.match(query.terms)
        table = "annotations_annotation_fts"
        where = f"{table} MATCH %s AND {table}.rowid = annotations_annotation.id"
        return (
            annotations.filter(
                pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [fts])
            )
            .annotate(
                score=RawSQL(f"(SELECT -rank FROM {table} WHERE {where})", [fts], FloatField()),
                snippet=RawSQL(
                    f"(SELECT snippet({table}, 0, %s, %s, '…', 24) FROM {table} WHERE {where})",
                    [HIT_START, HIT_END, fts],
                    TextField(),
                ),
            )
            .order_by("-score", "id")
        )

    def articles(self, query: SearchQuery) -> QuerySet:
        fts = self.match(query.terms)
        table = "annotations_article_fts"
        where = f"{table} MATCH %s AND {table}.rowid = annotations_article.id"
        return (
            Article.objects.filter(
                pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [fts])
            )
            .annotate(
                # Title hits count ten times a body hit (bm25's column weights).
                score=RawSQL(
                    f"(SELECT -bm25({table}, 10.0, 1.0) FROM {table} WHERE {where})",
                    [fts],
                    FloatField(),
                ),
                snippet=RawSQL(
                    f"(SELECT snippet({table}, 1, %s, %s, '…', 32) FROM {table} WHERE {where})",
                    [HIT_START, HIT_END, fts],
                    TextField(),
                ),
            )
            .order_by("-score", "id")
        )


class _PostgresBackend:
    """The stored `search_vector` columns (GIN indexes), `english` configuration."""

    HEADLINE = (
        f'StartSel="{HIT_START}", StopSel="{HIT_END}", MaxWords=35, MinWords=12, '
        'MaxFragments=2, FragmentDelimiter=" … "'
    )

    @staticmethod
    def tsquery(terms) -> tuple[str, list[str]]:
        """Each term a phrase query (its words in order), all required."""
        sql = " && ".join(["phraseto_tsquery('english'::regconfig, %s)"] * len(terms))
        return f"({sql})", list(terms)

    def annotations(self, query: SearchQuery) -> QuerySet:
        annotations = Annotation.objects.all()
        if not query.terms:
            return annotations.annotate(
                score=RawSQL("0.0", [], output_field=FloatField()),
                snippet=RawSQL("annotations_annotation.exact", [], output_field=TextField()),
            ).order_by("-article__published", "article_id", "start", "id")
        tsquery, params = self.tsquery(query.terms)
        vector = "annotations_annotation.search_vector"
        return (
            annotations.alias(
                hit=RawSQL(f"{vector} @@ {tsquery}", params, output_field=BooleanField())
            )
            .filter(hit=True)
            .annotate(
                score=RawSQL(f"ts_rank_cd({vector}, {tsquery})", params, FloatField()),
                snippet=RawSQL(
                    "ts_headline('english'::regconfig, annotations_annotation.exact, "
                    f"{tsquery}, %s)",
                    [*params, f'HighlightAll=true, StartSel="{HIT_START}", StopSel="{HIT_END}"'],
                    TextField(),
                ),
            )
            .order_by("-score", "id")
        )

    def articles(self, query: SearchQuery) -> QuerySet:
        tsquery, params = self.tsquery(query.terms)
        vector = "annotations_article.search_vector"
        return (
            Article.objects.alias(
                hit=RawSQL(f"{vector} @@ {tsquery}", params, output_field=BooleanField())
            )
            .filter(hit=True)
            .annotate(
                score=RawSQL(f"ts_rank_cd({vector}, {tsquery})", params, FloatField()),
                snippet=RawSQL(
                    f"ts_headline('english'::regconfig, annotations_article.body, {tsquery}, %s)",
                    [*params, self.HEADLINE],
                    TextField(),
                ),
            )
            .order_by("-score", "id")
        )


def _backend():
    return _PostgresBackend() if connection.vendor == "postgresql" else _SQLiteBackend()
