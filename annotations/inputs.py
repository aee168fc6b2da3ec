"""Request inputs parsed strictly: ids and whole numbers, and text without NUL or lone surrogates.

Every id, version or count that a view, a form or an admin action reads from a request goes
through `parse_id` (or `IdField` in a form). `str.isdigit()` and `int()` are not enough:
"²" passes `isdigit()` and fails `int()` (a 500), "٣" passes both (a silent 3), and a
30-digit id overflows the database's bigint. Text is refused when it holds NUL (PostgreSQL
cannot store it) or a lone surrogate (it cannot be encoded as UTF-8). A refusal raises
`BadInput`, which Django answers with 400 and the message (`views.site.bad_request`).
"""

import re

from django import forms
from django.core.exceptions import BadRequest

# The largest value of a bigint column (ids, versions): anything above is not an id.
MAX_ID = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class BadInput(BadRequest):
    """A request input that does not parse; the message says which input and why."""


def id_problem(raw) -> str | None:
    """Why `raw` is not an id (ASCII digits, at most MAX_ID), or None when it is one."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return None if 0 <= raw <= MAX_ID else "is out of range"
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw):
        return "must be a whole number written with the digits 0-9"
    if int(raw) > MAX_ID:
        return "is out of range"
    return None


def parse_id(raw, *, name: str) -> int:
    """`raw` as a non-negative integer id or version; BadInput naming `name` otherwise."""
    problem = id_problem(raw)
    if problem is not None:
        raise BadInput(f"{name} {problem}.")
    return int(raw)


def parse_optional_id(raw, *, name: str) -> int | None:
    """Like `parse_id`, but a missing or empty input is None (an optional query parameter)."""
    if raw is None or raw == "":
        return None
    return parse_id(raw, name=name)


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (NUL, lone surrogate), or None when it can."""
    if "\x00" in value:
        return "contains a NUL character"
    if _LONE_SURROGATE.search(value):
        return "contains a lone surrogate (not valid Unicode text)"
    return None


def check_text(value: str, *, name: str) -> str:
    """`value` unchanged, or BadInput naming `name` when it cannot be stored as text."""
    problem = text_problem(value)
    if problem is not None:
        raise BadInput(f"{name} {problem}.")
    return value


class IdField(forms.IntegerField):
    """A form field for ids and versions: ASCII digits only, within the bigint range."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = value.strip() if isinstance(value, str) else value
        problem = id_problem(value)
        if problem is not None:
            raise forms.ValidationError(f"This {problem}.", code="invalid")
        return int(value)
