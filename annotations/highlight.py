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
from types import SimpleNamespace
from typing import NamedTuple

from django.db.models import FilteredRelation, Q, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .exporters import decimal_text
from .models import (
    Annotation,
    Article,
    HistoryEntry,
    Kind,
    SpeechType,
    State,
    Suggestion,
    SuggestionStatus,
)
from .statements import PreparedQuery
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


class ScreenProposal(NamedTuple):
    """One pending proposal of the assistant as the screen draws it (dashed, apart from the
    annotations): `attributes` as stored (Annotation field names, decimals as strings)."""

    id: int
    kind: str
    start: int
    end: int
    attributes: dict
    score: float
    engine: str


PROPOSAL_FIELDS = ScreenProposal._fields
# What attribute_summary reads of a span, empty: a proposal's attributes are filled over it.
_NO_ATTRIBUTES = {
    "number_value": None, "number_unit": "", "number_scale": "", "number_qualifier": "",
    "number_counts": "", "speaker": "", "speech_type": "", "claimant": "", "check_worthy": None,
}  # fmt: skip
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


def screen_state(
    article: Article, annotations=None
) -> tuple[list[ScreenSpan], list[ScreenProposal]]:
    """`screen_spans` and the pending proposals, and on `article` the annotations_version
    they are at, in two queries whatever their numbers. `annotations`: the article's
    annotations this screen may show (`visibility.visible_annotations`).

    The version is read with the proposals, just before the spans: what is drawn is at
    least that new, so the screen may claim it. A change made in between is then sent
    again by the next live update, and every swap is idempotent (see `screen_changes`);
    claiming a newer version than the proposals drawn would keep a proposal accepted
    meanwhile on the screen.
    """
    pending = FilteredRelation("suggestions", condition=Q(suggestions__status="pending"))
    rows = list(
        Article.objects.filter(pk=article.pk)
        .annotate(pending=pending)
        .order_by("pending__start", "-pending__end", "pending__id")
        .values_list("annotations_version", *(f"pending__{name}" for name in PROPOSAL_FIELDS))
    )
    article.annotations_version = rows[0][0]
    proposals = [ScreenProposal(*row[1:]) for row in rows if row[1] is not None]
    annotations = article.annotations.all() if annotations is None else annotations
    spans = [ScreenSpan(*row) for row in annotations.live().values_list(*SCREEN_FIELDS)]
    return spans, proposals


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
    screen's copy if it has one (annotate.js), and the counts (pending proposals per kind
    included)."""

    since: int
    version: int
    paragraphs: list[SafeString]
    removed: list[int]
    inserted: list[tuple[int | None, SafeString]]
    annotation_count: int
    my_draft_count: int
    proposal_counts: list[tuple[str, str, int]]


def screen_changes(
    article: Article, since: int, user_id: int, *, known: Sequence[Annotation] = ()
) -> ScreenChanges | None:
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

    The proposals are read in one more statement, after the spans: the pending ones (drawn)
    and those decided or stored since `since` (their paragraphs are redrawn: an accepted or
    dismissed proposal disappears, a new one appears). Read later than the structure, they
    can only be newer than the version claimed, and the next update redraws them again.
    Pending proposals that `suggestions_refresh` deletes (an engine's older version) leave
    no trace for this: a screen drops them at its next whole render (a reload, or when a
    new engine version's proposals are too many changes to send one by one).
    For a screen that shows every annotation of the article: a user for whom blind
    annotation applies there (`visibility.is_blind_for`) is sent the whole screen instead.
    Both statements are built once per process (`statements.PreparedQuery`).
    """
    rows = [BodySpan(*row) for row in CHANGED_SPANS.rows(article_id=article.pk, since=since)]
    article.annotations_version = rows[0].at if rows else _current_version(article)
    changed = [span for span in rows if span.changed_version > since]
    live = [span for span in rows if span.state != State.WITHDRAWN]
    proposal_rows = CHANGED_PROPOSALS.rows(article_id=article.pk, since=since)
    pending = [ScreenProposal(*row[:-2]) for row in proposal_rows if row[-2] == "pending"]
    proposals_changed = [row for row in proposal_rows if row[-1] > since]
    if since > article.annotations_version or too_many_changes(
        len(changed) + len(proposals_changed), len(live) + len(pending)
    ):
        return None
    position = {span.id: index for index, span in enumerate(live)}
    inserted = [span.id for span in live if span.changed_version > since]
    texts = {annotation.pk: screen_span_of(annotation) for annotation in known}
    if missing := [span_id for span_id in inserted if span_id not in texts]:
        fields = article.annotations.filter(pk__in=missing).values_list(*SCREEN_FIELDS)
        texts |= {row[0]: ScreenSpan(*row) for row in fields}
    edited = [span.id for span in changed if span.version > 1]
    extents = [(span.start, span.end) for span in changed] + _past_extents(edited)
    extents += [(row[2], row[3]) for row in proposals_changed]
    paragraphs = article_paragraphs(article)
    redrawn = {
        index for start, end in extents for index in _paragraphs_meeting(paragraphs, start, end)
    }
    return ScreenChanges(
        since=since,
        version=article.annotations_version,
        paragraphs=paragraphs_html(
            article.body, live, paragraphs, sorted(redrawn), oob=True, proposals=pending
        ),
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
        proposal_counts=proposal_counts(pending),
    )


