"""The research export of verified annotations, as text streamed in constant memory.

Four formats, one source: the v1 research format (one JSON document or JSON Lines; the
contract is docs/export.md, locked by docs/export-v1.schema.json and a golden file), W3C
Web Annotation JSON-LD (an AnnotationCollection) and schema.org ClaimReview JSON-LD.

Everything here is a pure function of a QuerySet and the settings it reads (base URL,
pseudonym key, ClaimReview author): the HTTP endpoint and the management command only
stream what `stream_export` yields. Records come from `QuerySet.iterator(chunk_size=…)`,
their articles prefetched and their evidence fetched once per chunk, in a deterministic
order (verification time, then id): an export costs a constant number of queries per
chunk and its memory does not grow with the number of records.
"""

import hashlib
import hmac
import json
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import batched
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db.models import Case, F, OuterRef, Prefetch, QuerySet, Subquery, When
from django.urls import reverse
from django.utils import timezone

from .models import (
    VERDICT_RATINGS,
    Annotation,
    Article,
    Evidence,
    Kind,
    Review,
    ReviewOutcome,
    State,
    Verdict,
)
from .text import sentence_around

# The research format's identifier: the "schema" of a JSON document and the `$id` of
# docs/export-v1.schema.json. A change that could break a consumer means a v2.
SCHEMA_ID = "urn:workbench:export:v1"

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
SCHEMA_ORG_CONTEXT = "https://schema.org"

# Records per database round trip: big enough that queries are few, small enough that a
# chunk's annotations, evidence and articles stay a few megabytes at most.
CHUNK_SIZE = 1000

PSEUDONYM_PREFIX = "anon_"
PSEUDONYM_HEX_DIGITS = 20  # 80 bits: no collisions in practice, short enough to read

# Google's ClaimReview profile asks for a claimReviewed "under 75 characters".
CLAIM_REVIEWED_MAX = 74

# Characters outside the Basic Multilingual Plane: each is two UTF-16 code units.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

# Only the columns a record uses: building model instances is most of an export's cost.
# The article body is needed for the UTF-16 offsets.
_ARTICLE_FIELDS = ("id", "title", "body", "checksum", "publisher", "url", "published", "language")
_ANNOTATION_FIELDS = (
    "id", "article", "kind", "start", "end", "exact", "prefix", "suffix", "author", "reviewer",
    "created_at", "updated_at", "decided_at", "number_value", "number_unit", "number_scale",
    "number_qualifier", "number_counts", "speaker", "speech_type", "attribution_start",
    "attribution_end", "claimant", "check_worthy",
)  # fmt: skip
_EVIDENCE_COLUMNS = (
    "annotation_id", "stance", "excerpt", "locator", "source__url", "source__title",
    "source__publisher", "source__kind", "source__accessed", "source__archived_url",
)  # fmt: skip


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


def verified_for_export(filters: ExportFilters | None = None) -> QuerySet[Annotation]:
    """Verified annotations with what a record needs, oldest verification first.

    The verdict and rationale come from the latest verifying review (the latest decides)
    as subqueries of the one main query; the articles are prefetched per chunk by
    `iterator(chunk_size=…)`. Evidence is attached per chunk by `with_live_evidence`.
    """
    filters = filters or ExportFilters()
    latest_verification = Review.objects.filter(
        annotation=OuterRef("pk"), outcome=ReviewOutcome.VERIFIED
    ).order_by("-created_at", "-id")
    annotations = (
        Annotation.objects.verified()
        .only(*_ANNOTATION_FIELDS)
        .annotate(
            export_verdict=Subquery(latest_verification.values("verdict")[:1]),
            export_rationale=Subquery(latest_verification.values("rationale")[:1]),
        )
        # The workflow never verifies without a verdict and a time; the schema promises both.
        .filter(export_verdict__isnull=False, decided_at__isnull=False)
        .prefetch_related(Prefetch("article", queryset=Article.objects.only(*_ARTICLE_FIELDS)))
        .order_by("decided_at", "id")
    )
    if filters.since is not None:
        annotations = annotations.filter(decided_at__gte=filters.since)
    if filters.kind:
        annotations = annotations.filter(kind=filters.kind)
    if filters.verdict:
        annotations = annotations.filter(export_verdict=filters.verdict)
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


