"""Offsets from other tools: their units converted to code points, and carried through
Workbench's normalisation (CR LF, NFC, outer blank lines) without moving a span."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.interop.documents import Document, RawSpan, SpanProblem
from annotations.interop.offsets import OffsetUnit, UnitIndex, normalise_with_offsets
from annotations.text import is_grapheme_boundary, normalise_body, utf16_offset

EMOJI = "\U0001f30d"  # 🌍, two UTF-16 code units
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one grapheme, five code points


def test_utf16_offsets_after_an_emoji_are_one_more_than_code_points():
    units = UnitIndex(f"{EMOJI} Exports rose")
    # "Exports" starts at code point 2, UTF-16 unit 3.
    assert units.code_point(3, OffsetUnit.UTF16) == 2
    assert units.code_point(2, OffsetUnit.CODE_POINTS) == 2
    assert units.code_point(1, OffsetUnit.UTF16) is None  # between the two halves of 🌍
    assert units.code_point(len("x Exports rose") + 1, OffsetUnit.UTF16) == len("x Exports rose")
    assert units.code_point(99, OffsetUnit.UTF16) is None
    assert units.utf16(2) == 3


def test_grapheme_offsets_count_what_a_reader_sees():
    units = UnitIndex(f"{FAMILY} and e\u0301t\u00e9")
    # 👩‍👩‍👧 is one cluster, " and " five, "é" written as e + accent one.
    assert units.code_point(1, OffsetUnit.GRAPHEMES) == 5
    assert units.code_point(6, OffsetUnit.GRAPHEMES) == 10  # the decomposed é
    assert units.code_point(7, OffsetUnit.GRAPHEMES) == 12


@given(st.text(alphabet=st.sampled_from(["a", " ", "é", EMOJI, "中", "\u0301"]), max_size=30))
def test_utf16_to_code_points_inverts_text_utf16_offset(text):
    units = UnitIndex(text)
    for index in range(len(text) + 1):
        assert units.code_point(utf16_offset(text, index), OffsetUnit.UTF16) == index


def test_crlf_shifts_every_later_offset_back_by_one():
    raw = "Title line\r\nExports rose\r\n30 percent."
    body, offsets = normalise_with_offsets(raw)
    assert body == "Title line\nExports rose\n30 percent."
    start = raw.index("30 percent")
    assert offsets.body_index(start) == body.index("30 percent")
    assert offsets.body_index(raw.index("\r")) == body.index("\n")
    assert offsets.body_index(raw.index("\r") + 1) is None  # between CR and LF


def test_a_decomposed_accent_is_composed_and_the_offsets_follow():
    raw = "Cafe\u0301 owners said prices rose."
    body, offsets = normalise_with_offsets(raw)
    assert body == "Café owners said prices rose."
    assert offsets.body_index(raw.index("owners")) == body.index("owners")
    assert offsets.body_index(raw.index("\u0301")) is None  # inside the composed é


def test_outer_blank_lines_are_removed_and_offsets_shift_by_their_length():
    raw = "\n  \nHeadline\nText.\n\n"
    body, offsets = normalise_with_offsets(raw)
    assert body == "Headline\nText."
    assert offsets.body_index(raw.index("Text")) == body.index("Text")
    assert offsets.body_index(1) is None
    assert offsets.body_index(len(raw)) is None


PIECES = ["Exports", " ", "rose", "\r\n", "\n", "\r", "e\u0301", "é", EMOJI, "中", "  \n", FAMILY]


@given(st.lists(st.sampled_from(PIECES), max_size=25))
def test_every_mapped_boundary_splits_the_body_as_normalisation_splits_the_text(pieces):
    raw = "".join(pieces)
    body, offsets = normalise_with_offsets(raw)
    assert body == normalise_body(raw)
    if not body:
        return  # a blank text: nothing to anchor (refused as empty)
    full = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    lead = full.index(body)
    for index in range(len(raw) + 1):
        mapped = offsets.body_index(index)
        if mapped is None or not is_grapheme_boundary(raw, index):
            continue
        before = unicodedata.normalize("NFC", raw[:index].replace("\r\n", "\n").replace("\r", "\n"))
        assert mapped == len(before) - lead


def test_a_label_studio_span_is_checked_against_its_text():
    document = Document("Exports rose 30 percent.")
    assert document.anchor(RawSpan(13, 23, "number", "30 percent"), OffsetUnit.CODE_POINTS) == (
        13,
        23,
        None,
    )
    with pytest.raises(SpanProblem, match="holds “30 percen”, not “30 percent”"):
        document.anchor(RawSpan(13, 22, "number", "30 percent"), OffsetUnit.CODE_POINTS)


def test_old_label_studio_utf16_offsets_are_recognised_by_their_text():
    document = Document(f"{EMOJI} Exports rose 30 percent.")
    start16 = utf16_offset(document.raw, document.raw.index("30"))
    span = RawSpan(start16, start16 + 10, "number", "30 percent")
    start, end, note = document.anchor(span, OffsetUnit.CODE_POINTS, utf16_fallback=True)
    assert document.body[start:end] == "30 percent"
    assert "UTF-16" in note
    with pytest.raises(SpanProblem):  # without the fallback, code points it is
        document.anchor(span, OffsetUnit.CODE_POINTS)


@pytest.mark.parametrize(
    "span, problem",
    [
        (RawSpan("3", 5, "claim"), "whole numbers"),
        (RawSpan(True, 5, "claim"), "whole numbers"),
        (RawSpan(5, 5, "claim"), "ends after it starts"),
        (RawSpan(-1, 5, "claim"), "ends after it starts"),
        (RawSpan(0, 500, "claim"), "outside the text"),
        (RawSpan(0, 2, "claim"), "cuts a character in two"),
        (RawSpan(0, 4, "claim", 7), "must be a string"),
    ],
)
def test_bad_spans_are_refused_with_a_reason(span, problem):
    document = Document(f"{FAMILY} rose.")
    with pytest.raises(SpanProblem, match=problem):
        document.anchor(span, OffsetUnit.CODE_POINTS)


def test_a_span_ending_between_cr_and_lf_has_no_place():
    document = Document("One line\r\nTwo")
    with pytest.raises(SpanProblem, match="its end has no place"):
        document.anchor(RawSpan(4, 9, "claim"), OffsetUnit.CODE_POINTS)


def test_when_neither_unit_holds_the_text_the_message_says_what_was_tried():
    document = Document(f"{EMOJI} Exports rose 30 percent.")
    with pytest.raises(SpanProblem) as refused:
        document.anchor(
            RawSpan(2, 9, "claim", "Imports"), OffsetUnit.CODE_POINTS, utf16_fallback=True
        )
    assert str(refused.value) == (
        "[2, 9) counted in code points or UTF-16 code units holds “Exports”, not “Imports” "
        "as the record says."
    )
