"""Reading JSON as other tools write it: one document, or a stream of values (JSON Lines,
and doccano's pretty-printed objects one after another), each located by its line."""

import json
from dataclasses import dataclass

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


class JsonProblem(ValueError):
    """Text that is not JSON; the message says where (line and column) and why."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class JsonValue:
    value: object
    line: int  # where the value starts, 1-based


def json_document(text: str):
    """The one JSON value `text` holds; JsonProblem naming the line and column if not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise JsonProblem(
            f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
            error.lineno,
        ) from None
    except RecursionError:
        raise JsonProblem("Not readable: the JSON is nested too deeply.") from None


def json_stream(text: str) -> list[JsonValue | JsonProblem]:
    """Every JSON value in `text`, one after another, whatever the line breaks.

    A value that does not parse is a JsonProblem in the list, and reading goes on at the
    next line, so one bad line of a JSON Lines file does not hide the others.
    """
    items: list[JsonValue | JsonProblem] = []
    position, line = 0, 1
    while True:
        start = position
        while position < len(text) and text[position] in _WHITESPACE:
            position += 1
        line += text.count("\n", start, position)
        if position >= len(text):
            return items
        try:
            value, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            items.append(
                JsonProblem(f"Not valid JSON: {error.msg} (column {error.colno}).", error.lineno)
            )
            newline = text.find("\n", max(error.pos, position))
            end = len(text) if newline == -1 else newline
        except RecursionError:
            items.append(JsonProblem("Not readable: the JSON is nested too deeply.", line))
            newline = text.find("\n", position)
            end = len(text) if newline == -1 else newline
        else:
            items.append(JsonValue(value, line))
        line += text.count("\n", position, end)
        position = end