def with_live_evidence(
    annotations: Iterable[Annotation], chunk_size: int = CHUNK_SIZE
) -> Iterator[Annotation]:
    """Give each annotation `live_evidence`: its evidence with sources, one query per chunk.

    This is a prefetch done by hand, as plain rows: building an Evidence and a Source
    instance for every item was a third of a research export's time (and their links
    back to the annotation made reference cycles that held memory until a full garbage
    collection). The chunks line up with those of `iterator(chunk_size)`.
    """
    for chunk in batched(annotations, chunk_size):
        rows = (
            Evidence.objects.live()
            .filter(annotation_id__in=[annotation.pk for annotation in chunk])
            .order_by("annotation_id", "created_at", "id")
            .values_list(*_EVIDENCE_COLUMNS, named=True)
        )
        by_annotation = defaultdict(list)
        for row in rows:
            by_annotation[row.annotation_id].append(row)
        for annotation in chunk:
            annotation.live_evidence = by_annotation.get(annotation.pk, [])
        yield from chunk


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


class _ExportContext:
    """Per-export lookups that repeat for every record: IRIs, pseudonyms, UTF-16 offsets.

    The caches are bounded, so a long export's memory stays flat; a miss costs one scan of
    an article body for astral characters, which is cheap.
    """

    CACHE_LIMIT = 64

    def __init__(self):
        self.base_url = settings.PUBLIC_BASE_URL.rstrip("/")
        self.pseudonym_key = settings.PSEUDONYM_KEY
        # reverse() once with a marker rather than 100,000 times.
        marker = 918273645
        self._article_path = reverse("article_detail", args=[marker]).split(str(marker))
        self._annotation_path = reverse("annotate_panel", args=[marker]).split(str(marker))
        self._pseudonyms: dict[int, str | None] = {}
        self._astral_positions: dict[int, list[int]] = {}

    def article_iri(self, article_id: int) -> str:
        return f"{self.base_url}{self._article_path[0]}{article_id}{self._article_path[1]}"

    def annotation_iri(self, annotation: Annotation) -> str:
        """The annotation's own address: it opens its article's page with it selected."""
        path = self._annotation_path
        return f"{self.base_url}{path[0]}{annotation.pk}{path[1]}"

    def pseudonym(self, user_id: int | None) -> str | None:
        if user_id not in self._pseudonyms:
            if len(self._pseudonyms) >= self.CACHE_LIMIT:
                self._pseudonyms.clear()
            self._pseudonyms[user_id] = pseudonym(user_id, self.pseudonym_key)
        return self._pseudonyms[user_id]

    def utf16(self, article: Article, index: int) -> int:
        """Code-point index -> UTF-16 index: one more per astral character before it.

        Same answer as text.utf16_offset, without rescanning the body for every span.
        """
        positions = self._astral_positions.get(article.pk)
        if positions is None:
            if len(self._astral_positions) >= self.CACHE_LIMIT:
                self._astral_positions.clear()
            positions = [match.start() for match in _ASTRAL.finditer(article.body)]
            self._astral_positions[article.pk] = positions
        return index + bisect_left(positions, index)

    def span(self, article: Article, start: int, end: int) -> dict:
        return {
            "start": start,
            "end": end,
            "start_utf16": self.utf16(article, start),
            "end_utf16": self.utf16(article, end),
        }


# ---- One annotation, three shapes ----


def _verdict(annotation: Annotation) -> Verdict:
    return Verdict(annotation.export_verdict)


def _attributes(annotation: Annotation, context: _ExportContext) -> dict:
    if annotation.kind == Kind.NUMBER:
        return {
            "value": decimal_text(annotation.number_value),
            "unit": _text_or_none(annotation.number_unit),
            "scale": _text_or_none(annotation.number_scale),
            "qualifier": _text_or_none(annotation.number_qualifier),
            "counts": _text_or_none(annotation.number_counts),
        }
    if annotation.kind == Kind.QUOTATION:
        attribution = None
        if annotation.attribution_start is not None and annotation.attribution_end is not None:
            article = annotation.article
            start, end = annotation.attribution_start, annotation.attribution_end
            attribution = context.span(article, start, end) | {"text": article.body[start:end]}
        return {
            "speaker": _text_or_none(annotation.speaker),
            "speech_type": _text_or_none(annotation.speech_type),
            "attribution": attribution,
        }
    return {
        "claimant": _text_or_none(annotation.claimant),
        "check_worthy": annotation.check_worthy,
    }


def _evidence(row) -> dict:
    """One evidence item from its row (see with_live_evidence)."""
    return {
        "stance": row.stance,
        "excerpt": _text_or_none(row.excerpt),
        "locator": _text_or_none(row.locator),
        "source": {
            "url": row.source__url,
            "title": row.source__title,
            "publisher": _text_or_none(row.source__publisher),
            "kind": row.source__kind,
            "accessed": _date(row.source__accessed),
            "archived_url": _text_or_none(row.source__archived_url),
        },
    }


