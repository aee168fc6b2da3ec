"""What the annotate screen draws: the body cut into segments with their marks, and the list.

Both are rendered here rather than in template loops because an article may carry a
thousand spans (a few thousand segments, a thousand list rows): reading plain rows and
joining escaped strings is about ten times faster than model instances and the template
engine, and it guarantees that no white space slips between the body's tags, so the
element's textContent is exactly the stored body. The side panel, one annotation at a
time, stays in the template.

A change is answered with what it changed (`screen_changes`): the paragraphs it touched,
drawn exactly as the whole body draws them, and the list rows. On an article of 1,000
spans a create's answer went from 717 KiB to 10 KiB, a colleague's live update after it
from 711 KiB to 3.5 KiB (bench/bench_load.py).
"""

import html
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .exporters import decimal_text
from .models import Annotation, Article, HistoryEntry, Kind, SpeechType, State
from .text import assign_lanes, lanes_around, paragraph_starts, segments

# Underline lanes drawn below the text; deeper overlaps share a "more" cue on the segment.
MAX_LANES = 4
EXCERPT_LENGTH = 90
# The live update sends what changed since the version a screen shows while that costs
# less than the whole body and list. Measured (bench/bench_annotate.py --limit 100000, on
# 1,000 crowded spans, medians): the changes of 6% of the spans took 68% of the time of
# the whole and 21% of its bytes, of 21% of the spans 85% and 46%, of half of them more
# time than the whole. Past one span in CHANGES_SHARE changed (and CHANGES_FLOOR, for
# short articles) the whole is sent.
CHANGES_SHARE = 5
CHANGES_FLOOR = 20


