"""A golden file locks the research format v1 byte for byte.

A failure means the export changed. If the change is intended *and* compatible (see
docs/export.md, "Versioning"), regenerate the file and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_export_golden.py

An incompatible change needs a new schema version instead.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from annotations.exporters import stream_export

from .export_corpus import build_corpus

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).resolve().parent / "golden" / "export-v1.json"
# The linked-data formats, locked the same way (written by the exporter before it was
# rewritten for speed: the rewrite had to reproduce them byte for byte).
GOLDEN_LINKED_DATA = {
    "w3c": GOLDEN.parent / "export-w3c.jsonld",
    "claimreview": GOLDEN.parent / "export-claimreview.jsonld",
}
SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "export-v1.schema.json"
EXPORTED_AT = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_settings(settings):
    settings.PSEUDONYM_KEY = "golden-file-pseudonym-key"
    settings.PUBLIC_BASE_URL = "https://workbench.example.org"
    settings.CLAIMREVIEW_AUTHOR_NAME = "Example Fact Desk"
    settings.CLAIMREVIEW_AUTHOR_URL = "https://factdesk.example.org"


def test_the_research_export_matches_the_golden_file():
    build_corpus()

    text = "".join(stream_export("json", exported_at=EXPORTED_AT))

    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_json_lines_records_are_the_golden_documents_record_lines():
    """JSON Lines writes the same record bytes as the document (one record per line there)."""
    build_corpus()
    golden_lines = GOLDEN.read_text(encoding="utf-8").splitlines()[1:-1]

    *lines, _end_line = "".join(stream_export("jsonl")).splitlines()

    assert lines == [line.removesuffix(",") for line in golden_lines]
    assert len(lines) == 7


@pytest.mark.parametrize("export_format", list(GOLDEN_LINKED_DATA))
def test_the_linked_data_exports_match_their_golden_files(export_format):
    build_corpus()
    golden = GOLDEN_LINKED_DATA[export_format]

    text = "".join(stream_export(export_format, exported_at=EXPORTED_AT))

    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_the_golden_file_itself_validates_against_the_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = json.loads(GOLDEN.read_text(encoding="utf-8"))

    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)
    assert len(document["records"]) == 7