def research_record(annotation: Annotation, context: _ExportContext) -> dict:
    """One record of the v1 research format (docs/export.md explains every field)."""
    article = annotation.article
    verdict = _verdict(annotation)
    return {
        "id": annotation.pk,
        "kind": annotation.kind,
        "article": {
            "id": article.pk,
            "title": article.title,
            "url": _text_or_none(article.url),
            "publisher": _text_or_none(article.publisher),
            "published": _date(article.published),
            "language": article.language,
            "checksum": article.checksum,
        },
        "span": context.span(article, annotation.start, annotation.end)
        | {"exact": annotation.exact, "prefix": annotation.prefix, "suffix": annotation.suffix},
        "attributes": _attributes(annotation, context),
        "verdict": {
            "value": verdict.value,
            "label": verdict.label,
            "rating": VERDICT_RATINGS[verdict],
        },
        "rationale": _text_or_none(annotation.export_rationale or ""),
        "evidence": [_evidence(item) for item in annotation.live_evidence],
        "annotator": context.pseudonym(annotation.author_id),
        "reviewer": context.pseudonym(annotation.reviewer_id),
        "created_at": _timestamp(annotation.created_at),
        "verified_at": _timestamp(annotation.decided_at),
    }


def w3c_annotation(annotation: Annotation, context: _ExportContext) -> dict:
    """A W3C Web Annotation: kind as a tagging body, verdict as an assessing body.

    TextPositionSelector counts code points with the end exclusive, exactly like the
    stored span, so the offsets pass through unchanged.
    """
    quote = {"type": "TextQuoteSelector", "exact": annotation.exact}
    # The model allows prefix and suffix to be left out; an empty one says nothing.
    if annotation.prefix:
        quote["prefix"] = annotation.prefix
    if annotation.suffix:
        quote["suffix"] = annotation.suffix
    return {
        "@context": W3C_CONTEXT,
        "id": context.annotation_iri(annotation),
        "type": "Annotation",
        "motivation": "assessing",
        "created": _timestamp(annotation.created_at),
        "modified": _timestamp(annotation.updated_at),
        "creator": {"type": "Person", "nickname": context.pseudonym(annotation.author_id)},
        "body": [
            {
                "type": "TextualBody",
                "purpose": "tagging",
                "value": annotation.kind,
                "format": "text/plain",
            },
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "value": _verdict(annotation).value,
                "format": "text/plain",
                "creator": {
                    "type": "Person",
                    "nickname": context.pseudonym(annotation.reviewer_id),
                },
            },
        ],
        "target": {
            "source": context.article_iri(annotation.article_id),
            "selector": [
                quote,
                {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
            ],
        },
    }


def _claim_author(annotation: Annotation) -> dict | None:
    """Who made the claim: the claimant, else the speaker quoted around it, else the publisher.

    schema.org's `author` takes a Person or an Organization and a claimant is written as a
    name, so named people are Persons; the publisher is an Organization.
    """
    name = annotation.claimant or getattr(annotation, "export_speaker", None)
    if name:
        return {"@type": "Person", "name": name}
    article = annotation.article
    publisher = article.publisher or urlsplit(article.url).hostname
    if publisher:
        return {"@type": "Organization", "name": publisher}
    return None


def _claim_reviewed(annotation: Annotation) -> str:
    """What the review is about: a claim's words; for a number, the claim or sentence around it.

    The figure alone ("200") says nothing: several numbers would get identical reviews.
    """
    if annotation.kind != Kind.NUMBER:
        return shorten(annotation.exact)
    body = annotation.article.body
    start = getattr(annotation, "export_claim_start", None)
    end = getattr(annotation, "export_claim_end", None)
    if start is None or end is None:
        start, end = sentence_around(body, annotation.start, annotation.end)
    return shorten_around(body[start:end], annotation.start - start, annotation.end - start)


def claim_review(annotation: Annotation, context: _ExportContext) -> dict:
    """A schema.org ClaimReview (Google's profile) for a verified claim or number."""
    article = annotation.article
    verdict = _verdict(annotation)
    rating = {"@type": "Rating"}
    if VERDICT_RATINGS[verdict] is not None:
        rating["ratingValue"] = VERDICT_RATINGS[verdict]
    # "Unverifiable" has no place on the scale: no ratingValue, only its name.
    rating |= {"bestRating": 5, "worstRating": 1, "alternateName": verdict.label}

    appearance = {
        "@type": "CreativeWork",
        "url": article.url or context.article_iri(article.pk),
        "headline": article.title,
    }
    if article.publisher:
        appearance["publisher"] = {"@type": "Organization", "name": article.publisher}
    if article.published:
        appearance["datePublished"] = _date(article.published)

    claim = {"@type": "Claim", "appearance": appearance}
    author = _claim_author(annotation)
    if author is not None:
        claim["author"] = author
    if article.published:
        claim["datePublished"] = _date(article.published)

    organisation = {"@type": "Organization", "name": settings.CLAIMREVIEW_AUTHOR_NAME}
    if settings.CLAIMREVIEW_AUTHOR_URL:
        organisation["url"] = settings.CLAIMREVIEW_AUTHOR_URL

    review = {
        "@context": SCHEMA_ORG_CONTEXT,
        "@type": "ClaimReview",
        "url": context.annotation_iri(annotation),
        "claimReviewed": _claim_reviewed(annotation),
        "datePublished": _date(annotation.decided_at.astimezone(UTC).date()),
        "author": organisation,
        "reviewRating": rating,
        "itemReviewed": claim,
    }
    if annotation.export_rationale:
        review["reviewBody"] = annotation.export_rationale
    return review