# The live spans and those changed since `since`, with the article's version read once by
# the statement, in its snapshot (a join would look the article up again for every row).
CHANGED_SPANS = PreparedQuery(
    lambda article_id, since: (
        Annotation.objects.filter(article_id=article_id)
        .filter(~Q(state=State.WITHDRAWN) | Q(changed_version__gt=since))
        .annotate(at=Subquery(Article.objects.filter(pk=article_id).values("annotations_version")))
        .values_list(*BodySpan._fields)
    ),
    "article_id",
    "since",
)
# The pending proposals and those decided or stored since `since`.
CHANGED_PROPOSALS = PreparedQuery(
    lambda article_id, since: (
        Suggestion.objects.filter(article_id=article_id)
        .filter(Q(status=SuggestionStatus.PENDING) | Q(changed_version__gt=since))
        .order_by("start", "-end", "id")
        .values_list(*PROPOSAL_FIELDS, "status", "changed_version")
    ),
    "article_id",
    "since",
)


def proposal_counts(proposals: Sequence[ScreenProposal]) -> list[tuple[str, str, int]]:
    """Pending proposals per kind as (kind, label, count), every kind in the kinds' order."""
    counts = dict.fromkeys(Kind.values, 0)
    for proposal in proposals:
        counts[proposal.kind] += 1
    return [(kind, KIND_LABELS[kind], count) for kind, count in counts.items()]


def proposal_summary(proposal: ScreenProposal) -> str:
    """What accepting it fills in, as the list writes an annotation's attributes, with the
    engine and its score: "Proposed number: 30 percent · more than (numbers, 0.95)"."""
    values = _NO_ATTRIBUTES | proposal.attributes
    if values["number_value"] is not None:
        values["number_value"] = Decimal(values["number_value"])
    summary = attribute_summary(SimpleNamespace(kind=proposal.kind, **values))
    label = KIND_LABELS[proposal.kind].lower()
    filled = f": {summary}" if summary else ""
    return f"Proposed {label}{filled} ({proposal.engine}, {proposal.score:.2f})"


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


def body_html(
    body: str, spans: Sequence[ScreenSpan], paragraphs=None, *, proposals: Sequence = ()
) -> SafeString:
    """The body as paragraphs of segments: `<span class="para" id="para-<i>">` each holding
    `<span class="seg" data-start data-end data-ids>` elements.

    A segment covered by annotations nests one `<span class="m k-<kind> l<lane>">` per
    annotation (up to MAX_LANES); data-start/data-end are code-point offsets, data-ids the
    covering annotation ids, so the browser can map a selection or a hover back to them.
    Pending `proposals` are cut by the same segmenting: a segment they cover is `pr`, lists
    them in data-pids and nests, inside the annotations' marks, one
    `<span class="p k-<kind>" data-p>` per proposal (`ps` / `pe` where it starts / ends, so
    the dashed outline closes there), titled with what accepting it fills in.
    Segments never cross a paragraph's start, so one paragraph can be redrawn alone
    (`paragraphs_html`) exactly as it is drawn here.
    """
    paragraphs = paragraph_starts(body) if paragraphs is None else paragraphs
    ranges = [(span.id, span.start, span.end) for span in spans]
    marks = _marks(spans, assign_lanes(ranges)) | _proposal_marks(proposals)
    cut = segments(body, ranges + _proposal_ranges(proposals), cuts=paragraphs)
    return mark_safe("".join(_paragraphs(body, paragraphs, range(len(paragraphs)), cut, marks)))


