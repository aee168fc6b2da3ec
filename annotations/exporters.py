"""The research export of verified annotations, as UTF-8 streamed in constant memory.

Four formats, one source: the v1 research format (one JSON document or JSON Lines; the
contract is docs/export.md, locked by docs/export-v1.schema.json and golden files), W3C
Web Annotation JSON-LD (an AnnotationCollection) and schema.org ClaimReview JSON-LD.

Everything here is a pure function of a QuerySet and the settings it reads (base URL,
pseudonym key, ClaimReview author): the HTTP endpoint and the management command only
write what `stream_export` yields. Annotations are read as plain rows (the driver's
tuples, fetched at once: `_fetch`; never model instances), only the columns their format
shows, a chunk at a time (one query for the rows after the last one read), in a
deterministic order (verification time, then id); the next chunk is read in a second
thread while one is written (`_ReadAhead`), and the writing thread makes the rows into
what records use (`_Chunk`). What the chunk's records share is
fetched once per chunk, one query each: the articles (with their UTF-16 offset tables
and their serialised `article` object), the latest verdicts and, for the research format,
the evidence. An export costs a constant number of queries per chunk and its memory does
not grow with the number of records.

Measured at 100,000 records on PostgreSQL on the shared two-core machine, old and new
interleaved: JSON Lines from about 7,900 to about 25,000 records/s. The serialiser is
orjson: it writes the same bytes as `json.dumps(…, ensure_ascii=False,
separators=(",", ":"))` for every value an export holds (tests/test_export_serialisation.py
checks it on arbitrary text; the one float, an origin's score, differs only in notation
below 0.0001: 0.00001 against 1e-05), so the output is byte-identical to what the slower
exporter wrote (the golden files). Times come already formatted from the database
(`_Rfc3339`).

An annotation that began as the assistant's proposal carries its `origin` (revision 3 of
v1): the proposal's columns come with the annotation's row through an outer join in the
same query, and `proposals.origin_of` says what the annotator changed. Its `claim_group`
(revision 4) comes the same way, through an outer join on the one-to-one group membership;
ClaimReview lists the articles of a chunk's groups (`itemReviewed.appearance`) with one
more query per chunk, and none when no record of the chunk is in a group.

A JSON Lines export ends with an end line holding the record count and the SHA-256 of
every byte before it, so a reader can tell a complete file from a cut one; the three
other formats are single JSON values, which no longer parse once cut (docs/export.md,
"Checking that an export is complete").
"""

import hashlib
import hmac
import re
from bisect import bisect_left
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property, partial
from operator import itemgetter
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Case,
    CharField,
    ExpressionWrapper,
    F,
    Func,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    When,
)
from django.urls import reverse
from django.utils import timezone

from .models import (
    VERDICT_RATINGS,
    Annotation,
    Article,
    ClaimGroupMember,
    Evidence,
    Kind,
    Review,
    ReviewOutcome,
    Source,
    State,
    Verdict,
)
from .text import sentence_around

# The research format's identifier: the "schema" of a JSON document and the `$id` of
# docs/export-v1.schema.json. A change that could break a consumer means a v2.
SCHEMA_ID = "urn:workbench:export:v1"

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
SCHEMA_ORG_CONTEXT = "https://schema.org"

# Records per database round trip: big enough that queries are few (2,000 streamed 6%
# faster than 1,000), small enough that a chunk's rows, articles, evidence and written
# bytes stay a few megabytes.
CHUNK_SIZE = 2000

PSEUDONYM_PREFIX = "anon_"
PSEUDONYM_HEX_DIGITS = 20  # 80 bits: no collisions in practice, short enough to read

# Google's ClaimReview profile asks for a claimReviewed "under 75 characters".
CLAIM_REVIEWED_MAX = 74

# The key of the JSON Lines end line: no record has it (docs/export.md).
END_OF_EXPORT = "end_of_export"

# Characters outside the Basic Multilingual Plane: each is two UTF-16 code units.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

# Only the columns a record uses, as plain rows: the research format shows every attribute.
_ANNOTATION_COLUMNS = (
    "id", "article_id", "kind", "start", "end", "exact", "prefix", "suffix", "author_id",
    "reviewer_id", "number_value", "number_unit", "number_scale", "number_qualifier",
    "number_counts", "speaker", "speech_type", "attribution_start", "attribution_end",
    "claimant", "check_worthy",
)  # fmt: skip
# W3C shows the span and who made and verified it, no attributes; ClaimReview the claim's
# words and its claimant. Each column loaded is a cost per row (a value for the driver to
# convert), so a format reads only its own.
_W3C_COLUMNS = (
    "id", "article_id", "kind", "start", "end", "exact", "prefix", "suffix", "author_id",
    "reviewer_id",
)  # fmt: skip
_CLAIMREVIEW_COLUMNS = ("id", "article_id", "kind", "start", "end", "exact", "claimant")
# The times, already written as the export writes them (`_Rfc3339`). `verified` is in every
# format's rows: the next chunk starts after the last one read (`ExportStream.chunks`).
_TIME_COLUMNS = {"created": "created_at", "modified": "updated_at", "verified": "decided_at"}
_ENCLOSING_COLUMNS = ("export_speaker", "export_claim_start", "export_claim_end")
# The proposal an annotation began as (`origin`), read through the same query's outer join:
# null columns for a span marked by hand. W3C names only the engine.
_ENGINE_COLUMNS = ("suggestion__engine", "suggestion__engine_version")
_ORIGIN_COLUMNS = (
    *_ENGINE_COLUMNS, "suggestion__score", "suggestion__kind", "suggestion__start",
    "suggestion__end", "proposed_attributes", "proposed_details",
)  # fmt: skip
# The proposal's JSON columns as the text the database holds, parsed only for the rows that
# have a proposal: Django's converter would json.loads every row, null or not (13% of a
# research export's time on SQLite).
_ORIGIN_JSON = {
    "proposed_attributes": "suggestion__attributes",
    "proposed_details": "suggestion__details",
}
# The claim group an annotation is in, if any (`claim_group`), through the same query's
# outer join: an annotation is in at most one group.
_CLAIM_GROUP = {"claim_group": F("claim_group_member__group")}
_ARTICLE_COLUMNS = ("id", "title", "body", "checksum", "publisher", "url", "published", "language")
# The articles a claim group appears in, for ClaimReview's `appearance`: no body.
_APPEARANCE_COLUMNS = (
    "group_id", "annotation__article_id", "annotation__article__title",
    "annotation__article__url", "annotation__article__publisher",
    "annotation__article__published",
)  # fmt: skip
_EVIDENCE_COLUMNS = ("annotation_id", "stance", "excerpt", "locator", "source_id")
_SOURCE_COLUMNS = ("id", "url", "title", "publisher", "kind", "accessed", "archived_url")


