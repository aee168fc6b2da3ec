"""`manage.py export_verified`: formats, filters, output file, refusals."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Kind

from .export_lines import json_lines_records
from .factories import verified_annotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(annotator):
    return verified_annotation(author=annotator)


@pytest.fixture
def number(annotator):
    return verified_annotation(
        author=annotator, kind=Kind.NUMBER, phrase="US$518.4 billion", number_value=518400000000
    )


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("export_verified", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_writes_the_file(tmp_path, claim, number):
    target = tmp_path / "verified.json"

    _out, err = run("--format", "json", "--output", str(target))

    document = json.loads(target.read_text(encoding="utf-8"))
    assert [record["id"] for record in document["records"]] == [claim.pk, number.pk]
    assert "Wrote 2 records" in err
    assert [path.name for path in tmp_path.iterdir()] == ["verified.json"]  # no temp file left


def test_the_command_replaces_an_existing_file(tmp_path, claim):
    target = tmp_path / "verified.jsonl"
    target.write_text("old content\n")

    run("--format", "jsonl", "--output", str(target))

    assert [record["id"] for record in json_lines_records(target.read_text())] == [claim.pk]


def test_without_output_the_command_writes_to_stdout(claim):
    out, _err = run("--format", "jsonl")

    assert [record["id"] for record in json_lines_records(out)] == [claim.pk]


@pytest.mark.parametrize("export_format", ["w3c", "claimreview"])
def test_the_linked_data_formats_are_valid_json(export_format, claim):
    out, _err = run("--format", export_format)

    assert json.loads(out)


def test_the_command_filters_like_the_endpoint(claim, number):
    by_kind, _ = run("--format", "jsonl", "--kind", "number")
    by_article, _ = run("--format", "jsonl", "--article", str(claim.article_id))
    by_verdict, _ = run("--format", "jsonl", "--verdict", "inaccurate")
    by_since, _ = run("--format", "jsonl", "--since", "2999-01-01")

    assert [record["id"] for record in json_lines_records(by_kind)] == [number.pk]
    assert [record["id"] for record in json_lines_records(by_article)] == [claim.pk]
    assert json_lines_records(by_verdict) == json_lines_records(by_since) == []


def test_a_bad_date_is_refused_with_a_clear_message(claim):
    with pytest.raises(CommandError, match="--since"):
        run("--since", "last tuesday")


def test_a_moment_outside_the_calendar_in_utc_is_refused_with_a_clear_message(claim):
    with pytest.raises(CommandError, match="--since: .*out of range"):
        run("--since", "0001-01-01T00:00:00+14:00")
