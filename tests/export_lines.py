"""Reading a JSON Lines export in tests: its records, once its end line has been checked."""

import hashlib
import json


def json_lines_records(text: str) -> list[dict]:
    """The records of a JSON Lines export; fails unless it ends with a matching end line."""
    *lines, last = text.splitlines(keepends=True)
    end = json.loads(last)["end_of_export"]
    assert end["records"] == len(lines)
    assert end["sha256"] == hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    return [json.loads(line) for line in lines]