@dataclass(frozen=True)
class ExportFilters:
    """What to export: verified at or after `since`, of a kind, with a verdict, in an article."""

    since: datetime | None = None
    kind: str | None = None
    verdict: str | None = None
    article_id: int | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as the endpoint's query parameters (for links and collection ids)."""
        query = {}
        if self.since is not None:
            query["since"] = _timestamp(self.since)
        if self.kind:
            query["kind"] = self.kind
        if self.verdict:
            query["verdict"] = self.verdict
        if self.article_id is not None:
            query["article"] = str(self.article_id)
        return query


# ---- Which annotations, in which order ----


class _Rfc3339(Func):
    """A time as the export writes it (`_timestamp`), written by the database.

    RFC 3339 in UTC with microseconds and a "Z": parsing every time into a Python datetime
    only to print it again was a fifth of an export's time. SQLite holds Django's naive
    UTC text, "YYYY-MM-DD HH:MM:SS" with ".ffffff" unless the microseconds are zero.
    """

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        text = """to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        return text % sql, params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr(replace({sql}, ' ', 'T') || '.000000', 1, 26) || 'Z'", params


def _latest_verification():
    return Review.objects.filter(
        annotation=OuterRef("pk"), outcome=ReviewOutcome.VERIFIED
    ).order_by("-created_at", "-id")


def verified_for_export(filters: ExportFilters | None = None) -> QuerySet[Annotation]:
    """Verified annotations in export order, oldest verification first.

    The verdict and rationale (from the latest verifying review: the latest decides) are
    read per chunk (`_verdicts`), not as subqueries of every row; only the verdict filter
    needs that subquery here.
    """
    filters = filters or ExportFilters()
    # The workflow never verifies without a time; the schema promises one.
    annotations = (
        Annotation.objects.verified().filter(decided_at__isnull=False).order_by("decided_at", "id")
    )
    if filters.since is not None:
        annotations = annotations.filter(decided_at__gte=filters.since)
    if filters.kind:
        annotations = annotations.filter(kind=filters.kind)
    if filters.verdict:
        annotations = annotations.annotate(
            export_verdict=Subquery(_latest_verification().values("verdict")[:1])
        ).filter(export_verdict=filters.verdict)
    if filters.article_id is not None:
        annotations = annotations.filter(article_id=filters.article_id)
    return annotations


def with_enclosing_speaker(annotations: QuerySet[Annotation]) -> QuerySet[Annotation]:
    """Add `export_speaker`: the speaker of the innermost verified quotation around each span.

    A claim or number said inside a quotation is the speaker's claim; ClaimReview names
    them as the claim's author when the annotator gave no claimant.
    """
    enclosing = (
        Annotation.objects.filter(
            article_id=OuterRef("article_id"),
            kind=Kind.QUOTATION,
            state=State.VERIFIED,
            start__lte=OuterRef("start"),
            end__gte=OuterRef("end"),
        )
        .exclude(speaker="")
        .order_by((F("end") - F("start")).asc(), "id")
    )
    return annotations.annotate(export_speaker=Subquery(enclosing.values("speaker")[:1]))


def with_enclosing_claim(annotations: QuerySet[Annotation]) -> QuerySet[Annotation]:
    """Add `export_claim_start`/`_end`: the innermost claim around each span, if any.

    A ClaimReview of a number reviews the claim the figure belongs to. Withdrawn and
    rejected claims do not count (a rejection often says "not a claim"), nor a claim that
    is the figure itself.
    """
    enclosing = (
        Annotation.objects.filter(
            article_id=OuterRef("article_id"),
            kind=Kind.CLAIM,
            start__lte=OuterRef("start"),
            end__gte=OuterRef("end"),
        )
        .exclude(state__in=[State.WITHDRAWN, State.REJECTED])
        .exclude(start=OuterRef("start"), end=OuterRef("end"))
        .order_by((F("end") - F("start")).asc(), "id")
    )
    # Only numbers need it: CASE spares the subqueries for every claim.
    return annotations.annotate(
        export_claim_start=Case(
            When(kind=Kind.NUMBER, then=Subquery(enclosing.values("start")[:1]))
        ),
        export_claim_end=Case(When(kind=Kind.NUMBER, then=Subquery(enclosing.values("end")[:1]))),
    )


# ---- Small conversions ----


def pseudonym(user_id: int | None, key: str | None = None) -> str | None:
    """A stable pseudonymous id for a user: a keyed HMAC-SHA256 of the id, never the name.

    Stable across exports (researchers can group by annotator) while nobody without
    `settings.PSEUDONYM_KEY` can link it back to a person; rotating the key changes all.
    """
    if user_id is None:
        return None
    secret = (settings.PSEUDONYM_KEY if key is None else key).encode("utf-8")
    digest = hmac.new(secret, f"user:{user_id}".encode("ascii"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_DIGITS]


def _timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with microseconds: one shape for every time, sortable as text."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as plain digits without trailing zeros ("518400000000", "0.25").

    A string, not a JSON number: JSON parsers read numbers as binary floats, which would
    turn 0.1 into 0.1000000000000000055… and lose digits of large values.
    """
    if value is None:
        return None
    if value == 0:
        return "0"  # not "-0" or "0.0000000000"
    # format(…, "f") is exact; Decimal.normalize() would round to the context's 28 digits.
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _text_or_none(value: str) -> str | None:
    """Optional text fields are null when empty, so "not given" has one representation."""
    return value if value else None


