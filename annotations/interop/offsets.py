"""Offsets from other tools into Workbench's: their counting unit, then our normalisation.

Two steps take a span from another tool's file to an article body:

1. **The unit.** Workbench counts Unicode code points (Python indices). Browsers count
   UTF-16 code units, one more for every character outside the Basic Multilingual Plane
   (emoji, rare CJK); doccano can also count grapheme clusters. `UnitIndex` converts an
   offset in any of the three into a code-point index of the text *as the tool had it*.
2. **The normalisation.** Workbench stores a body normalised once (`text.normalise_body`:
   CR LF and CR become LF, Unicode NFC, blank lines at both ends removed), so an offset
   into the tool's text can shift: every CR LF before it takes one off, every "e" +
   combining accent composed to "é" takes one off, the removed blank lines at the start
   take their length off. `normalise_with_offsets` normalises and returns an `OffsetMap`
   that carries every boundary of the original text to the body. A boundary that falls
   *inside* something normalisation rewrote (between the CR and the LF of a line break,
   between a letter and the accent it was composed with, inside the removed blank lines)
   has no place in the body: the map answers None and the span is reported, never moved
   silently.
"""

import re
import unicodedata
from bisect import bisect_left
from enum import StrEnum

import regex

from ..text import normalise_body

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|\r")
_GRAPHEME = regex.compile(r"\X")


class OffsetUnit(StrEnum):
    """What a tool counts when it says where a span starts and ends."""

    CODE_POINTS = "codepoints"
    UTF16 = "utf16"
    GRAPHEMES = "graphemes"


class UnitIndex:
    """Converts offsets counted in a unit into code-point indices of one text.

    The tables are built once per text and only when they differ from code points (a text
    without astral characters has identical UTF-16 and code-point offsets).
    """

    def __init__(self, text: str):
        self.text = text
        self._astral: list[int] | None = None
        self._graphemes: list[int] | None = None

    @property
    def has_astral(self) -> bool:
        return bool(self._astral_positions())

    def _astral_positions(self) -> list[int]:
        if self._astral is None:
            self._astral = [match.start() for match in _ASTRAL.finditer(self.text)]
        return self._astral

    def code_point(self, offset: int, unit: OffsetUnit) -> int | None:
        """The code-point index of `offset`, or None when it is outside the text or, in
        UTF-16, falls between the two halves of a surrogate pair."""
        if unit == OffsetUnit.CODE_POINTS:
            return offset if 0 <= offset <= len(self.text) else None
        if unit == OffsetUnit.UTF16:
            return self._from_utf16(offset)
        if self._graphemes is None:
            self._graphemes = [match.start() for match in _GRAPHEME.finditer(self.text)]
            self._graphemes.append(len(self.text))
        return self._graphemes[offset] if 0 <= offset < len(self._graphemes) else None

    def _from_utf16(self, offset: int) -> int | None:
        astral = self._astral_positions()
        if offset < 0:
            return None
        # The code point at index i starts at UTF-16 unit i + (astral characters before i).
        # Find how many astral characters start before the answer by bisecting on their
        # UTF-16 positions (position + its rank among the astral characters).
        low, high = 0, len(astral)
        while low < high:
            middle = (low + high) // 2
            if astral[middle] + middle < offset:
                low = middle + 1
            else:
                high = middle
        # `low` astral characters start strictly before `offset` in UTF-16 units.
        if low and astral[low - 1] + (low - 1) + 1 == offset:
            return None  # the second half of a surrogate pair
        index = offset - low
        return index if 0 <= index <= len(self.text) else None

    def utf16(self, index: int) -> int:
        """Code-point index -> UTF-16 code-unit index (what doccano and browsers count)."""
        return index + bisect_left(self._astral_positions(), index)


