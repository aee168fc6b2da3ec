"""Pure functions on article text: normalising, offsets, quote context, highlight segments.

Offsets everywhere in Workbench are Unicode code points (Python string indices). Browsers
count UTF-16 code units; the conversions live here so there is one place to get them right.
"""

import bisect
import heapq
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import regex

# Characters of prefix and suffix stored with each span (W3C TextQuoteSelector context).
CONTEXT_LENGTH = 32


def normalise_body(text: str) -> str:
    """Normalise once at import: NFC, `\\n` line endings, no leading or trailing blank lines.

    Everything else stays as written (U+2002, U+00A0, trailing spaces inside the text),
    because every annotation offset will point into this exact string.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def normalise_line(text: str) -> str:
    """A one-line field (a title): NFC and outer white space trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def quote_context(body: str, start: int, end: int, length: int = CONTEXT_LENGTH) -> tuple[str, str]:
    """The prefix and suffix around body[start:end], for re-anchoring the span later."""
    return body[max(0, start - length) : start], body[end : end + length]


def utf16_offset(text: str, index: int) -> int:
    """Code-point index -> UTF-16 code-unit index (what JavaScript's String counts)."""
    return index + sum(1 for char in text[:index] if ord(char) > 0xFFFF)


def codepoint_offset(text: str, utf16_index: int) -> int:
    """UTF-16 code-unit index -> code-point index. Refuses an index inside a surrogate pair."""
    units = 0
    for position, char in enumerate(text):
        if units == utf16_index:
            return position
        units += 2 if ord(char) > 0xFFFF else 1
        if units > utf16_index:
            raise ValueError(f"UTF-16 offset {utf16_index} falls inside a surrogate pair")
    if units == utf16_index:
        return len(text)
    raise ValueError(f"UTF-16 offset {utf16_index} is past the end of the text")


def utf16_offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """Both ends of a code-point span in UTF-16 code units, in one pass over the prefix."""
    start16 = utf16_offset(text, start)
    return start16, start16 + utf16_offset(text[start:end], end - start)