def shorten(text: str, limit: int = CLAIM_REVIEWED_MAX) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis if too long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def shorten_around(text: str, start: int, end: int, limit: int = CLAIM_REVIEWED_MAX) -> str:
    """One line of at most `limit` characters that keeps text[start:end] (a figure) whole.

    Context is kept on both sides of the figure, as evenly as it fits, cut at words; a cut
    side is marked with an ellipsis. A figure longer than the limit is itself shortened.
    """
    before = _one_line(text[:start]).lstrip()
    figure = _one_line(text[start:end])
    after = _one_line(text[end:]).rstrip()
    if len(before) + len(figure) + len(after) <= limit:
        return before + figure + after
    if len(figure) > limit - 2:
        return shorten(figure, limit)
    room = limit - len(figure)
    right = min(len(after), room - min(len(before), room // 2))
    left = min(len(before), room - right)
    return _keep_end(before, left) + figure + _keep_start(after, right)


def _one_line(text: str) -> str:
    """Runs of white space as one space, ends kept (they separate the figure from words)."""
    return re.sub(r"\s+", " ", text)


def _keep_end(text: str, length: int) -> str:
    """The end of `text` in at most `length` characters: whole words after an ellipsis."""
    if len(text) <= length:
        return text
    kept = text[len(text) - length + 1 :]
    if not text[len(text) - length].isspace():
        kept = kept.partition(" ")[2]  # drop the cut word
    return "…" + kept.lstrip()


def _keep_start(text: str, length: int) -> str:
    """The start of `text` in at most `length` characters: whole words, then an ellipsis."""
    if len(text) <= length:
        return text
    kept = text[: length - 1]
    if not text[length - 1].isspace():
        kept = kept.rpartition(" ")[0]  # drop the cut word
    return kept.rstrip(" ,;:.-–—") + "…"


# ---- What a chunk of records shares, fetched once per chunk ----


class _ArticleData:
    """An article as its records need it, prepared once per chunk rather than per record:
    the serialised `article` object of the research format and the positions of its
    astral characters (for UTF-16 offsets)."""

    __slots__ = ("id", "title", "body", "publisher", "url", "published", "research", "astral")

    def __init__(self, row):
        self.id, self.title, self.body, checksum, self.publisher, self.url = row[:6]
        self.published, language = row[6:]
        self.research = orjson.Fragment(
            _dumps(
                {
                    "id": self.id,
                    "title": self.title,
                    "url": _text_or_none(self.url),
                    "publisher": _text_or_none(self.publisher),
                    "published": _date(self.published),
                    "language": language,
                    "checksum": checksum,
                }
            )
        )
        # Every article of a chunk has records there: found now, not when first needed.
        self.astral = [match.start() for match in _ASTRAL.finditer(self.body)]

    def utf16(self, index: int) -> int:
        """Code-point index -> UTF-16 index: one more per astral character before it.

        Same answer as text.utf16_offset, without rescanning the body for every span.
        """
        return index + bisect_left(self.astral, index) if self.astral else index

    def span(self, start: int, end: int) -> dict:
        return {
            "start": start,
            "end": end,
            "start_utf16": self.utf16(start),
            "end_utf16": self.utf16(end),
        }


class _Chunk:
    """Up to CHUNK_SIZE annotation rows with their articles, verdicts, evidence and, for
    ClaimReview, the articles their claim groups appear in.

    The reading thread hands over the rows as the database returned them; they become
    what the records use (named rows, verdicts and articles by id) when the writing thread
    first asks. The reading thread is the one an export waits for (its Python, then the
    database, for every chunk) while the writing thread has time to spare, and only one of
    them runs Python at a time.
    """

    def __init__(
        self,
        rows: list[tuple],
        row_type: type,
        articles: list[tuple],
        verdicts: list[tuple],
        evidence: "_Evidence | dict",
        appearances: dict,
    ):
        self._rows, self._row_type = rows, row_type
        self._article_rows, self._verdict_rows = articles, verdicts
        self.evidence = evidence
        self.appearances = appearances

    @cached_property
    def rows(self) -> list:
        """The rows with names (`row.kind`), as values_list(named=True) makes them."""
        rows = list(map(partial(tuple.__new__, self._row_type), self._rows))
        self._rows = None
        return rows

    @cached_property
    def verdicts(self) -> dict[int, tuple[str, str]]:
        """Each annotation's verdict and rationale (`_verdict_rows`): the last read wins."""
        verdicts = {
            annotation_id: (verdict, rationale)
            for annotation_id, verdict, rationale in self._verdict_rows
        }
        self._verdict_rows = None
        return verdicts

    @cached_property
    def articles(self) -> dict[int, _ArticleData]:
        articles = {row[0]: _ArticleData(row) for row in self._article_rows}  # `_articles`
        self._article_rows = None
        return articles


class _AnyOf(Lookup):
    """`lhs IN (ids)`, with the ids as one array parameter on PostgreSQL.

    A chunk's queries select by a thousand ids: as a thousand placeholders, binding and
    parsing them took five times longer than the query itself (30 ms against 6 ms).
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        ids = [int(value) for value in self.rhs]
        if connection.vendor == "postgresql":
            # As array text: psycopg's list adapter inspects every element, a join does not.
            array = "{" + ",".join(map(str, ids)) + "}"
            return f"{lhs} = ANY(%s::bigint[])", (*params, array)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*params, *ids)


def _fetch(rows: QuerySet) -> list:
    """The rows of a values_list() query, all fetched at once, with the ORM's values.

    The ORM's own iteration fetches 100 rows at a time, copies every row into a new tuple
    and resumes a generator per row: at 100,000 records on PostgreSQL that was about a
    sixth of the reading thread's CPU, spent on rows already loaded. Django's converters
    for the selected columns still apply (SQLite returns dates as text and booleans as
    integers; such rows come back as lists); on PostgreSQL the columns an export reads
    need none, and rows are the driver's tuples as they come.
    """
    compiler = rows.query.get_compiler(rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    with compiler.connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    columns = compiler.select[: compiler.col_count]
    if compiler.has_extra_select:  # ordered by what is not selected, with distinct()
        fetched = [row[: compiler.col_count] for row in fetched]
    converters = compiler.get_converters([column[0] for column in columns])
    return list(compiler.apply_converters(fetched, converters)) if converters else fetched


def _article_rows(article_ids: set[int]) -> list[tuple]:
    rows = (
        Article.objects.filter(_AnyOf(F("id"), article_ids))
        .order_by()
        .values_list(*_ARTICLE_COLUMNS)
    )
    return _fetch(rows)


def _articles(article_ids: set[int]) -> dict[int, _ArticleData]:
    """The articles by id, ready for their records (`_ArticleData`)."""
    return {row[0]: _ArticleData(row) for row in _article_rows(article_ids)}


def _verdict_rows(annotation_ids: list[int]) -> list[tuple]:
    """Each annotation's verdict and rationale from its verifying reviews, the latest last
    (the latest decides: `_Chunk.verdicts`).

    An annotation without a verifying review (which the workflow never leaves) has none,
    and is skipped.
    """
    reviews = (
        Review.objects.filter(_AnyOf(F("annotation_id"), annotation_ids))
        .filter(outcome=ReviewOutcome.VERIFIED)
        .order_by("annotation_id", "created_at", "id")
        .values_list("annotation_id", "verdict", "rationale")
    )
    return _fetch(reviews)


def _evidence(annotation_ids: list[int], context) -> "_Evidence":
    """Each annotation's live evidence, in the order it was added, with its source.

    Plain rows rather than Evidence and Source instances: building those was a third of a
    research export's time. A source serves many items: it is read and serialised once
    per export (`_ExportContext.sources_for`), not joined to every evidence row.
    """
    rows = _fetch(
        Evidence.objects.live()
        .filter(_AnyOf(F("annotation_id"), annotation_ids))
        .order_by("annotation_id", "created_at", "id")
        .values_list(*_EVIDENCE_COLUMNS)
    )
    source_ids = {row[4] for row in rows}
    sources = context.sources_for(source_ids)
    return _Evidence(rows, {source_id: sources[source_id] for source_id in source_ids})


class _Evidence:
    """A chunk's evidence rows, made into items per annotation when first asked for.

    That is in the writing thread, while the reading thread reads the next chunk
    (`_ReadAhead`): reading is the slower of the two. The sources are the chunk's own
    (the export's cache of them may be cleared by the next chunk meanwhile).
    """

    __slots__ = ("_rows", "_sources", "_items")

    def __init__(self, rows: list[tuple], sources: dict[int, orjson.Fragment]):
        self._rows, self._sources, self._items = rows, sources, None

    def get(self, annotation_id: int, default: list) -> list[dict]:
        if self._items is None:
            self._items = defaultdict(list)
            sources = self._sources
            for annotation_id_, stance, excerpt, locator, source_id in self._rows:
                self._items[annotation_id_].append(
                    {
                        "stance": stance,
                        "excerpt": excerpt or None,  # _text_or_none, inline: per item
                        "locator": locator or None,
                        "source": sources[source_id],
                    }
                )
            self._rows = None
        return self._items.get(annotation_id, default)


def _appearances(group_ids: set[int], context) -> dict[int, list[tuple[int, dict]]]:
    """Each group's articles as ClaimReview appearances: {group id: [(article id,
    CreativeWork)]}, each article once, the oldest publication first (unknown dates last,
    then by id). One query for the whole chunk.

    Every appearance of a group counts, verified or not (a reviewer linked it as the same
    claim: the claim is there), except withdrawn and rejected annotations, which no longer
    stand for anything in their article (as for the enclosing claim of a number).
    """
    rows = (
        ClaimGroupMember.objects.filter(_AnyOf(F("group_id"), group_ids))
        .exclude(annotation__state__in=[State.WITHDRAWN, State.REJECTED])
        .order_by()
        .values_list(*_APPEARANCE_COLUMNS)
        .distinct()
    )
    by_group = defaultdict(list)
    for group_id, article_id, title, url, publisher, published in _fetch(rows):
        order = (published is None, published or date.min, article_id)
        work = _creative_work(article_id, title, url, publisher, published, context)
        by_group[group_id].append((order, article_id, work))
    return {
        group_id: [
            (article_id, work) for _order, article_id, work in sorted(works, key=itemgetter(0))
        ]
        for group_id, works in by_group.items()
    }


def _source_object(row) -> dict:
    _source_id, url, title, publisher, kind, accessed, archived_url = row
    return {
        "url": url,
        "title": title,
        "publisher": _text_or_none(publisher),
        "kind": kind,
        "accessed": _date(accessed),
        "archived_url": _text_or_none(archived_url),
    }


class _ExportContext:
    """Per-export lookups that repeat for every record: IRIs, pseudonyms, verdicts, sources.

    The caches are bounded, so a long export's memory stays flat.
    """

    CACHE_LIMIT = 1024

    def __init__(self):
        self.base_url = settings.PUBLIC_BASE_URL.rstrip("/")
        self.pseudonym_key = settings.PSEUDONYM_KEY
        # reverse() once with a marker rather than 100,000 times.
        marker = 918273645
        self._article_path = reverse("article_detail", args=[marker]).split(str(marker))
        self._annotation_path = reverse("annotate_panel", args=[marker]).split(str(marker))
        self._pseudonyms: dict[int, str | None] = {}
        self._sources: dict[int, orjson.Fragment] = {}
        # The research format's `verdict` object: one of six, serialised once.
        self.verdicts = {verdict.value: verdict for verdict in Verdict}
        self.verdict_objects = {
            verdict.value: orjson.Fragment(
                _dumps(
                    {
                        "value": verdict.value,
                        "label": verdict.label,
                        "rating": VERDICT_RATINGS[verdict],
                    }
                )
            )
            for verdict in Verdict
        }
        # proposals imports workflow, which imports this module (decimal_text): read the
        # one rule of what the annotator changed when an export starts, not at import.
        from .proposals import origin_of

        self.origin_of = origin_of
        organisation = {"@type": "Organization", "name": settings.CLAIMREVIEW_AUTHOR_NAME}
        if settings.CLAIMREVIEW_AUTHOR_URL:
            organisation["url"] = settings.CLAIMREVIEW_AUTHOR_URL
        self.claimreview_author = orjson.Fragment(_dumps(organisation))

    def article_iri(self, article_id: int) -> str:
        return f"{self.base_url}{self._article_path[0]}{article_id}{self._article_path[1]}"

    def annotation_iri(self, annotation_id: int) -> str:
        """The annotation's own address: it opens its article's page with it selected."""
        path = self._annotation_path
        return f"{self.base_url}{path[0]}{annotation_id}{path[1]}"

    def sources_for(self, source_ids: set[int]) -> dict[int, orjson.Fragment]:
        """The `source` objects of these sources, serialised; one query for those not yet
        read in this export (none when a chunk's sources were all seen before)."""
        missing = source_ids - self._sources.keys()
        if missing and len(self._sources) + len(missing) > self.CACHE_LIMIT:
            self._sources.clear()
            missing = source_ids
        if missing:
            rows = Source.objects.filter(_AnyOf(F("id"), missing)).values_list(*_SOURCE_COLUMNS)
            for row in _fetch(rows):
                self._sources[row[0]] = orjson.Fragment(_dumps(_source_object(row)))
        return self._sources

    def pseudonym(self, user_id: int | None) -> str | None:
        try:
            return self._pseudonyms[user_id]
        except KeyError:
            if len(self._pseudonyms) >= self.CACHE_LIMIT:
                self._pseudonyms.clear()
            name = self._pseudonyms[user_id] = pseudonym(user_id, self.pseudonym_key)
            return name


# ---- One annotation, three shapes ----
#
# `row` is a plain row of its format's columns (`ExportFormat.columns`: _ANNOTATION_COLUMNS,
# _W3C_COLUMNS or _CLAIMREVIEW_COLUMNS), its origin columns and times (plus
# _ENCLOSING_COLUMNS for ClaimReview, and `claim_group` for the research format and
# ClaimReview);
# `chunk` holds its article, verdict, evidence and its group's appearances.


def _attributes(row, article: _ArticleData) -> dict:
    """The kind's attributes; empty text as null (`_text_or_none`, inline: per record)."""
    kind = row.kind
    if kind == "number":
        return {
            "value": decimal_text(row.number_value),
            "unit": row.number_unit or None,
            "scale": row.number_scale or None,
            "qualifier": row.number_qualifier or None,
            "counts": row.number_counts or None,
        }
    if kind == "quotation":
        attribution = None
        if row.attribution_start is not None and row.attribution_end is not None:
            start, end = row.attribution_start, row.attribution_end
            attribution = article.span(start, end) | {"text": article.body[start:end]}
        return {
            "speaker": row.speaker or None,
            "speech_type": row.speech_type or None,
            "attribution": attribution,
        }
    return {
        "claimant": row.claimant or None,
        "check_worthy": row.check_worthy,
    }


class _Proposed(NamedTuple):
    """The proposal's columns of a row, read by `proposals.origin_of` as a Suggestion."""

    engine: str
    engine_version: str
    score: float
    kind: str
    start: int
    end: int
    attributes: dict
    details: dict


def _origin(row, context: _ExportContext) -> dict | None:
    """The proposal the annotation began as, and what the annotator changed; None by hand."""
    if row.suggestion__engine is None:
        return None
    proposed = _Proposed(
        row.suggestion__engine,
        row.suggestion__engine_version,
        row.suggestion__score,
        row.suggestion__kind,
        row.suggestion__start,
        row.suggestion__end,
        orjson.loads(row.proposed_attributes),
        orjson.loads(row.proposed_details),
    )
    return context.origin_of(row, proposed)


def research_record(row, chunk: _Chunk, context: _ExportContext) -> dict:
    """One record of the v1 research format (docs/export.md explains every field).

    Written out rather than from helpers (the span and its UTF-16 offsets, `_text_or_none`
    as `or None`): this runs once per record, and the calls were a third of its time.
    """
    article = chunk.articles[row.article_id]
    verdict, rationale = chunk.verdicts[row.id]
    start, end = row.start, row.end
    astral = article.astral  # _ArticleData.utf16, inline
    pseudonym = context.pseudonym
    return {
        "id": row.id,
        "kind": row.kind,
        "article": article.research,
        "span": {
            "start": start,
            "end": end,
            "start_utf16": start + bisect_left(astral, start) if astral else start,
            "end_utf16": end + bisect_left(astral, end) if astral else end,
            "exact": row.exact,
            "prefix": row.prefix,
            "suffix": row.suffix,
        },
        "attributes": _attributes(row, article),
        "verdict": context.verdict_objects[verdict],
        "rationale": rationale or None,
        "evidence": chunk.evidence.get(row.id, []),
        "annotator": pseudonym(row.author_id),
        "reviewer": pseudonym(row.reviewer_id),
        "created_at": row.created,
        "verified_at": row.verified,
        # Added in revision 3 of v1: every byte before it is as it was.
        "origin": None if row.suggestion__engine is None else _origin(row, context),
        # Last, and added in revision 4: every byte before it is as it was.
        "claim_group": row.claim_group,
    }


def w3c_annotation(row, chunk: _Chunk, context: _ExportContext) -> dict:
    """A W3C Web Annotation: kind as a tagging body, verdict as an assessing body.

    TextPositionSelector counts code points with the end exclusive, exactly like the
    stored span, so the offsets pass through unchanged.
    """
    verdict, _rationale = chunk.verdicts[row.id]
    creator = {"type": "Person", "nickname": context.pseudonym(row.author_id)}
    if row.suggestion__engine is not None:
        # An engine proposed the span and a person accepted it: both created it. The
        # model's `generator` is the software that wrote this serialisation (Workbench),
        # so the engine is a Software creator beside the person (docs/export.md).
        engine = {
            "type": "Software",
            "name": f"{row.suggestion__engine} {row.suggestion__engine_version}",
            "nickname": row.suggestion__engine,
        }
        creator = [creator, engine]
    quote = {"type": "TextQuoteSelector", "exact": row.exact}
    # The model allows prefix and suffix to be left out; an empty one says nothing.
    if row.prefix:
        quote["prefix"] = row.prefix
    if row.suffix:
        quote["suffix"] = row.suffix
    return {
        "@context": W3C_CONTEXT,
        "id": context.annotation_iri(row.id),
        "type": "Annotation",
        "motivation": "assessing",
        "created": row.created,
        "modified": row.modified,
        "creator": creator,
        "body": [
            {
                "type": "TextualBody",
                "purpose": "tagging",
                "value": row.kind,
                "format": "text/plain",
            },
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "value": verdict,
                "format": "text/plain",
                "creator": {"type": "Person", "nickname": context.pseudonym(row.reviewer_id)},
            },
        ],
        "target": {
            "source": context.article_iri(row.article_id),
            "selector": [
                quote,
                {"type": "TextPositionSelector", "start": row.start, "end": row.end},
            ],
        },
    }