def too_many_changes(changed: int, live: int) -> bool:
    """Whether `changed` of an article's `live` spans are better sent as the whole screen."""
    return changed > max(CHANGES_FLOOR, live // CHANGES_SHARE)


KIND_LABELS = dict(Kind.choices)
STATE_LABELS = dict(State.choices)


class ScreenSpan(NamedTuple):
    """One live annotation as the screen draws it (the attribute names are the model's)."""

    id: int
    kind: str
    start: int
    end: int
    exact: str
    state: str
    author_id: int
    author_name: str
    number_value: Decimal | None
    number_unit: str
    number_scale: str
    number_qualifier: str
    number_counts: str
    speaker: str
    speech_type: str
    claimant: str
    check_worthy: bool | None


SCREEN_FIELDS = (
    "id", "kind", "start", "end", "exact", "state", "author_id", "author__username",
    "number_value", "number_unit", "number_scale", "number_qualifier", "number_counts",
    "speaker", "speech_type", "claimant", "check_worthy",
)  # fmt: skip
# Paragraph starts per article body (its checksum): the body never changes.
_PARAGRAPHS: dict[str, tuple[int, ...]] = {}
PARAGRAPHS_CACHED = 2048


def screen_span_of(annotation: Annotation) -> ScreenSpan:
    """An annotation in hand as `screen_spans` reads it (its author loaded)."""
    values = {
        name: getattr(annotation, name) for name in ScreenSpan._fields if name != "author_name"
    }
    return ScreenSpan(**values, author_name=annotation.author.get_username())


def screen_spans(article: Article) -> list[ScreenSpan]:
    """The article's live annotations in reading order, in one query."""
    rows = article.annotations.live().values_list(*SCREEN_FIELDS)
    return [ScreenSpan(*row) for row in rows]


def screen_state(article: Article, annotations=None) -> list[ScreenSpan]:
    """`screen_spans`, and on `article` the annotations_version they are at. `annotations`:
    the article's annotations this screen may show (`visibility.visible_annotations`).

    The spans carry the version read by the same statement, so a screen claims exactly the
    version it draws; an article without spans takes the version read just before, which
    can only be older than what is drawn: the next live update then sends again what the
    screen already has, and every swap is idempotent (see `screen_changes`).
    """
    version = _current_version(article)
    fields = [*SCREEN_FIELDS, "article__annotations_version"]
    annotations = article.annotations.all() if annotations is None else annotations
    rows = list(annotations.live().values_list(*fields))
    article.annotations_version = rows[0][-1] if rows else version
    return [ScreenSpan(*row[:-1]) for row in rows]


class BodySpan(NamedTuple):
    """A span as the body, the rows' order and the counts need it (the rows need more)."""

    id: int
    kind: str
    start: int
    end: int
    author_id: int
    state: str
    created_version: int
    version: int
    changed_version: int
    at: int  # the article's annotations_version, read by the same statement


@dataclass(frozen=True)
class ScreenChanges:
    """What a screen showing `since` must change to show `version`, as htmx out-of-band
    swaps: the paragraphs to redraw, the list rows to remove (withdrawn since), the rows
    to insert after their predecessor in text order (None: first), each in place of the
    screen's copy if it has one (annotate.js), and the counts."""

    since: int
    version: int
    paragraphs: list[SafeString]
    removed: list[int]
    inserted: list[tuple[int | None, SafeString]]
    annotation_count: int
    my_draft_count: int


def screen_changes(
    article: Article, since: int, user_id: int, *, known: Sequence[Annotation] = (),
    annotations=None,
) -> ScreenChanges | None:  # fmt: skip
    """What changed on the annotate screen since the article's annotations were at version
    `since`; None when the whole body and list should be sent instead (too many changes,
    `too_many_changes`, or `since` is not a version the article had).

    The work is that of the changes. One statement reads the live spans as a few integers
    each (for the lanes, the rows' order and the counts) and those changed since `since`
    (indexed; withdrawn ones included), with the version they are at: the structure of the
    answer is one moment's. Then the changed rows' text and attributes, the places the
    edited ones had before (their history), and the paragraphs all those meet, redrawn with
    the lanes of the overlap clusters there. A row read a moment later than the structure
    may be newer than the version claimed; the next update sends it again, in place.
    `known`: annotations the caller holds as they are now (the one it just created): their
    rows are not read again. `article.annotations_version` becomes the version claimed.
    `annotations`: the article's annotations this screen may show (`visibility`).
    """
    annotations = article.annotations.all() if annotations is None else annotations
    spans = annotations.filter(~Q(state=State.WITHDRAWN) | Q(changed_version__gt=since))
    fields = [*BodySpan._fields[:-1], "article__annotations_version"]
    rows = [BodySpan(*row) for row in spans.values_list(*fields)]
    article.annotations_version = rows[0].at if rows else _current_version(article)
    changed = [span for span in rows if span.changed_version > since]
    live = [span for span in rows if span.state != State.WITHDRAWN]
    if since > article.annotations_version or too_many_changes(len(changed), len(live)):
        return None
    position = {span.id: index for index, span in enumerate(live)}
    inserted = [span.id for span in live if span.changed_version > since]
    texts = {annotation.pk: screen_span_of(annotation) for annotation in known}
    if missing := [span_id for span_id in inserted if span_id not in texts]:
        fields = annotations.filter(pk__in=missing).values_list(*SCREEN_FIELDS)
        texts |= {row[0]: ScreenSpan(*row) for row in fields}
    edited = [span.id for span in changed if span.version > 1]
    extents = [(span.start, span.end) for span in changed] + _past_extents(edited)
    paragraphs = article_paragraphs(article)
    redrawn = {
        index for start, end in extents for index in _paragraphs_meeting(paragraphs, start, end)
    }
    return ScreenChanges(
        since=since,
        version=article.annotations_version,
        paragraphs=paragraphs_html(article.body, live, paragraphs, sorted(redrawn), oob=True),
        # Withdrawn since: the screen has their rows unless they were also created since.
        removed=[
            span.id
            for span in changed
            if span.state == State.WITHDRAWN and span.created_version <= since
        ],
        inserted=[
            (
                live[position[span_id] - 1].id if position[span_id] else None,
                rows_html([texts[span_id]], user_id),
            )
            for span_id in inserted
        ],  # fmt: skip
        annotation_count=len(live),
        my_draft_count=sum(
            1 for span in live if span.author_id == user_id and span.state == State.DRAFT
        ),
    )


def _past_extents(annotation_ids: list[int]) -> list[tuple[int, int]]:
    """Every place these annotations had, from their history's span changes: a screen that
    last looked a while ago may still draw one of them at any of those places."""
    if not annotation_ids:
        return []
    changes = HistoryEntry.objects.filter(annotation_id__in=annotation_ids, changes__has_key="span")
    return [tuple(extent) for span in changes.values_list("changes__span", flat=True)
            for extent in span if extent]  # fmt: skip


def _paragraphs_meeting(paragraphs: Sequence[int], start: int, end: int) -> range:
    """The indexes of the paragraphs that hold part of [start, end)."""
    return range(bisect_right(paragraphs, start) - 1, bisect_left(paragraphs, end))


def _current_version(article: Article) -> int:
    return Article.objects.filter(pk=article.pk).values_list("annotations_version", flat=True).get()


def article_paragraphs(article: Article) -> tuple[int, ...]:
    """Where the article's paragraphs start (`text.paragraph_starts`), computed once per body
    and process: the body is immutable, so its checksum names its paragraphs for good."""
    starts = _PARAGRAPHS.get(article.checksum)
    if starts is None:
        starts = paragraph_starts(article.body)
        if len(_PARAGRAPHS) >= PARAGRAPHS_CACHED:
            _PARAGRAPHS.clear()  # a crude bound; recomputing is cheap, the cache saves repeats
        if article.checksum:
            _PARAGRAPHS[article.checksum] = starts
    return starts


def body_html(body: str, spans: Sequence[ScreenSpan], paragraphs=None) -> SafeString:
    """The body as paragraphs of segments: `<span class="para" id="para-<i>">` each holding
    `<span class="seg" data-start data-end data-ids>` elements.

    A segment covered by annotations nests one `<span class="m k-<kind> l<lane>">` per
    annotation (up to MAX_LANES); data-start/data-end are code-point offsets, data-ids the
    covering annotation ids, so the browser can map a selection or a hover back to them.
    Segments never cross a paragraph's start, so one paragraph can be redrawn alone
    (`paragraphs_html`) exactly as it is drawn here.
    """
    paragraphs = paragraph_starts(body) if paragraphs is None else paragraphs
    ranges = [(span.id, span.start, span.end) for span in spans]
    marks = _marks(spans, assign_lanes(ranges))
    cut = segments(body, ranges, cuts=paragraphs)
    return mark_safe("".join(_paragraphs(body, paragraphs, range(len(paragraphs)), cut, marks)))


def paragraphs_html(
    body: str, spans: Sequence, paragraphs: Sequence[int], indexes: Sequence[int], *, oob=False
) -> list[SafeString]:
    """The paragraphs `indexes` (in order) as `body_html` draws them, each on its own (for an
    htmx out-of-band swap when `oob`). `spans` are all the live spans in reading order
    (anything with id, kind, start and end); only those near the paragraphs are drawn, and
    lanes are worked out only for the overlap clusters that reach them."""
    ranges = [(span.id, span.start, span.end) for span in spans]
    ends = [*paragraphs[1:], len(body)]
    runs = _consecutive(indexes)
    windows = [(paragraphs[first], ends[last]) for first, last in runs]
    lanes = lanes_around(ranges, windows)
    marks = _marks([span for span in spans if span.id in lanes], lanes)
    html = []
    for (first, last), (start, end) in zip(runs, windows, strict=True):
        near = [span for span in ranges if span[1] < end and span[2] > start]
        cut = segments(body, near, start=start, end=end, cuts=paragraphs)
        html.extend(_paragraphs(body, paragraphs, range(first, last + 1), cut, marks, oob=oob))
    return [mark_safe(paragraph) for paragraph in html]


def _consecutive(indexes: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted indexes as runs of consecutive ones: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for index in sorted(set(indexes)):
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _marks(spans, lanes: dict) -> dict:
    """Per span, once: its lane, its opening tag and its id as text (it has many segments)."""
    return {
        span.id: (lanes[span.id], f'<span class="m k-{span.kind} l{lanes[span.id]}">', str(span.id))
        for span in spans
    }


def _paragraphs(body, paragraphs, indexes, cut, marks, *, oob=False):
    """The paragraph elements `indexes` holding the segments `cut` (which cover them)."""
    oob_attribute = ' hx-swap-oob="true"' if oob else ""
    position = 0
    for index in indexes:
        start = paragraphs[index]
        end = paragraphs[index + 1] if index + 1 < len(paragraphs) else len(body)
        parts = [
            f'<span class="para" id="para-{index}" data-start="{start}" data-end="{end}"'
            f"{oob_attribute}>"
        ]
        while position < len(cut) and cut[position].end <= end:
            parts.append(_segment_html(cut[position], marks))
            position += 1
        parts.append("</span>")
        yield "".join(parts)


def _segment_html(segment, marks) -> str:
    # Safe: the text goes through html.escape(); kinds are choices, the rest are integers.
    text = html.escape(segment.text)
    if not segment.span_ids:
        return (
            f'<span class="seg" data-start="{segment.start}" data-end="{segment.end}">{text}</span>'  # noqa: E501
        )
    covering = [marks[span_id] for span_id in segment.span_ids]
    drawn = sorted(mark for mark in covering if mark[0] < MAX_LANES)
    deep = " deep" if len(drawn) < len(covering) else ""
    ids = " ".join(mark[2] for mark in covering)
    opening = "".join(mark[1] for mark in drawn)
    return (
        f'<span class="seg on{deep}" data-start="{segment.start}" data-end="{segment.end}" '
        f'data-ids="{ids}">{opening}{text}{"</span>" * len(drawn)}</span>'
    )


def rows_html(spans: Sequence[ScreenSpan], user_id: int) -> SafeString:
    """The list rows: kind, text, author, state and attributes of each span, in text order.

    Each row links to `?a=<id>` (the panel without JavaScript); its `.ann-summary` is what
    the hover card shows for that span.
    """
    parts = []
    for span in spans:
        mine = " mine" if span.author_id == user_id else ""
        summary = attribute_summary(span)
        attributes = f' <span class="ann-attrs">{escape(summary)}</span>' if summary else ""
        parts.append(
            f'<li id="ann-{span.id}" class="ann k-{span.kind}{mine}" data-a="{span.id}">'
            f'<a class="ann-open" href="?a={span.id}#panel"><span class="ann-summary">'
            f'<span class="kind-badge k-{span.kind}">{KIND_LABELS[span.kind]}</span> '
            f'<span class="ann-exact">{escape(excerpt(span.exact))}</span> '
            f'<span class="ann-meta">{escape(span.author_name)} · '
            f'<span class="pill state-{span.state}">{STATE_LABELS[span.state]}</span></span>'
            f"{attributes}</span></a></li>"
        )
    # Safe: user text went through escape(); kinds and states are choices.
    return mark_safe("".join(parts))


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """A span's text shortened in the middle, keeping how it starts and ends."""
    if len(text) <= length:
        return text
    half = (length - 1) // 2
    return f"{text[:half].rstrip()} … {text[-half:].lstrip()}"


def attribute_summary(annotation) -> str:
    """The attributes in one line ("30 percent · more than"), "" when none.

    Takes an Annotation or a ScreenSpan (same attribute names).
    """
    parts = []
    if annotation.kind == Kind.NUMBER:
        if annotation.number_value is not None:
            # As the annotator writes it in the form: "518400000000", "0.5", never "1E-7".
            value = decimal_text(annotation.number_value)
            parts.append(f"{value} {annotation.number_unit}".strip())
        elif annotation.number_unit:
            parts.append(annotation.number_unit)
        if annotation.number_scale:
            parts.append(f"scale: {annotation.number_scale}")
        if annotation.number_qualifier:
            parts.append(annotation.number_qualifier)
        if annotation.number_counts:
            parts.append(f"counts: {annotation.number_counts}")
    elif annotation.kind == Kind.QUOTATION:
        if annotation.speaker:
            parts.append(f"speaker: {annotation.speaker}")
        if annotation.speech_type:
            parts.append(SpeechType(annotation.speech_type).label.lower())
    elif annotation.kind == Kind.CLAIM:
        if annotation.claimant:
            parts.append(f"claimant: {annotation.claimant}")
        if annotation.check_worthy is not None:
            parts.append("check-worthy" if annotation.check_worthy else "not check-worthy")
    return " · ".join(parts)
