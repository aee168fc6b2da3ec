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
SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "export-v1.schema.json"
EXPORTED_AT = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_settings(settings):
    settings.PSEUDONYM_KEY = "golden-file-pseudonym-key"
    settings.PUBLIC_BASE_URL = "https://workbench.example.org"


def test_the_research_export_matches_the_golden_file():
    build_corpus()

    text = "".join(stream_export("json", exported_at=EXPORTED_AT))

    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_the_golden_file_itself_validates_against_the_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = json.loads(GOLDEN.read_text(encoding="utf-8"))

    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)
    assert len(document["records"]) == 7