def _claim_author(row, article: _ArticleData) -> dict | None:
    """Who made the claim: the claimant, else the speaker quoted around it, else the publisher.

    schema.org's `author` takes a Person or an Organization and a claimant is written as a
    name, so named people are Persons; the publisher is an Organization.
    """
    name = row.claimant or row.export_speaker
    if name:
        return {"@type": "Person", "name": name}
    publisher = article.publisher or urlsplit(article.url).hostname
    if publisher:
        return {"@type": "Organization", "name": publisher}
    return None


def _claim_reviewed(row, article: _ArticleData) -> str:
    """What the review is about: a claim's words; for a number, the claim or sentence around it.

    The figure alone ("200") says nothing: several numbers would get identical reviews.
    """
    if row.kind != Kind.NUMBER:
        return shorten(row.exact)
    body = article.body
    start, end = row.export_claim_start, row.export_claim_end
    if start is None or end is None:
        start, end = sentence_around(body, row.start, row.end)
    return shorten_around(body[start:end], row.start - start, row.end - start)


def _creative_work(article_id, title, url, publisher, published, context) -> dict:
    """An article as a ClaimReview appearance: the publisher's url, else Workbench's page."""
    work = {
        "@type": "CreativeWork",
        "url": url or context.article_iri(article_id),
        "headline": title,
    }
    if publisher:
        work["publisher"] = {"@type": "Organization", "name": publisher}
    if published:
        work["datePublished"] = _date(published)
    return work


