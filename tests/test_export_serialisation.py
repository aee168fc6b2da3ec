"""The exporter's serialiser (orjson) writes exactly what the standard library wrote.

The export used json.dumps(value, ensure_ascii=False, separators=(",", ":")); the golden
files hold its bytes for one corpus. This checks every kind of value an export holds,
with arbitrary text (control characters, quotes, backslashes, U+2028, astral characters,
combining marks), so the faster serialiser cannot differ on data the corpus lacks.
"""

import json

from hypothesis import given
from hypothesis import strategies as st

from annotations.exporters import _dumps

# Lone surrogates cannot be stored in either database, nor encoded as UTF-8.
TEXT = st.text(st.characters(exclude_categories=["Cs"]))
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)


def standard_library(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@given(VALUES)
def test_every_exported_value_serialises_to_the_same_bytes_as_the_standard_library(value):
    assert _dumps(value) == standard_library(value)


def test_control_characters_and_line_separators_are_escaped_alike():
    value = {"text": "".join(map(chr, range(0x20))) + '"\\\x7f\u2028\u2029/🚢é'}

    assert _dumps(value) == standard_library(value)


# The origin's score (revision 3 of v1) is the one float: stored to six decimals.
SCORES = st.floats(min_value=0.0001, max_value=1).map(lambda score: round(score, 6))


@given(SCORES)
def test_scores_serialise_to_the_same_bytes_down_to_a_ten_thousandth(score):
    assert _dumps({"score": score}) == standard_library({"score": score})


def test_a_smaller_score_is_written_without_an_exponent_and_reads_back_the_same():
    assert _dumps(0.00001) == b"0.00001"
    assert standard_library(0.00001) == b"1e-05"
    assert json.loads(_dumps(0.00001)) == 0.00001
