"""Redrawing part of the annotate screen's body: paragraphs, windows of segments, lanes per
overlap cluster. Each part drawn alone must be exactly what the whole render draws there,
checked as properties over random bodies (paragraph breaks, emoji, CJK) and random spans.
"""

import html
import re
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.highlight import ScreenProposal, body_html, paragraphs_html
from annotations.text import (
    assign_lanes,
    lanes_around,
    lanes_moved,
    overlap_clusters,
    paragraph_starts,
    segments,
)

PIECES = ["a", "b", " ", "\n", "\n\n", "\n\n\n", ".", "“", "😀", "世", "e\u0301", "7", "<", "&"]
KINDS = ["claim", "number", "quotation"]


class Span(NamedTuple):
    id: int
    kind: str
    start: int
    end: int


def in_reading_order(spans):
    return sorted(spans, key=lambda span: (span[-2], -span[-1], span[0]))


@st.composite
def bodies_with_spans(draw, max_spans=25):
    body = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=50)))
    length = len(body)
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, length), st.integers(0, length)).filter(
                lambda p: p[0] != p[1]
            ),
            max_size=max_spans,
        )
    )
    spans = [
        Span(index + 1, KINDS[index % 3], min(pair), max(pair)) for index, pair in enumerate(pairs)
    ]
    return body, in_reading_order(spans)


def ranges(spans):
    return [(span.id, span.start, span.end) for span in spans]


def test_paragraphs_start_after_every_run_of_blank_lines():
    body = "One.\n\nTwo\nlines.\n\n\nThree."
    starts = paragraph_starts(body)
    assert starts == (0, 6, 19)
    ends = [*starts[1:], len(body)]
    assert [body[start:end] for start, end in zip(starts, ends, strict=True)] == [
        "One.\n\n", "Two\nlines.\n\n\n", "Three.",
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(bodies_with_spans())
def test_a_window_cut_alone_is_the_whole_cut_there(case):
    body, spans = case
    cuts = paragraph_starts(body)
    whole = segments(body, ranges(spans), cuts=cuts)
    ends = [*cuts[1:], len(body)]
    for start, end in zip(cuts, ends, strict=True):
        part = segments(body, ranges(spans), start=start, end=end, cuts=cuts)
        assert part == [segment for segment in whole if start <= segment.start < end]


@settings(max_examples=300, deadline=None)
@given(bodies_with_spans(), st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)), max_size=3))
def test_lanes_around_a_region_are_the_lanes_of_all_the_spans(case, regions):
    body, spans = case
    everywhere = assign_lanes(ranges(spans))
    regions = [(start, start + length) for start, length in regions]
    near = lanes_around(ranges(spans), regions)
    assert all(near[span_id] == everywhere[span_id] for span_id in near)
    for span in spans:
        if any(span.start < end and start < span.end for start, end in regions):
            assert span.id in near


@settings(max_examples=200, deadline=None)
@given(bodies_with_spans())
def test_overlap_clusters_never_overlap_each_other(case):
    _body, spans = case
    clusters = overlap_clusters(ranges(spans))
    assert sum(len(members) for _start, _end, members in clusters) == len(spans)
    for (_s, left_end, _m), (right_start, _e, _n) in zip(clusters, clusters[1:], strict=False):
        assert left_end <= right_start


@settings(max_examples=300, deadline=None)
@given(bodies_with_spans(), st.integers(0, 24), st.sampled_from(["new", "moved", "gone"]),
       st.integers(0, 50), st.integers(1, 30))  # fmt: skip
def test_lanes_moved_names_exactly_the_spans_whose_lane_changed(case, pick, change, start, length):
    body, spans = case
    if not spans:
        return
    subject = spans[pick % len(spans)]
    before_place = (subject.start, subject.end)
    if change == "new":
        then = [span for span in spans if span.id != subject.id]
        now, before = spans, None
    elif change == "gone":
        then, before = spans, before_place
        now = [span for span in spans if span.id != subject.id]
    else:
        moved = subject._replace(start=start, end=start + length)
        then, before = spans, before_place
        now = in_reading_order([moved if span.id == subject.id else span for span in spans])
    lanes_then, lanes_now = assign_lanes(ranges(then)), assign_lanes(ranges(now))
    expected = {
        span_id
        for span_id in lanes_now
        if span_id != subject.id
        and span_id in lanes_then
        and lanes_then[span_id] != lanes_now[span_id]
    }
    assert lanes_moved(ranges(now), subject.id, before) == expected


@settings(max_examples=300, deadline=None)
@given(bodies_with_spans(max_spans=40))
def test_each_paragraph_drawn_alone_is_the_whole_render_there(case):
    body, spans = case
    paragraphs = paragraph_starts(body)
    whole = str(body_html(body, spans, paragraphs))
    alone = paragraphs_html(body, spans, paragraphs, range(len(paragraphs)))
    assert "".join(alone) == whole
    some = list(range(0, len(paragraphs), 2))
    drawn = paragraphs_html(body, spans, paragraphs, some, oob=True)
    assert [part.replace(' hx-swap-oob="true"', "", 1) for part in drawn] == [
        alone[index] for index in some
    ]
    assert html.unescape(re.sub(r"<[^>]+>", "", whole)) == body


@settings(max_examples=200, deadline=None)
@given(bodies_with_spans(max_spans=40))
def test_paragraphs_with_proposals_drawn_alone_are_the_whole_render_there(case):
    """Proposals are cut by the same segmenting: half the spans drawn as proposals over and
    inside the other half, each paragraph alone still equals the whole render."""
    body, spans = case
    annotations, proposed = spans[::2], spans[1::2]
    proposals = [
        ScreenProposal(span.id, span.kind, span.start, span.end, {}, 0.5, "test")
        for span in proposed
    ]
    paragraphs = paragraph_starts(body)
    whole = str(body_html(body, annotations, paragraphs, proposals=proposals))
    alone = paragraphs_html(
        body, annotations, paragraphs, range(len(paragraphs)), proposals=proposals
    )
    assert "".join(alone) == whole
    assert html.unescape(re.sub(r"<[^>]+>", "", whole)) == body
    # Each proposal opens once (`ps`) and closes once (`pe`), whatever it overlaps.
    for proposal in proposals:
        marks = re.findall(rf'<span class="p k-\w+( ps)?( pe)?" data-p="{proposal.id}"', whole)
        assert [mark[0] for mark in marks].count(" ps") == 1
        assert [mark[1] for mark in marks].count(" pe") == 1