# ---- Whole exports, as text ----


def _dumps(value) -> str:
    # Compact and UTF-8 as written (no \u escapes): smaller files, readable CJK and emoji.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_document(
    annotations: Iterable[Annotation], context: _ExportContext, *, exported_at: datetime, **_
) -> Iterator[str]:
    """`{"schema": …, "exported_at": …, "records": […]}`, one record per line."""
    head = _dumps({"schema": SCHEMA_ID, "exported_at": _timestamp(exported_at)})
    yield head[:-1] + ',"records":['
    separator = "\n"
    for annotation in annotations:
        yield separator + _dumps(research_record(annotation, context))
        separator = ",\n"
    yield "\n]}\n"


def json_lines(annotations: Iterable[Annotation], context: _ExportContext, **_) -> Iterator[str]:
    """One research record per line (JSON Lines), nothing else."""
    for annotation in annotations:
        yield _dumps(research_record(annotation, context)) + "\n"


def w3c_collection(
    annotations: Iterable[Annotation], context: _ExportContext, *, collection_id: str, **_
) -> Iterator[str]:
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
    for annotation in annotations:
        if total == 0:
            page = _dumps(
                {"id": f"{collection_id}#page1", "type": "AnnotationPage", "startIndex": 0}
            )
            yield ',"first":' + page[:-1] + ',"items":[\n'
        else:
            yield ",\n"
        yield _dumps(w3c_annotation(annotation, context))
        total += 1
    if total:
        yield "\n]}"
    yield f',"total":{total}}}\n'


def claim_reviews(annotations: Iterable[Annotation], context: _ExportContext, **_) -> Iterator[str]:
    """A JSON array of ClaimReview objects, each with its own @context (usable alone)."""
    separator = "[\n"
    for annotation in annotations:
        yield separator + _dumps(claim_review(annotation, context))
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    description: str
    content_type: str
    extension: str
    writer: Callable[..., Iterator[str]]
    kinds: tuple[str, ...] = tuple(Kind.values)
    # Only the research format lists evidence; the others skip that query per chunk.
    needs_evidence: bool = False
    # ClaimReview names the speaker of an enclosing quotation as the claim's author, and
    # reviews a number as the claim around it.
    needs_enclosing: bool = False


FORMATS = {
    "json": ExportFormat(
        "json",
        "JSON",
        "One document: schema id, export time and all records (research format v1).",
        "application/json",
        "json",
        json_document,
        needs_evidence=True,
    ),
    "jsonl": ExportFormat(
        "jsonl",
        "JSON Lines",
        "One research record (v1) per line, for line-by-line processing.",
        "application/jsonl",
        "jsonl",
        json_lines,
        needs_evidence=True,
    ),
    "w3c": ExportFormat(
        "w3c",
        "W3C Web Annotation",
        "JSON-LD AnnotationCollection with text quote and position selectors.",
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
        "jsonld",
        w3c_collection,
    ),
    "claimreview": ExportFormat(
        "claimreview",
        "schema.org ClaimReview",
        "JSON-LD ClaimReview for verified claims and numbers (no quotations).",
        "application/ld+json",
        "jsonld",
        claim_reviews,
        kinds=(Kind.CLAIM, Kind.NUMBER),
        needs_enclosing=True,
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
    """The text of one export, produced lazily; `records` counts the records written so far."""

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

    def _counted(self, annotations: Iterable[Annotation]) -> Iterator[Annotation]:
        for annotation in annotations:
            self.records += 1
            yield annotation

    def __iter__(self) -> Iterator[str]:
        annotations = self.queryset().iterator(chunk_size=self.chunk_size)
        if self.format.needs_evidence:
            annotations = with_live_evidence(annotations, self.chunk_size)
        return self.format.writer(
            self._counted(annotations),
            _ExportContext(),
            exported_at=self.exported_at,
            collection_id=collection_iri(self.filters),
        )


def stream_export(
    export_format: str, filters: ExportFilters | None = None, **options
) -> ExportStream:
    """The export in `export_format` ("json", "jsonl", "w3c", "claimreview") as text pieces."""
    return ExportStream(export_format, filters, **options)
