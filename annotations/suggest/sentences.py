"""A sentence segmenter for news text: abbreviations, decimals, initials and quotations.

Paragraphs (blank lines) and lines (bullets, titles) always end a sentence. Inside a line a
sentence ends at ".", "!", "?" or "…" followed by white space and a capital, a digit or an
opening quote, unless the full stop belongs to an abbreviation ("Mr.", "U.S.", "e.g.") or
an initial ("J. Smith"). Closing quote marks and brackets after the stop stay with the
sentence they close (`…next one.”`). A decimal point ("518.4") is never followed by white
space, so it never ends a sentence.
"""

import re

# Abbreviations after which a full stop does not end a sentence (lower case, without dots).
ABBREVIATIONS = frozenset(
    """mr mrs ms mme mlle messrs dr prof sr jr st mt no nos vs etc eg ie al approx dept est fig
    gen gov lt col capt sgt rep sen pres hon rev inc ltd co corp jan feb mar apr jun jul aug
    sep sept oct nov dec cf ca pp vol art para sec""".split()
)
# Abbreviations that usually end a sentence before a capital ("at 5 p.m. Then…"); "U.S."
# and "U.N." do not: a name follows them more often than a new sentence.
SENTENCE_FINAL_ABBREVIATIONS = frozenset({"etc", "am", "pm", "inc", "ltd"})

OPENING = "“‘\"'«„(["
CLOSING = "”’\"'»)]"

_CANDIDATE = re.compile(
    r"[.!?…]+[" + re.escape(CLOSING) + r"]*(?=\s+[" + re.escape(OPENING) + r"]*[\w])"
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_abbreviation(line: str, stop: int, next_char: str) -> bool:
    """Whether the full stop at line[stop] closes an abbreviation or an initial."""
    word = _WORD_BEFORE.search(line, 0, stop)
    if word is None:
        return False
    token = word.group(1)
    bare = token.replace(".", "").lower()
    if len(bare) == 1 and token[-1:].isalpha() and token[-1].isupper():
        return True  # an initial: "J. Smith", "Franklin D. Roosevelt"
    if bare in ABBREVIATIONS or "." in token:
        if bare in SENTENCE_FINAL_ABBREVIATIONS and next_char.isupper():
            return False
        return True
    return False


def _line_sentences(line: str, offset: int) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _CANDIDATE.finditer(line):
        stop_end = match.end()
        rest = line[stop_end:].lstrip()
        next_char = rest.lstrip(OPENING)[:1]
        if not next_char or not (next_char.isupper() or next_char.isdigit() or rest[0] in OPENING):
            continue
        stops = match.group().rstrip(CLOSING)
        if stops == "." and _is_abbreviation(line, match.start(), next_char):
            continue
        spans.append((start, stop_end))
        start = stop_end
    spans.append((start, len(line)))
    result = []
    for left, right in spans:
        while left < right and line[left].isspace():
            left += 1
        while right > left and line[right - 1].isspace():
            right -= 1
        if left < right:
            result.append((offset + left, offset + right))
    return result


def split_sentences(body: str) -> list[tuple[int, int]]:
    """The sentences of `body` as (start, end) code-point spans, white space trimmed.

    Bullet marks ("•") at the start of a line are left out of the sentence.
    """
    spans = []
    offset = 0
    for line in body.split("\n"):
        stripped = line.lstrip(" \t\u00a0\u2002\u2003•·")
        lead = len(line) - len(stripped)
        if stripped.strip():
            spans.extend(_line_sentences(stripped, offset + lead))
        offset += len(line) + 1
    return spans