def claim_review(row, chunk: _Chunk, context: _ExportContext) -> dict:
    """A schema.org ClaimReview (Google's profile) for a verified claim or number."""
    article = chunk.articles[row.article_id]
    value, rationale = chunk.verdicts[row.id]
    verdict = context.verdicts[value]
    rating = {"@type": "Rating"}
    if VERDICT_RATINGS[verdict] is not None:
        rating["ratingValue"] = VERDICT_RATINGS[verdict]
    # "Unverifiable" has no place on the scale: no ratingValue, only its name.
    rating |= {"bestRating": 5, "worstRating": 1, "alternateName": verdict.label}

    appearance = _creative_work(
        article.id, article.title, article.url, article.publisher, article.published, context
    )
    if row.claim_group is not None:
        # The claim's other appearances (linked by reviewers), after its own article.
        others = chunk.appearances.get(row.claim_group, ())
        appearance = [appearance, *(work for id_, work in others if id_ != article.id)]
        if len(appearance) == 1:
            appearance = appearance[0]  # one article: a single CreativeWork, as ungrouped

    claim = {"@type": "Claim", "appearance": appearance}
    author = _claim_author(row, article)
    if author is not None:
        claim["author"] = author
    if article.published:
        claim["datePublished"] = _date(article.published)

    review = {
        "@context": SCHEMA_ORG_CONTEXT,
        "@type": "ClaimReview",
        "url": context.annotation_iri(row.id),
        "claimReviewed": _claim_reviewed(row, article),
        "datePublished": row.verified[:10],  # the UTC date of an RFC 3339 time
        "author": context.claimreview_author,
        "reviewRating": rating,
        "itemReviewed": claim,
    }
    if rationale:
        review["reviewBody"] = rationale
    return review