def paragraphs_html(
    body: str,
    spans: Sequence,
    paragraphs: Sequence[int],
    indexes: Sequence[int],
    *,
    oob=False,
    proposals: Sequence = (),
) -> list[SafeString]:
    """The paragraphs `indexes` (in order) as `body_html` draws them, each on its own (for an
    htmx out-of-band swap when `oob`). `spans` are all the live spans in reading order
    (anything with id, kind, start and end), `proposals` all the pending ones; only those
    near the paragraphs are drawn, and lanes are worked out only for the overlap clusters
    that reach them."""
    ranges = [(span.id, span.start, span.end) for span in spans]
    ends = [*paragraphs[1:], len(body)]
    runs = _consecutive(indexes)
    windows = [(paragraphs[first], ends[last]) for first, last in runs]
    lanes = lanes_around(ranges, windows)
    marks = _marks([span for span in spans if span.id in lanes], lanes)
    html = []
    for (first, last), (start, end) in zip(runs, windows, strict=True):
        near = [span for span in ranges if span[1] < end and span[2] > start]
        nearby = [
            proposal for proposal in proposals if proposal.start < end and proposal.end > start
        ]
        marks |= _proposal_marks(nearby)
        cut = segments(body, near + _proposal_ranges(nearby), start=start, end=end, cuts=paragraphs)
        html.extend(_paragraphs(body, paragraphs, range(first, last + 1), cut, marks, oob=oob))
    return [mark_safe(paragraph) for paragraph in html]


class _ProposalKey(NamedTuple):
    """A proposal's id among the segments' covering ids (annotations are plain ints)."""

    id: int


def _proposal_ranges(proposals) -> list[tuple]:
    return [(_ProposalKey(proposal.id), proposal.start, proposal.end) for proposal in proposals]


def _proposal_marks(proposals) -> dict:
    """Per proposal, once: its start, end, and its opening tag's parts before and after the
    `ps` / `pe` classes a segment adds."""
    return {
        _ProposalKey(proposal.id): (
            proposal.start,
            proposal.end,
            f'<span class="p k-{proposal.kind}',
            f'" data-p="{proposal.id}" title="{escape(proposal_summary(proposal))}">',
        )
        for proposal in proposals
    }


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
    # Safe: the text goes through html.escape(), so do the proposals' titles (_proposal_marks);
    # kinds are choices, the rest are integers.
    text = html.escape(segment.text)
    if not segment.span_ids:
        return (
            f'<span class="seg" data-start="{segment.start}" data-end="{segment.end}">{text}</span>'  # noqa: E501
        )
    covering = [marks[span_id] for span_id in segment.span_ids if type(span_id) is int]
    proposed = [span_id for span_id in segment.span_ids if type(span_id) is _ProposalKey]
    drawn = sorted(mark for mark in covering if mark[0] < MAX_LANES)
    classes = "seg on" if covering else "seg"
    if len(drawn) < len(covering):
        classes += " deep"
    attributes = f' data-ids="{" ".join(mark[2] for mark in covering)}"' if covering else ""
    opening = "".join(mark[1] for mark in drawn)
    closing = len(drawn) + len(proposed)
    if proposed:
        classes += " pr"
        attributes += f' data-pids="{" ".join(str(key.id) for key in proposed)}"'
        for key in proposed:
            start, end, head, tail = marks[key]
            edges = (" ps" if segment.start == start else "") + (
                " pe" if segment.end == end else ""
            )
            opening += f"{head}{edges}{tail}"
    return (
        f'<span class="{classes}" data-start="{segment.start}" data-end="{segment.end}"'
        f"{attributes}>{opening}{text}{'</span>' * closing}</span>"
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
