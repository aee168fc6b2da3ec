"""`manage.py import_articles`: a report per file and a non-zero exit when one is refused."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from annotations.models import Article, ImportBatch

pytestmark = pytest.mark.django_db

TEASERS = Path(__file__).parent / "fixtures" / "import" / "teasers.txt"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def bad_jsonl(tmp_path) -> Path:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"title": "Good", "body": "Fine."})
    path.write_text(f'{good}\n{{"title": "No body"}}\nnot json\n', encoding="utf-8")
    return path


def test_it_prints_what_each_file_imported():
    out, err = run(TEASERS)
    assert f"{TEASERS} (dump): imported 4, skipped 0 duplicates." in out
    assert err == ""
    assert Article.objects.count() == 4


def test_a_second_run_imports_nothing_and_reports_the_duplicates():
    run(TEASERS)
    out, _ = run(TEASERS)
    assert "imported 0, skipped 4 duplicates." in out
    assert Article.objects.count() == 4
    assert ImportBatch.objects.count() == 1


def test_verbose_run_lists_the_titles():
    out, _ = run(TEASERS, "-v", "2")
    assert "  + Port authority reports a record quarter" in out
    out, _ = run(TEASERS, "-v", "2")
    assert "  = Ferry line to reopen in June (duplicate)" in out


def test_a_refused_file_prints_its_errors_with_line_numbers_and_raises(bad_jsonl):
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 of 1 file refused: .*bad\.jsonl"):
        call_command("import_articles", str(bad_jsonl), stdout=io.StringIO(), stderr=err)
    assert "refused, nothing imported" in err.getvalue()
    assert "bad.jsonl, line 2: The “body” field is missing or empty." in err.getvalue()
    assert "bad.jsonl, line 3: Not valid JSON" in err.getvalue()
    assert Article.objects.count() == 0


def test_the_command_line_exits_non_zero_when_a_file_is_refused(bad_jsonl, capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_articles", str(bad_jsonl)])
    assert exit_info.value.code == 1
    assert "line 3" in capsys.readouterr().err


def test_other_files_are_imported_when_one_is_refused(bad_jsonl):
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files refused"):
        call_command(
            "import_articles", str(bad_jsonl), str(TEASERS), stdout=out, stderr=io.StringIO()
        )
    assert "imported 4" in out.getvalue()
    assert Article.objects.count() == 4


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="absent.txt"):
        run(tmp_path / "absent.txt")


def test_format_and_publisher_options(tmp_path):
    path = tmp_path / "notes.log"
    path.write_text("A title\n\nContinue reading nothing\n", encoding="utf-8")
    out, _ = run(path, "--format", "text", "--publisher", "Valmora Times")
    assert "(text): imported 1" in out
    article = Article.objects.get()
    assert (article.title, article.publisher) == ("A title", "Valmora Times")