# ---- Whole exports, as UTF-8 ----


def _dumps(value) -> bytes:
    """Compact UTF-8 as written (no \\u escapes): smaller files, readable CJK and emoji.

    The same bytes as json.dumps(value, ensure_ascii=False, separators=(",", ":")).
    """
    return orjson.dumps(value)


def _block(
    values: Iterable[dict], *, opening: bytes = b"", separator: bytes = b",\n", option: int = 0
) -> bytes:
    """`opening`, then the values serialised with `separator` between them, as one block.

    Each value is serialised as it comes and copied at once into one growing buffer: orjson
    (3.13) hands back its output in the buffer it wrote it into, 8 or 16 KB for a 1 KB
    record, so keeping a chunk's 2,000 outputs for a join held 16 to 32 MB (resident, not
    only traced), and one more field in every record could double that.
    """
    block = bytearray(opening)
    for index, value in enumerate(values):
        if index:
            block += separator
        block += orjson.dumps(value, option=option)
    return bytes(block)


def json_document(
    chunks: Iterable[_Chunk], context: _ExportContext, *, exported_at: datetime, **_
) -> Iterator[bytes]:
    """`{"schema": …, "exported_at": …, "records": […]}`, one record per line."""
    head = _dumps({"schema": SCHEMA_ID, "exported_at": _timestamp(exported_at)})
    yield head[:-1] + b',"records":['
    separator = b"\n"
    for chunk in chunks:
        if chunk.rows:
            records = (research_record(row, chunk, context) for row in chunk.rows)
            yield _block(records, opening=separator)
            separator = b",\n"
    yield b"\n]}\n"


def json_lines(chunks: Iterable[_Chunk], context: _ExportContext, **_) -> Iterator[bytes]:
    """One research record per line (JSON Lines), then the end line (`end_line`)."""
    digest = hashlib.sha256()
    count = 0
    for chunk in chunks:
        if chunk.rows:
            # `_block`, written out for lines: no separator to put between records, and no
            # generator to resume for each of them.
            block = bytearray()
            for row in chunk.rows:
                record = research_record(row, chunk, context)
                block += orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
            block = bytes(block)
            digest.update(block)
            count += len(chunk.rows)
            yield block
    yield end_line(count, digest.hexdigest())


