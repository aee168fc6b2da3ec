"""What the annotate screen draws: the body cut into segments with their marks, and the list.

Both are rendered here rather than in template loops because an article may carry a
thousand spans (a few thousand segments, a thousand list rows): reading plain rows and
joining escaped strings is about ten times faster than model instances and the template
engine, and it guarantees that no white space slips between the body's tags, so the
element's textContent is exactly the stored body. The side panel, one annotation at a
time, stays in the template.
"""

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .exporters import decimal_text
from .models import Article, Kind, SpeechType, State
from .text import assign_lanes, segments

# Underline lanes drawn below the text; deeper overlaps share a "more" cue on the segment.
MAX_LANES = 4
EXCERPT_LENGTH = 90
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


def screen_spans(article: Article) -> list[ScreenSpan]:
    """The article's live annotations in reading order, in one query."""
    rows = article.annotations.live().values_list(
        "id", "kind", "start", "end", "exact", "state", "author_id", "author__username",
        "number_value", "number_unit", "number_scale", "number_qualifier", "number_counts",
        "speaker", "speech_type", "claimant", "check_worthy",
    )  # fmt: skip
    return [ScreenSpan(*row) for row in rows]


def body_html(body: str, spans: Sequence[ScreenSpan]) -> SafeString:
    """The body as segments: `<span class="seg" data-start data-end data-ids>` each.

    A segment covered by annotations nests one `<span class="m k-<kind> l<lane>">` per
    annotation (up to MAX_LANES); data-start/data-end are code-point offsets, data-ids the
    covering annotation ids, so the browser can map a selection or a hover back to them.
    """
    ranges = [(span.id, span.start, span.end) for span in spans]
    lanes = assign_lanes(ranges)
    # Per span, once: its lane, its opening tag and its id as text (a span has many segments).
    marks = {
        span.id: (lanes[span.id], f'<span class="m k-{span.kind} l{lanes[span.id]}">', str(span.id))
        for span in spans
    }
    parts = []
    for segment in segments(body, ranges):
        text = html.escape(segment.text)
        if not segment.span_ids:
            parts.append(
                f'<span class="seg" data-start="{segment.start}" data-end="{segment.end}">'
                f"{text}</span>"
            )
            continue
        covering = [marks[span_id] for span_id in segment.span_ids]
        drawn = sorted(mark for mark in covering if mark[0] < MAX_LANES)
        deep = " deep" if len(drawn) < len(covering) else ""
        ids = " ".join(mark[2] for mark in covering)
        opening = "".join(mark[1] for mark in drawn)
        parts.append(
            f'<span class="seg on{deep}" data-start="{segment.start}" data-end="{segment.end}" '
            f'data-ids="{ids}">{opening}{text}{"</span>" * len(drawn)}</span>'
        )
    # Safe: the text went through html.escape(); kinds are choices and the rest are integers.
    return mark_safe("".join(parts))


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
