"""Cursor pagination: a page is the next `limit` rows after the last one the client saw.

The cursor is opaque to clients (URL-safe base64 of the last row's ordering key). Unlike
page numbers it stays correct while rows are added, and a page costs one query whatever
its size or position: `WHERE key > cursor ORDER BY key LIMIT limit + 1` (the extra row
says whether there is a next page). The ordering key ends with the id, so it is unique.
"""

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q, QuerySet

from ..inputs import MAX_ID
from .errors import VALIDATION, ApiProblem, FieldError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def _invalid_cursor() -> ApiProblem:
    return ApiProblem(
        422,
        "The cursor is not one this API gave: start again without it.",
        problem_type=VALIDATION,
        errors=[FieldError("Not a cursor of this list.", parameter="cursor")],
    )


def encode_cursor(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: tuple[type, ...]) -> list:
    """The key values in `cursor`, each of the type in `kinds` (int or datetime)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _invalid_cursor() from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise _invalid_cursor()
    parsed = []
    for value, kind in zip(values, kinds, strict=True):
        if kind is int:
            if type(value) is not int or not 0 <= value <= MAX_ID:
                raise _invalid_cursor()
        elif kind is datetime:
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise _invalid_cursor() from None
            if value.tzinfo is None:
                raise _invalid_cursor()
        parsed.append(value)
    return parsed


def page(queryset: QuerySet, *, key: tuple[str, ...], kinds: tuple[type, ...], cursor, limit):
    """(rows, next_cursor): up to `limit` rows of `queryset` ordered by `key`, after `cursor`.

    `key` names non-null fields, ascending, the last one unique (the id).
    """
    if cursor:
        after = decode_cursor(cursor, kinds)
        # (a, b) > (x, y)  <=>  a > x OR (a = x AND b > y), for any number of fields.
        condition = Q()
        for position in range(len(key) - 1, -1, -1):
            equal = {name: value for name, value in zip(key[:position], after, strict=False)}
            condition |= Q(**equal, **{f"{key[position]}__gt": after[position]})
        queryset = queryset.filter(condition)
    rows = list(queryset.order_by(*key)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, name) for name in key])
