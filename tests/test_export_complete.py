"""No silent truncation: every export proves it is complete, and a cut one is refused.

The check is the Python snippet published in docs/export.md, run here as written, so the
documentation cannot drift from what the exporter writes.
"""

import hashlib
import json
import re
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from django.urls import reverse

from annotations import exporters
from annotations.exporters import stream_export

from .factories import EvidenceFactory, verified_annotation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "export.md"
SCHEMA = ROOT / "docs" / "export-v1.schema.json"


def documented_check():
    """`check_export` from the first Python block under "Checking that an export is complete"."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### Checking that an export is complete") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["check_export"]


check_export = documented_check()


@pytest.fixture
def two_records(annotator):
    first = verified_annotation(author=annotator)
    EvidenceFactory(annotation=first, added_by=first.reviewer, excerpt="第二 🚢 “quoted”\n")
    verified_annotation(author=annotator, kind="number", phrase="US$518.4 billion")


def export_bytes(export_format) -> bytes:
    return b"".join(stream_export(export_format).iter_bytes())


@pytest.mark.parametrize("export_format", list(exporters.FORMATS))
def test_a_complete_export_passes_the_documented_check(two_records, export_format):
    assert check_export(export_bytes(export_format), export_format) == 2


@pytest.mark.parametrize("export_format", list(exporters.FORMATS))
def test_an_export_cut_at_any_byte_is_refused(two_records, export_format):
    data = export_bytes(export_format)

    for length in range(len(data)):
        with pytest.raises(ValueError):
            check_export(data[:length], export_format)


def test_a_json_lines_export_cut_at_a_line_end_is_refused(two_records):
    """The case that used to look like a shorter valid file: whole lines, one missing."""
    data = export_bytes("jsonl")
    lines = data.splitlines(keepends=True)

    for kept in range(len(lines)):
        with pytest.raises(ValueError, match="incomplete"):
            check_export(b"".join(lines[:kept]), "jsonl")


def test_an_altered_json_lines_export_is_refused(two_records):
    data = export_bytes("jsonl")
    altered = data.replace(b"US$518.4 billion", b"US$518.5 billion", 1)

    with pytest.raises(ValueError, match="altered"):
        check_export(altered, "jsonl")


def test_the_end_line_counts_the_records_and_digests_the_bytes_before_it(two_records):
    data = export_bytes("jsonl")
    *records, end_line = data.splitlines(keepends=True)

    end = json.loads(end_line)
    assert end == {
        "end_of_export": {
            "schema": exporters.SCHEMA_ID,
            "records": 2,
            "sha256": hashlib.sha256(b"".join(records)).hexdigest(),
        }
    }
    assert all("end_of_export" not in json.loads(line) for line in records)


def test_the_end_line_validates_against_the_published_schema(two_records):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    end_line = export_bytes("jsonl").splitlines()[-1]

    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/end_of_export", "$defs": schema["$defs"]}
    )
    validator.validate(json.loads(end_line))


def test_an_empty_json_lines_export_is_its_end_line_alone(db):
    data = export_bytes("jsonl")

    assert json.loads(data) == {
        "end_of_export": {
            "schema": exporters.SCHEMA_ID,
            "records": 0,
            "sha256": hashlib.sha256(b"").hexdigest(),
        }
    }
    assert check_export(data, "jsonl") == 0


@pytest.mark.parametrize("export_format", list(exporters.FORMATS))
def test_the_endpoint_streams_a_checkable_export(
    client_for, researcher, two_records, export_format
):
    response = client_for(researcher).get(
        reverse("export_download", kwargs={"export_format": export_format})
    )

    data = b"".join(response.streaming_content)
    assert check_export(data, export_format) == 2


@pytest.mark.parametrize("export_format", list(exporters.FORMATS))
def test_the_command_writes_a_checkable_export(tmp_path, two_records, export_format):
    target = tmp_path / f"export.{export_format}"
    stdout = StringIO()

    call_command("export_verified", "--format", export_format, "--output", str(target))
    call_command("export_verified", "--format", export_format, stdout=stdout)

    assert check_export(target.read_bytes(), export_format) == 2
    assert check_export(stdout.getvalue().encode("utf-8"), export_format) == 2