def end_line(records: int, sha256: str) -> bytes:
    """The last line of a JSON Lines export: how many records came before it, and the
    SHA-256 of every byte before it. A file cut anywhere lacks it or fails its check."""
    end = {"schema": SCHEMA_ID, "records": records, "sha256": sha256}
    return orjson.dumps({END_OF_EXPORT: end}, option=orjson.OPT_APPEND_NEWLINE)


def w3c_collection(
    chunks: Iterable[_Chunk], context: _ExportContext, *, collection_id: str, **_
) -> Iterator[bytes]:
    """An AnnotationCollection whose one embedded page holds every annotation.

    `total` comes after the items (JSON objects are unordered) because it is only known
    once they have streamed; an empty collection has no page, as the model requires.
    """
    head = _dumps(
        {
            "@context": W3C_CONTEXT,
            "id": collection_id,
            "type": "AnnotationCollection",
            "label": "Verified annotations exported from Workbench",
        }
    )
    yield head[:-1]
    total = 0
    for chunk in chunks:
        if not chunk.rows:
            continue
        if total == 0:
            page = _dumps(
                {"id": f"{collection_id}#page1", "type": "AnnotationPage", "startIndex": 0}
            )
            opening = b',"first":' + page[:-1] + b',"items":[\n'
        else:
            opening = b",\n"
        yield _block((w3c_annotation(row, chunk, context) for row in chunk.rows), opening=opening)
        total += len(chunk.rows)
    if total:
        yield b"\n]}"
    yield b',"total":%d}\n' % total


def claim_reviews(chunks: Iterable[_Chunk], context: _ExportContext, **_) -> Iterator[bytes]:
    """A JSON array of ClaimReview objects, each with its own @context (usable alone)."""
    separator = b"[\n"
    for chunk in chunks:
        if chunk.rows:
            reviews = (claim_review(row, chunk, context) for row in chunk.rows)
            yield _block(reviews, opening=separator)
            separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    description: str
    content_type: str
    extension: str
    writer: Callable[..., Iterator[bytes]]
    kinds: tuple[str, ...] = tuple(Kind.values)
    # The annotation's own columns a record shows.
    columns: tuple[str, ...] = _ANNOTATION_COLUMNS
    # Only the research format lists evidence; the others skip that query per chunk.
    needs_evidence: bool = False
    # ClaimReview names the speaker of an enclosing quotation as the claim's author, and
    # reviews a number as the claim around it.
    needs_enclosing: bool = False
    # The columns of the proposal an annotation began as (joined in the rows' query).
    origin_columns: tuple[str, ...] = ()
    # The annotation's claim group (joined in the rows' query).
    needs_claim_group: bool = False
    # ClaimReview lists the articles of each record's claim group (one query per chunk).
    needs_appearances: bool = False
    # The times a record shows besides `verified` (each is written by the database: a cost
    # per row, paid only by the formats that show it).
    times: tuple[str, ...] = ("created",)


FORMATS = {
    "json": ExportFormat(
        "json",
        "JSON",
        "One document: schema id, export time and all records (research format v1).",
        "application/json",
        "json",
        json_document,
        needs_evidence=True,
        origin_columns=_ORIGIN_COLUMNS,
        needs_claim_group=True,
    ),
    "jsonl": ExportFormat(
        "jsonl",
        "JSON Lines",
        "One research record (v1) per line, for line-by-line processing, and an end line.",
        "application/jsonl",
        "jsonl",
        json_lines,
        needs_evidence=True,
        origin_columns=_ORIGIN_COLUMNS,
        needs_claim_group=True,
    ),
    "w3c": ExportFormat(
        "w3c",
        "W3C Web Annotation",
        "JSON-LD AnnotationCollection with text quote and position selectors.",
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
        "jsonld",
        w3c_collection,
        columns=_W3C_COLUMNS,
        origin_columns=_ENGINE_COLUMNS,
        times=("created", "modified"),
    ),
    "claimreview": ExportFormat(
        "claimreview",
        "schema.org ClaimReview",
        "JSON-LD ClaimReview for verified claims and numbers (no quotations).",
        "application/ld+json",
        "jsonld",
        claim_reviews,
        kinds=(Kind.CLAIM, Kind.NUMBER),
        columns=_CLAIMREVIEW_COLUMNS,
        needs_enclosing=True,
        needs_claim_group=True,
        needs_appearances=True,
        times=(),
    ),
}


def export_filename(export_format: str, exported_at: datetime) -> str:
    fmt = FORMATS[export_format]
    stamp = exported_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"workbench-verified-{fmt.name}-{stamp}.{fmt.extension}"