# An extended grapheme cluster (UAX #29): what a reader sees as one character.
_GRAPHEME = regex.compile(r"\X")


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Whether `index` falls between two user-perceived characters of `text`.

    Inside an emoji sequence (👩‍👩‍👧, a flag, 👋🏽), between a letter and its combining mark,
    inside CR LF or a Hangul syllable written in jamo, it does not. Clusters are read from
    the nearest earlier position that is surely a boundary (after a line feed, or between
    two ASCII characters other than CR LF: no rule of UAX #29 joins those), so a check
    costs a few characters, not the whole body.
    """
    if not 0 <= index <= len(text):
        raise ValueError(f"index {index} is outside the text")
    if index in (0, len(text)):
        return True
    start = index
    while start > 0:
        before, after = text[start - 1], text[start]
        if before == "\n" or (before < "\x80" and after < "\x80" and before != "\r"):
            break
        start -= 1
    if start == index:
        return True
    for cluster in _GRAPHEME.finditer(text, start):
        if cluster.end() >= index:
            return cluster.end() == index
    return True


def grapheme_split_problem(body: str, start: int, end: int) -> str | None:
    """Why the span [start, end) cuts a user-perceived character in two, or None.

    The browser snaps selections to words, but a word boundary can fall inside an emoji
    sequence or a flag, and offsets can come from anywhere: the server checks.
    """
    cut = [name for name, index in (("start", start), ("end", end))
           if not is_grapheme_boundary(body, index)]  # fmt: skip
    if not cut:
        return None
    return (
        f"The span's {' and '.join(cut)} cuts a character in two (an emoji sequence, a flag, "
        "or a letter and its accent): select whole characters."
    )


def is_word_char(char: str) -> bool:
    """Letters, digits, marks and the joiners that sit inside words and numbers."""
    if char in "'’-.,%$€£¥":
        return False
    category = unicodedata.category(char)
    return category[0] in ("L", "N", "M") or char == "_"


def snap_to_words(body: str, start: int, end: int) -> tuple[int, int]:
    """Trim white space from a selection and extend each end to the whole word.

    Used both by the browser (mirrored in static/js/annotate.js) and by the server when a
    span is nudged by a word. Punctuation at the ends is kept as the user selected it.
    """
    if not 0 <= start <= end <= len(body):
        raise ValueError("span outside the text")
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and is_word_char(body[start - 1]) and is_word_char(body[start]):
        start -= 1
    while end < len(body) and is_word_char(body[end]) and is_word_char(body[end - 1]):
        end += 1
    return start, end


def next_word_boundary(body: str, position: int, direction: int) -> int:
    """The position one word further in `direction` (+1 right, -1 left) from `position`."""
    index = position
    if direction > 0:
        while index < len(body) and not is_word_char(body[index]):
            index += 1
        while index < len(body) and is_word_char(body[index]):
            index += 1
    else:
        while index > 0 and not is_word_char(body[index - 1]):
            index -= 1
        while index > 0 and is_word_char(body[index - 1]):
            index -= 1
    return index


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same set of spans (ids in the order they were given)."""

    start: int
    end: int
    text: str
    span_ids: tuple = field(default_factory=tuple)


def segments(
    body: str,
    spans: Iterable[tuple[object, int, int]],
    *,
    start: int = 0,
    end: int | None = None,
    cuts: Iterable[int] = (),
) -> list[Segment]:
    """Cut the body into non-overlapping segments, each knowing which spans cover it.

    `spans` are (id, start, end) with code-point offsets; overlaps and nesting are allowed.
    The segments concatenate to the body exactly, so the rendered text equals the stored one.
    Runs in O((n + k) log k) for n spans and k boundaries.

    `start` and `end` cut only that part of the body (spans are clipped to it), and `cuts`
    are more boundaries (the paragraphs' starts): a part cut with the same cuts is exactly
    the same segments as the whole body's there, so the screen can redraw one paragraph.
    """
    end = len(body) if end is None else end
    boundaries = {start, end}
    boundaries.update(cut for cut in cuts if start < cut < end)
    starts_at: dict[int, list] = {}
    ends_at: dict[int, list] = {}
    for order, (span_id, span_start, span_end) in enumerate(spans):
        if span_start >= span_end:
            continue
        if not 0 <= span_start < span_end <= len(body):
            raise ValueError(f"span {span_id!r} [{span_start}, {span_end}) is outside the text")
        if span_end <= start or span_start >= end:
            continue  # outside the part being cut
        span_start, span_end = max(span_start, start), min(span_end, end)
        boundaries.update((span_start, span_end))
        starts_at.setdefault(span_start, []).append((order, span_id))
        ends_at.setdefault(span_end, []).append((order, span_id))

    ordered = sorted(boundaries)
    active: dict[int, object] = {}
    result = []
    for left, right in zip(ordered, ordered[1:], strict=False):
        for order, _span_id in ends_at.get(left, ()):
            active.pop(order, None)
        for order, span_id in starts_at.get(left, ()):
            active[order] = span_id
        covering = tuple(active[order] for order in sorted(active))
        result.append(Segment(left, right, body[left:right], covering))
    return result


# Paragraphs are separated by one blank line or more.
_PARAGRAPH_BREAK = re.compile(r"\n\n+")


def paragraph_starts(body: str) -> tuple[int, ...]:
    """Where each paragraph starts: 0, and after every run of blank lines.

    Paragraph i runs from its start to the next one's (its trailing line breaks included),
    so the paragraphs cut the body into consecutive parts that concatenate to it exactly.
    """
    breaks = (match.end() for match in _PARAGRAPH_BREAK.finditer(body))
    return (0, *(end for end in breaks if end < len(body)))


def paragraphs_around(body: str, start: int, end: int, starts=None) -> tuple[int, int]:
    """The stretch [from, to) of whole paragraphs that holds [start, end): one paragraph,
    or several for a span that runs over a break (a quotation over paragraphs). `starts`:
    the body's `paragraph_starts`, when the caller has them."""
    starts = paragraph_starts(body) if starts is None else starts
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_left(starts, end) - 1
    return starts[first], starts[last + 1] if last + 1 < len(starts) else len(body)


def paragraph_around(body: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph(s) holding [start, end): from the blank line before to the one after."""
    paragraph_start = body.rfind("\n\n", 0, start)
    paragraph_start = 0 if paragraph_start == -1 else paragraph_start + 2
    paragraph_end = body.find("\n\n", end)
    paragraph_end = len(body) if paragraph_end == -1 else paragraph_end
    return paragraph_start, paragraph_end


# A sentence ends at . ! ? or … (then closing quotes or brackets, then white space), or at
# a CJK full stop, question or exclamation mark (no space follows those).
_SENTENCE_END = re.compile(r"[.!?…]+[”’\"'»)\]]*(?=\s)|[。！？]+[」』”’)）]*")
# A full stop after these is not the end of a sentence: initials ("U.S.", "J. Smith") and
# the titles and abbreviations that stand before a name or a number.
_NOT_A_SENTENCE_END = re.compile(
    r"\b(?:[^\W\d_]|Mr|Mrs|Ms|Dr|Prof|St|Sen|Rep|Gov|Gen|Lt|Col|Capt|Sgt|Jr|Sr|No|vs|approx)\.$"
)


def sentence_around(body: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) holding [start, end), without the white space around them.

    A heuristic for text as written in the news: sentences end at a full stop, question or
    exclamation mark followed by a space (not "US$518.4", not "U.S." or "Mr."), at a CJK
    full stop, and at every line break. The result always holds the whole span.
    """
    line_start = body.rfind("\n", 0, start) + 1
    line_end = body.find("\n", end)
    line_end = len(body) if line_end == -1 else line_end
    sentence_start, sentence_end = line_start, line_end
    for match in _SENTENCE_END.finditer(body, line_start, line_end):
        # The longest abbreviation is six letters: look no further back than that.
        if _NOT_A_SENTENCE_END.search(body, max(line_start, match.start() - 7), match.end()):
            continue
        if match.end() <= start:
            sentence_start = match.end()
        elif match.end() >= end:
            sentence_end = match.end()
            break
    while sentence_start < start and body[sentence_start].isspace():
        sentence_start += 1
    while sentence_end > end and body[sentence_end - 1].isspace():
        sentence_end -= 1
    return sentence_start, sentence_end


def assign_lanes(spans: Iterable[tuple[object, int, int]]) -> dict[object, int]:
    """Give each span the lowest lane (0, 1, …) free of overlapping spans.

    The annotate screen draws lane n's underline n steps below the text, so a span keeps the
    same line under all of its segments and overlapping spans never share one. Greedy
    interval colouring in (start, longest first) order: O(n log n).
    """
    lanes: dict[object, int] = {}
    busy: list[tuple[int, int]] = []  # (end, lane) of spans still open
    free: list[int] = []
    next_lane = 0
    for span_id, start, end in sorted(spans, key=lambda span: (span[1], -span[2])):
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, next_lane = next_lane, next_lane + 1
        lanes[span_id] = lane
        heapq.heappush(busy, (end, lane))
    return lanes


def overlap_clusters(spans: Iterable[tuple[object, int, int]]) -> list[tuple[int, int, list]]:
    """Group spans (id, start, end), given in order of start, into overlap clusters:
    (start, end, spans) each, the spans in the order given.

    Spans that only touch (one ends where the next starts) do not overlap. Between two
    clusters every lane is free again, so `assign_lanes` gives a cluster the same lanes
    alone as among all the spans: the screen can redraw a part of the text by itself.
    """
    clusters: list[tuple[int, int, list]] = []
    for span in spans:
        if clusters and span[1] < clusters[-1][1]:
            cluster_start, cluster_end, members = clusters[-1]
            members.append(span)
            clusters[-1] = (cluster_start, max(cluster_end, span[2]), members)
        else:
            clusters.append((span[1], span[2], [span]))
    return clusters


def lanes_around(
    spans: Iterable[tuple[object, int, int]], regions: Iterable[tuple[int, int]]
) -> dict[object, int]:
    """The lanes `assign_lanes` gives over all `spans` (in order of start, then longest
    first, then id), for the spans of every overlap cluster that meets one of `regions`
    ([start, end) pairs): the work is that of the clusters there, not of the whole text."""
    regions = list(regions)
    lanes: dict[object, int] = {}
    for start, end, members in overlap_clusters(spans):
        if any(start < region_end and region_start < end for region_start, region_end in regions):
            lanes.update(assign_lanes(members))
    return lanes


def lanes_moved(
    spans: list[tuple[int, int, int]], span_id: int, before: tuple[int, int] | None
) -> set[int]:
    """The spans other than `span_id` whose lane differs between `spans` (as they are now,
    `span_id` among them unless it is gone; in order of start, then longest first, then id)
    and the same spans with `span_id` at `before` (absent when None: it is new).

    Only the clusters that meet the span's old or new place can change.
    """
    now = list(spans)
    then = [span for span in now if span[0] != span_id]
    regions = [(start, end) for identifier, start, end in now if identifier == span_id]
    if before is not None:
        then.append((span_id, *before))
        then.sort(key=lambda span: (span[1], -span[2], span[0]))
        regions.append(before)
    lanes_now = lanes_around(now, regions)
    lanes_then = lanes_around(then, regions)
    return {
        identifier
        for identifier, lane in lanes_now.items()
        if identifier != span_id and lanes_then.get(identifier, lane) != lane
    }


def nudge_span(body: str, start: int, end: int, edge: str, direction: int) -> tuple[int, int]:
    """Move one end of [start, end) by a word: `edge` "start" or "end", `direction` -1 or +1.

    Growing takes in the next word and whatever separates it; shrinking drops the outer
    word and the separators left behind, so the span keeps starting and ending on a word.
    Raises ValueError when the move would leave no text or cannot go further.
    """
    original = (start, end)
    if edge == "start" and direction < 0:
        start = next_word_boundary(body, start, -1)
    elif edge == "start":
        start = next_word_boundary(body, start, +1)
        while start < end and not is_word_char(body[start]):
            start += 1
    elif edge == "end" and direction > 0:
        end = next_word_boundary(body, end, +1)
    elif edge == "end":
        end = next_word_boundary(body, end, -1)
        while end > start and not is_word_char(body[end - 1]):
            end -= 1
    else:
        raise ValueError(f"unknown edge {edge!r}")
    if start >= end:
        raise ValueError("The span would be empty: it needs at least one word.")
    if (start, end) == original:
        raise ValueError("The span cannot move further that way.")
    return start, end


def locate(body: str, exact: str) -> tuple[int, int] | None:
    """The first occurrence of `exact` in the body, for a span typed rather than selected."""
    start = body.find(exact) if exact else -1
    return None if start == -1 else (start, start + len(exact))
