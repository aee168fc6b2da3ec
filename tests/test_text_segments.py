"""The highlight helpers of annotations/text.py: segments, lanes, word snapping and nudging.

The segmenter is checked as a property over random bodies (emoji outside the BMP, CJK,
combining marks, curly quotes, U+2002) and random overlapping spans.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.text import assign_lanes, locate, nudge_span, segments, snap_to_words

PIECES = ["a", "b", "z", " ", "\n", ".", ",", "“", "”", "’", "😀", "🌍", "世", "界", "é", "e\u0301",
          "\u0301", "\u2002", "\u00a0", "7"]  # fmt: skip


@st.composite
def bodies_with_spans(draw):
    body = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=60)))
    length = len(body)
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, length), st.integers(0, length)).filter(
                lambda p: p[0] != p[1]
            ),
            max_size=15,
        )
    )
    spans = [(f"s{index}", min(pair), max(pair)) for index, pair in enumerate(pairs)]
    return body, spans


@settings(max_examples=300, deadline=None)
@given(bodies_with_spans())
def test_segments_concatenate_to_the_body(case):
    body, spans = case
    parts = segments(body, spans)
    assert "".join(part.text for part in parts) == body
    assert parts[0].start == 0 and parts[-1].end == len(body)
    for left, right in zip(parts, parts[1:], strict=False):
        assert left.end == right.start
    for part in parts:
        assert part.start < part.end and part.text == body[part.start : part.end]


@settings(max_examples=300, deadline=None)
@given(bodies_with_spans())
def test_each_annotation_covers_exactly_its_range(case):
    body, spans = case
    parts = segments(body, spans)
    for span_id, start, end in spans:
        covered = [part for part in parts if span_id in part.span_ids]
        assert covered, span_id
        assert covered[0].start == start and covered[-1].end == end
        # contiguous: no gap between the segments that carry the span
        assert sum(part.end - part.start for part in covered) == end - start
        assert "".join(part.text for part in covered) == body[start:end]


def test_segments_list_covering_spans_in_the_order_given():
    body = "one two three"
    parts = segments(body, [("outer", 0, 13), ("inner", 4, 7)])
    assert [(p.text, p.span_ids) for p in parts] == [
        ("one ", ("outer",)),
        ("two", ("outer", "inner")),
        (" three", ("outer",)),
    ]


def test_segments_refuse_a_span_outside_the_text():
    with pytest.raises(ValueError):
        segments("short", [("x", 2, 9)])


@settings(max_examples=200, deadline=None)
@given(bodies_with_spans())
def test_overlapping_spans_never_share_a_lane(case):
    _body, spans = case
    lanes = assign_lanes(spans)
    assert set(lanes) == {span_id for span_id, _, _ in spans}
    for index, (first, start_a, end_a) in enumerate(spans):
        for second, start_b, end_b in spans[index + 1 :]:
            if start_a < end_b and start_b < end_a:
                assert lanes[first] != lanes[second]


def test_lanes_are_reused_once_a_span_has_ended():
    lanes = assign_lanes([("a", 0, 5), ("b", 2, 8), ("c", 6, 9)])
    assert lanes == {"a": 0, "b": 1, "c": 0}


@pytest.mark.parametrize(
    ("body", "start", "end", "expected"),
    [
        ("The minister said", 5, 9, "minister"),  # inside a word: whole word
        ("  exports rose  ", 0, 16, "exports rose"),  # spaces trimmed
        ("Party 🎉 then 中国经济 grew", 13, 15, "中国经济"),  # CJK run after an emoji
        ("said “exports rose”", 5, 12, "“exports"),  # punctuation kept as selected
        ("US$518.4 billion", 4, 6, "518"),
    ],
)
def test_snap_to_words_trims_and_extends_to_whole_words(body, start, end, expected):
    start, end = snap_to_words(body, start, end)
    assert body[start:end] == expected


@pytest.mark.parametrize(
    ("edge", "direction", "expected"),
    [
        ("start", -1, "minister said “exports rose"),
        ("start", 1, "exports rose"),
        ("end", 1, "said “exports rose 30"),
        ("end", -1, "said “exports"),
    ],
)
def test_nudge_span_moves_one_end_by_a_word(edge, direction, expected):
    body = "The minister said “exports rose 30 percent”."
    start = body.index("said")
    end = body.index(" 30")
    start, end = nudge_span(body, start, end, edge, direction)
    assert body[start:end] == expected


def test_nudge_span_refuses_to_leave_nothing():
    body = "one two"
    with pytest.raises(ValueError, match="empty"):
        nudge_span(body, 0, 3, "end", -1)


def test_nudge_span_refuses_to_move_past_the_text():
    body = "one two"
    with pytest.raises(ValueError, match="further"):
        nudge_span(body, 4, 7, "end", 1)


def test_locate_finds_the_first_occurrence():
    assert locate("a b a b", "a b") == (0, 3)
    assert locate("a b", "c") is None