class _Rewrites:
    """Where the boundaries of a text land after some of its pieces were rewritten.

    Holds only the rewritten pieces, as (start, end) in the old text and (start, end) in
    the new one, in order; between them the text is unchanged and shifted by a constant.
    Memory grows with the number of rewrites, not with the length of the text.
    """

    def __init__(self):
        self.old_starts: list[int] = []
        self.old_ends: list[int] = []
        self.new_ends: list[int] = []

    def add(self, old_start: int, old_end: int, new_end: int) -> None:
        self.old_starts.append(old_start)
        self.old_ends.append(old_end)
        self.new_ends.append(new_end)

    def carry(self, index: int) -> int | None:
        """The boundary `index` of the old text in the new one, or None when it falls
        strictly inside a rewritten piece."""
        before = bisect_left(self.old_starts, index)  # pieces starting strictly before
        if before == 0:
            return index
        last = before - 1
        if index < self.old_ends[last]:
            return None
        return index + self.new_ends[last] - self.old_ends[last]


class OffsetMap:
    """Carries a boundary of the original text to the normalised body (None: no place)."""

    def __init__(self, line_breaks: _Rewrites, composition: _Rewrites, lead: int, length: int):
        self._steps = (line_breaks, composition)
        self._lead = lead
        self._length = length

    def body_index(self, index: int) -> int | None:
        for step in self._steps:
            if index is None:
                return None
            index = step.carry(index)
        if index is None:
            return None
        index -= self._lead
        return index if 0 <= index <= self._length else None


def _normalise_line_breaks(text: str) -> tuple[str, _Rewrites]:
    rewrites = _Rewrites()
    if "\r" not in text:
        return text, rewrites
    pieces, position, written = [], 0, 0
    for match in _LINE_BREAK.finditer(text):
        pieces.append(text[position : match.start()])
        written += match.start() - position
        pieces.append("\n")
        written += 1
        if match.group() == "\r\n":
            # Two characters become one: the boundary between CR and LF has no image.
            rewrites.add(match.start(), match.end(), written)
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces), rewrites


def _compose(text: str) -> tuple[str, _Rewrites]:
    """NFC, cluster by cluster, recording each cluster that changed.

    Canonical composition and reordering never cross an extended grapheme cluster (a
    combining mark, a Hangul jamo, a spacing vowel sign all extend the cluster before
    them), so normalising each cluster alone gives the NFC of the whole text; this is
    checked, and a text where it does not hold is refused rather than mapped wrongly.
    """
    rewrites = _Rewrites()
    if unicodedata.is_normalized("NFC", text):
        return text, rewrites
    pieces, written = [], 0
    for match in _GRAPHEME.finditer(text):
        cluster = match.group()
        composed = unicodedata.normalize("NFC", cluster)
        pieces.append(composed)
        written += len(composed)
        if composed != cluster:
            rewrites.add(match.start(), match.end(), written)
    result = "".join(pieces)
    if result != unicodedata.normalize("NFC", text):
        raise ValueError("Unicode normalisation of this text cannot be mapped cluster by cluster")
    return result, rewrites


def _outer_blank_lines(text: str) -> tuple[int, int]:
    """How many characters the blank lines at the start and at the end take (as
    `normalise_body` removes them)."""
    lines = text.split("\n")
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first == len(lines):
        return len(text), 0
    last = len(lines) - 1
    while not lines[last].strip():
        last -= 1
    lead = sum(len(line) + 1 for line in lines[:first])
    trail = sum(len(line) + 1 for line in lines[last + 1 :])
    return lead, trail


def normalise_with_offsets(text: str) -> tuple[str, OffsetMap]:
    """`normalise_body(text)` and the map of `text`'s boundaries into it.

    Raises ValueError in the (theoretical) case where the mapping cannot be built exactly.
    """
    unbroken, line_breaks = _normalise_line_breaks(text)
    composed, composition = _compose(unbroken)
    lead, trail = _outer_blank_lines(composed)
    body = composed[lead : len(composed) - trail]
    if body != normalise_body(text):
        raise ValueError("the offset map disagrees with the normalised text")
    return body, OffsetMap(line_breaks, composition, lead, len(body))


def utf16_length(text: str) -> int:
    return len(text) + len(_ASTRAL.findall(text))