def collection_iri(filters: ExportFilters) -> str:
    """The W3C collection's id: the endpoint URL that returns it, with its filters."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    path = reverse("export_download", kwargs={"export_format": "w3c"})
    query = urlencode(filters.as_query())
    return f"{base}{path}" + (f"?{query}" if query else "")


class ExportStream:
    """One export, produced lazily as UTF-8 blocks (`iter_bytes`, one per chunk of
    records) or as text (iterating it); `records` counts the records read so far."""

    def __init__(
        self,
        export_format: str,
        filters: ExportFilters | None = None,
        *,
        exported_at: datetime | None = None,
        chunk_size: int = CHUNK_SIZE,
    ):
        self.format = FORMATS[export_format]
        self.filters = filters or ExportFilters()
        self.exported_at = exported_at or timezone.now()
        self.chunk_size = chunk_size
        self.records = 0

    def queryset(self) -> QuerySet[Annotation]:
        annotations = verified_for_export(self.filters)
        if set(self.format.kinds) != set(Kind.values):
            annotations = annotations.filter(kind__in=self.format.kinds)
        if self.format.needs_enclosing:
            annotations = with_enclosing_claim(with_enclosing_speaker(annotations))
        return annotations

    def chunks(self, context: _ExportContext) -> Iterator[_Chunk]:
        """The rows a chunk at a time, each with what its records share.

        Each chunk is one query for the next `chunk_size` rows after the last one read, in
        export order (decided_at, then id: the order of an index), so only one chunk of
        rows is in memory at a time and the database streams it from the index. A
        server-side cursor outside a transaction (WITH HOLD) would materialise the whole
        result before its first row: a third of a second at 100,000 records, time the
        reading thread (`_ReadAhead`) cannot hide. A record verified while the export runs
        is exported if its place in that order is still ahead.
        """
        columns = self.format.columns + self.format.origin_columns
        if self.format.needs_enclosing:
            columns += _ENCLOSING_COLUMNS
        times = {name: _Rfc3339(_TIME_COLUMNS[name]) for name in (*self.format.times, "verified")}
        texts = {
            name: ExpressionWrapper(F(path), output_field=TextField())
            for name, path in _ORIGIN_JSON.items()
            if name in columns
        }
        group = _CLAIM_GROUP if self.format.needs_claim_group else {}
        rows = (
            self.queryset()
            .annotate(**times, **texts, **group)
            .values_list(*columns, *times, *group)
        )
        names = (*columns, *times, *group)
        row_type = namedtuple("Row", names)
        # The rows are plain tuples here: their names are given in the writing thread.
        verified_at, article_at = names.index("verified"), names.index("article_id")
        group_at = names.index("claim_group") if group else None
        after = None
        while True:
            page = rows
            if after is not None:
                decided_at, pk = after
                # decided_at >= …: the index range starts there, instead of at the start.
                later = Q(decided_at__gt=decided_at) | Q(decided_at=decided_at, pk__gt=pk)
                page = rows.filter(later, decided_at__gte=decided_at)
            batch = _fetch(page[: self.chunk_size])
            if not batch:
                return
            # The time as written (`_Rfc3339`), read back: exact to the microsecond, and
            # no column of datetimes to load for the one that is needed. The id is first.
            after = (datetime.fromisoformat(batch[-1][verified_at]), batch[-1][0])
            ids = [row[0] for row in batch]
            verdicts = _verdict_rows(ids)
            with_verdict = {row[0] for row in verdicts}
            exported = [row for row in batch if row[0] in with_verdict]
            if exported:
                articles = _article_rows({row[article_at] for row in exported})
                evidence = _evidence(ids, context) if self.format.needs_evidence else {}
                appearances = {}
                if self.format.needs_appearances:
                    group_ids = {row[group_at] for row in exported} - {None}
                    appearances = _appearances(group_ids, context) if group_ids else {}
                yield _Chunk(exported, row_type, articles, verdicts, evidence, appearances)
            if len(batch) < self.chunk_size:
                return

    def _counted(self, chunks: Iterable[_Chunk]) -> Iterator[_Chunk]:
        """The chunks as the writer takes them, counted then (not when read ahead)."""
        for chunk in chunks:
            self.records += len(chunk.rows)
            yield chunk

    def iter_bytes(self) -> Iterator[bytes]:
        """The export as UTF-8, one block per chunk of records (a few megabytes).

        The next chunk is read (`_ReadAhead`) while this one's records are written, and
        the reading is over whenever a block is handed out: between blocks the caller has
        the database connection to itself (the job worker writes its progress there).
        """
        context = _ExportContext()
        chunks = _ReadAhead(self.chunks(context), connections[self.queryset().db])
        try:
            blocks = self.format.writer(
                self._counted(chunks),
                context,
                exported_at=self.exported_at,
                collection_id=collection_iri(self.filters),
            )
            for block in blocks:
                chunks.settle()
                yield block
        finally:
            chunks.close()

    def __iter__(self) -> Iterator[str]:
        # Blocks end between records, never inside a character.
        for block in self.iter_bytes():
            yield block.decode("utf-8")


class _ReadAhead:
    """Chunks read one ahead, in a second thread, while the current one is written.

    Reading a chunk is mostly waiting for the database (the rows, then a query for each
    kind of lookup), writing it is Python; on two cores the two overlap, so the database
    works while Python writes instead of in turn (at 100,000 records on PostgreSQL, the
    waiting was a third of the time). The thread reads through the caller's own database
    connection, shared for the export (as Django's live server tests share theirs): the
    same transaction and snapshot as reading it in this thread, which the tests' rolled
    back transactions rely on. Only one thread uses the connection at a time: the
    reading thread between `__next__` and `settle`, the caller otherwise.
    """

    def __init__(self, chunks: Iterator[_Chunk], connection):
        self._chunks = chunks
        self._connection = connection
        connection.inc_thread_sharing()
        self._reader = ThreadPoolExecutor(
            1, thread_name_prefix="export-read-ahead", initializer=self._use_connection
        )
        self._next: Future | None = None
        self._done = False

    def _use_connection(self) -> None:
        connections[self._connection.alias] = self._connection

    def __iter__(self) -> Iterator[_Chunk]:
        return self

    def __next__(self) -> _Chunk:
        if self._done:
            raise StopIteration
        upcoming = self._next or self._reader.submit(next, self._chunks, None)
        self._next = None
        chunk = upcoming.result()
        if chunk is None:
            self._done = True
            raise StopIteration
        self._next = self._reader.submit(next, self._chunks, None)
        return chunk

    def settle(self) -> None:
        """Wait until the chunk being read is read: the connection is the caller's again."""
        if self._next is not None:
            wait([self._next])

    def close(self) -> None:
        """Stop reading and give the connection back. The chunks' generator is closed here,
        once the reading thread is idle: the connection is still shared then, and the
        thread may be gone at interpreter exit."""
        try:
            self.settle()
            self._chunks.close()
        finally:
            self._next = None
            self._reader.shutdown()
            self._connection.dec_thread_sharing()


def stream_export(
    export_format: str, filters: ExportFilters | None = None, **options
) -> ExportStream:
    """The export in `export_format` ("json", "jsonl", "w3c", "claimreview").

    Iterate `.iter_bytes()` for UTF-8 blocks to write to a file or a response, or the
    stream itself for text.
    """
    return ExportStream(export_format, filters, **options)
