"""The importers: parsing each format as written, and importing a file all or nothing."""

import io
import json
from pathlib import Path

import pytest

from annotations.importers import (
    Format,
    ImportFailed,
    decode,
    detect_format,
    import_file,
    import_path,
    parse_dump,
    parse_jsonl,
    parse_text,
)
from annotations.models import Article, ImportBatch
from tests.factories import ArticleFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures" / "import"
TEASERS = FIXTURES / "teasers.txt"
EN_SPACE, NO_BREAK_SPACE = "\u2002", "\u00a0"

TEASER_TITLES = [
    "Port authority reports a record quarter",
    "Council approves budget of US$3.1 billion",
    "Ferry line to reopen in June",
    "Festival closes with nearly 40,000 visitors 🎉",
]


def teasers_text() -> str:
    return TEASERS.read_text(encoding="utf-8")


def parsed_teasers():
    return parse_dump(teasers_text(), filename="teasers.txt")


def jsonl(*records) -> bytes:
    return "\n".join(
        record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
        for record in records
    ).encode("utf-8")


def import_bytes(data: bytes, filename: str = "upload.txt", **options):
    return import_file(io.BytesIO(data), filename=filename, **options)


def database_state():
    return Article.objects.count(), ImportBatch.objects.count()


def assert_refused(data: bytes, filename: str, *fragments: str, **options) -> ImportFailed:
    """Import `data`, expect a refusal naming the file and every fragment, and no writes."""
    before = database_state()
    with pytest.raises(ImportFailed) as caught:
        import_bytes(data, filename, **options)
    message = str(caught.value)
    assert filename in message
    for fragment in fragments:
        assert fragment in message
    assert caught.value.errors
    assert all(error.filename == filename for error in caught.value.errors)
    assert database_state() == before
    return caught.value


# ---- The dump format ----


def test_dump_holds_each_teaser_the_short_article_between_them_and_the_last_article():
    assert [article.title for article in parsed_teasers()] == TEASER_TITLES


def test_dump_teaser_starts_at_its_title_line_and_ends_before_its_continue_reading_line():
    lines = teasers_text().split("\n")
    port, _, ferry, _ = parsed_teasers()
    assert lines[port.line - 1] == port.title
    assert lines[ferry.line - 1] == ferry.title
    assert port.body.startswith("The port of Valmora handled 1.2 million containers")
    assert port.body.endswith(f"{EN_SPACE}Ship calls: 2{NO_BREAK_SPACE}340")
    assert ferry.body.startswith("After two years of repairs")
    assert ferry.body.endswith("“People have waited long enough,” said captain Malik Osei.")


def test_dump_short_article_shown_whole_between_teasers_is_an_article_of_its_own():
    _, council, ferry, _ = parsed_teasers()
    assert council.body == (
        "The council approved a budget of US$3.1 billion on Monday, 4 percent more than "
        "last year.\n\nMayor Íñigo Salas said: “Every district gets its share.”"
    )
    assert "council" not in ferry.body


def test_dump_last_article_without_continue_reading_keeps_its_sub_headings():
    last = parsed_teasers()[-1]
    assert last.title == "Festival closes with nearly 40,000 visitors 🎉"
    assert "\n\nWhat the organisers said\n\n" in last.body
    assert "\n\nNext year\n\n" in last.body
    assert last.body.endswith("The festival will return on the first weekend of August.")


def test_dump_bodies_hold_no_continue_reading_line():
    for article in parsed_teasers():
        assert not any(line.startswith("Continue reading") for line in article.body.split("\n"))


def test_dump_keeps_en_spaces_no_break_spaces_emoji_cjk_and_unbalanced_quotes_as_written():
    port, _, _, festival = parsed_teasers()
    assert f"{EN_SPACE}{EN_SPACE}•{EN_SPACE}Containers: 1.2 million" in port.body
    assert f"2{NO_BREAK_SPACE}340" in port.body
    # A quotation over two paragraphs opens each with “ and closes only at its end.
    assert "“The new cranes have paid for themselves.\n\n“Next year" in port.body
    assert "“港口之夜” lanterns 🏮" in festival.body


def test_dump_without_final_continue_reading_line_still_ends_with_its_last_article():
    text = "First\n\nOne.\n\nContinue reading First\n\nSecond\n\nTwo.\n"
    assert [(a.title, a.body) for a in parse_dump(text, filename="d.txt")] == [
        ("First", "One."),
        ("Second", "Two."),
    ]


def test_dump_matches_a_title_repeated_with_other_white_space():
    text = f"Xi{NO_BREAK_SPACE}meets  Lula\n\nText.\n\nContinue reading Xi meets Lula\n"
    [article] = parse_dump(text, filename="d.txt")
    assert article.title == f"Xi{NO_BREAK_SPACE}meets  Lula"
    assert article.body == "Text."


def test_dump_continue_reading_that_repeats_no_earlier_title_is_an_error_naming_its_line():
    text = "First\n\nOne.\n\nContinue reading Something else\n"
    with pytest.raises(ImportFailed) as caught:
        parse_dump(text, filename="d.txt")
    [error] = caught.value.errors
    assert error.line == 5
    assert "Something else" in error.message
    assert str(error).startswith("d.txt, line 5:")


def test_dump_teaser_with_no_text_is_an_error_naming_its_title_line():
    text = "Intro\n\nText.\n\nEmpty one\n\nContinue reading Empty one\n"
    with pytest.raises(ImportFailed) as caught:
        parse_dump(text, filename="d.txt")
    assert [error.line for error in caught.value.errors] == [5]


def test_dump_reports_every_problem_at_once():
    text = "A\n\nContinue reading A\n\nContinue reading\n"
    with pytest.raises(ImportFailed) as caught:
        parse_dump(text, filename="d.txt")
    assert [error.line for error in caught.value.errors] == [1, 5]


# ---- Plain text and JSON Lines ----


def test_text_first_non_blank_line_is_the_title_and_the_rest_the_body():
    [article] = parse_text(
        "\n\n  A title  \n\n\nFirst paragraph.\n\nSecond.\n\n\n", filename="a.txt"
    )
    assert article.title == "A title"
    assert article.body == "First paragraph.\n\nSecond."
    assert article.line == 3


def test_text_with_a_title_and_no_body_is_an_error():
    with pytest.raises(ImportFailed, match=r"a\.txt, line 1: .*no text"):
        parse_text("Only a title\n", filename="a.txt")


def test_jsonl_reads_every_field():
    text = jsonl(
        {
            "title": "Rail link",
            "body": "Line one.\r\n\r\nLine two.",
            "url": "https://news.example.org/rail",
            "publisher": "Valmora Times",
            "published": "2025-05-13",
            "language": "es",
        },
        "",
        {"title": "Second", "body": "Body."},
    ).decode()
    first, second = parse_jsonl(text, filename="a.jsonl")
    assert (first.title, first.body, first.url, first.publisher) == (
        "Rail link",
        "Line one.\n\nLine two.",
        "https://news.example.org/rail",
        "Valmora Times",
    )
    assert first.published.isoformat() == "2025-05-13"
    assert first.language == "es"
    assert (second.line, second.language, second.published) == (3, "en", None)


def test_detect_format_by_extension_then_by_continue_reading_lines():
    assert detect_format("a.jsonl", "{}") == Format.JSONL
    assert detect_format("A.NDJSON", "{}") == Format.JSONL
    assert detect_format("dump.txt", teasers_text()) == Format.DUMP
    assert detect_format("one.txt", "Title\n\nBody") == Format.TEXT


def test_detect_format_recognises_json_lines_by_their_first_line():
    assert detect_format("export.txt", '\n{"title": "A", "body": "a"}\n') == Format.JSONL
    assert detect_format("notes.txt", "{braces} in a title\n\nBody") == Format.TEXT


# ---- Normalising ----


def test_bom_and_crlf_are_accepted_and_give_the_same_articles():
    plain = TEASERS.read_bytes()
    windows = b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n")
    text = decode(windows, filename="w.txt")
    assert "\r" not in text and not text.startswith("\ufeff")
    assert parse_dump(text, filename="w.txt") == parse_dump(plain.decode(), filename="w.txt")


def test_text_is_normalised_to_nfc_once_at_import():
    decomposed = "Jose\u0301 Nu\u0301n\u0303ez said so\n\nCafe\u0301 owners agreed."
    [article] = parse_text(decomposed, filename="a.txt")
    assert article.title == "José Núñez said so"
    assert article.body == "Café owners agreed."


# ---- Importing ----


def test_import_creates_the_articles_and_a_batch_with_counts(db):
    editor = UserFactory(username="edith")
    report = import_path(TEASERS, imported_by=editor)
    assert report.ok
    assert report.format == "dump"
    assert report.filename == "teasers.txt"
    assert [article.title for article in report.imported] == TEASER_TITLES
    assert report.duplicates == []
    batch = ImportBatch.objects.get()
    assert (batch.filename, batch.format, batch.imported_count, batch.duplicate_count) == (
        "teasers.txt",
        "dump",
        4,
        0,
    )
    assert batch.imported_by == editor
    assert len(batch.file_checksum) == 64
    assert set(batch.articles.values_list("title", flat=True)) == set(TEASER_TITLES)
    stored = Article.objects.get(title=TEASER_TITLES[0])
    assert stored.body == parsed_teasers()[0].body


def test_importing_a_file_again_adds_nothing_and_reports_duplicates(db):
    import_path(TEASERS)
    before = database_state()
    report = import_path(TEASERS)
    assert report.imported == []
    assert report.duplicates == TEASER_TITLES
    assert report.batch is None
    assert database_state() == before


def test_the_same_text_with_bom_and_crlf_is_a_duplicate(db):
    import_path(TEASERS)
    windows = b"\xef\xbb\xbf" + TEASERS.read_bytes().replace(b"\n", b"\r\n")
    report = import_bytes(windows, "windows.txt")
    assert report.imported == []
    assert len(report.duplicates) == 4


def test_duplicates_within_one_file_are_skipped(db):
    data = jsonl(
        {"title": "One", "body": "Same text."},
        {"title": "One again", "body": "Same text."},
        {"title": "Two", "body": "Other text."},
    )
    report = import_bytes(data, "twice.jsonl")
    assert [article.title for article in report.imported] == ["One", "Two"]
    assert report.duplicates == ["One again"]
    assert (report.batch.imported_count, report.batch.duplicate_count) == (2, 1)


def test_a_file_partly_stored_imports_only_the_new_articles(db):
    ArticleFactory(title="Old", body="Stored before.")
    data = jsonl({"title": "Old", "body": "Stored before."}, {"title": "New", "body": "Fresh."})
    report = import_bytes(data, "mixed.jsonl")
    assert [article.title for article in report.imported] == ["New"]
    assert report.duplicates == ["Old"]
    assert Article.objects.count() == 2


def test_publisher_applies_to_articles_that_name_none(db):
    data = jsonl({"title": "A", "body": "a", "publisher": "Own Press"}, {"title": "B", "body": "b"})
    import_bytes(data, "p.jsonl", publisher="Valmora Times")
    assert dict(Article.objects.values_list("title", "publisher")) == {
        "A": "Own Press",
        "B": "Valmora Times",
    }


def test_format_override_reads_a_dump_as_one_plain_text_article(db):
    report = import_path(TEASERS, file_format="text")
    [article] = report.imported
    assert report.format == "text"
    assert article.title == TEASER_TITLES[0]
    assert "Continue reading" in article.body


def test_demo_corpus_imports_three_articles(db):
    demo = Path(__file__).resolve().parents[1] / "annotations" / "demo" / "demo-dump.txt"
    report = import_path(demo)
    assert report.format == "dump"
    assert len(report.imported) == 3
    bodies = "\n".join(article.body for article in report.imported)
    for phrase in (
        "US$4.2 billion",
        "percent",
        "more than 200",
        "nearly 40 million",
        "Mayor José Núñez said",
        "Zoë",
        "🏮",
    ):
        assert phrase in bodies


# ---- Bad input: a clear error naming the file and where, and nothing written ----


def test_invalid_utf8_is_refused_with_its_byte_offset_and_line(db):
    data = b"Title\n\nCaf\xe9 au lait.\n"  # é in Latin-1
    failure = assert_refused(data, "latin1.txt", "byte offset 10", "line 3", "UTF-8")
    assert failure.errors[0].byte_offset == 10


def test_invalid_utf8_offset_counts_the_bom(db):
    data = b"\xef\xbb\xbfTitle\n\nBad \xff byte\n"
    failure = assert_refused(data, "bom.txt", "byte offset 14")
    assert failure.errors[0].byte_offset == 14


def test_binary_file_is_refused(db):
    assert_refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.txt", "binary", "byte offset 8")


def test_utf16_file_is_refused_as_binary(db):
    assert_refused("Title\n\nBody".encode("utf-16"), "utf16.txt", "binary")


def test_empty_file_is_refused(db):
    assert_refused(b"", "empty.txt", "empty")


def test_file_of_blank_lines_is_refused(db):
    assert_refused(b"\xef\xbb\xbf \r\n\t\r\n", "blank.txt", "no article")


def test_jsonl_line_that_is_not_json_is_refused_with_its_line_and_nothing_written(db):
    data = jsonl({"title": "Good", "body": "Fine."}, "", '{"title": "Broken", "body": ')
    assert_refused(data, "bad.jsonl", "line 3", "Not valid JSON")


def test_jsonl_line_without_title_or_body_is_refused_with_its_line(db):
    data = jsonl({"title": "Good", "body": "Fine."}, {"title": "No body"}, {"body": "No title"})
    failure = assert_refused(data, "missing.jsonl", "line 2", "“body”", "line 3", "“title”")
    assert [error.line for error in failure.errors] == [2, 3]


def test_jsonl_bad_date_is_refused_with_its_line(db):
    data = jsonl({"title": "A", "body": "a", "published": "13/05/2025"})
    assert_refused(data, "date.jsonl", "line 1", "13/05/2025", "ISO date")


def test_jsonl_line_that_is_not_an_object_is_refused(db):
    assert_refused(jsonl('["a", "b"]'), "list.jsonl", "line 1", "JSON object")


def test_jsonl_fields_of_the_wrong_type_or_size_are_refused(db):
    data = jsonl(
        {"title": 3, "body": "a"},
        {"title": "t" * 501, "body": "a"},
        {"title": "A", "body": "a", "url": "not a url"},
    )
    failure = assert_refused(data, "types.jsonl", "must be a string", "limit is 500", "url")
    assert [error.line for error in failure.errors] == [1, 2, 3]


def test_jsonl_with_hundreds_of_bad_lines_reports_a_readable_number(db):
    data = "\n".join(["not json"] * 300).encode()
    failure = assert_refused(data, "noise.jsonl", "280 more problems")
    assert len(failure.errors) == 21


def test_dump_with_a_dangling_continue_reading_line_writes_nothing(db):
    data = teasers_text().replace(
        "Continue reading Ferry line to reopen in June", "Continue reading Ferry line closed"
    )
    assert_refused(data.encode(), "dangling.txt", "line 26", "Ferry line closed")


def test_file_over_the_size_limit_is_refused_before_it_is_read(db, settings):
    settings.IMPORT_MAX_BYTES = 100

    class Upload(io.BytesIO):
        size = 101

        def read(self, *args):
            raise AssertionError("an oversized file must not be read")

    before = database_state()
    with pytest.raises(
        ImportFailed, match="big\\.txt: The file is too large .*limit is 100\u00a0bytes"
    ):
        import_file(Upload(), filename="big.txt")
    assert database_state() == before


def test_stream_of_unknown_size_is_read_only_up_to_the_limit(db, settings):
    settings.IMPORT_MAX_BYTES = 1000
    reads = []

    class Stream(io.RawIOBase):
        def read(self, size=-1):
            reads.append(size)
            return b"x" * (size if size > 0 else 10_000)

    with pytest.raises(ImportFailed, match="too large"):
        import_file(Stream(), filename="stream.txt")
    assert reads == [1001]


def test_file_on_disk_over_the_limit_is_refused_by_its_size(db, settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 10
    path = tmp_path / "big.txt"
    path.write_text("Title\n\nA body longer than ten bytes.\n")
    before = database_state()
    with pytest.raises(ImportFailed, match="too large"):
        import_path(path)
    assert database_state() == before


def test_unknown_format_is_refused(db):
    assert_refused(b"Title\n\nBody", "a.txt", "Unknown format 'csv'", file_format="csv")


def test_missing_file_is_refused_with_its_name(db, tmp_path):
    with pytest.raises(ImportFailed, match=r"absent\.txt: Cannot read .*absent\.txt"):
        import_path(tmp_path / "absent.txt")


# ---- Hostile JSON Lines: nothing PostgreSQL or UTF-8 cannot hold, no recursion ----


@pytest.mark.parametrize("field", ["title", "body", "url", "publisher", "language"])
@pytest.mark.parametrize(
    ("escaped", "problem"),
    [("\\u0000", "NUL character"), ("\\ud800", "lone surrogate")],
)
def test_jsonl_text_that_no_database_can_store_is_refused_with_its_line(
    db, field, escaped, problem
):
    record = {"title": "T", "body": "B.", "url": "https://example.org/a", "publisher": "P",
              "language": "en"}  # fmt: skip
    value = json.dumps(record[field])
    line = json.dumps(record).replace(value, value[:-1] + escaped + '"', 1)
    data = jsonl({"title": "Good", "body": "Good."}, line)

    assert_refused(data, "hostile.jsonl", "line 2", f"“{field}”", problem)


def test_jsonl_nested_too_deeply_is_refused_with_its_line(db):
    data = jsonl({"title": "Good", "body": "Good."}, "[" * 100_000)

    assert_refused(data, "deep.jsonl", "line 2", "nested too deeply")


def test_a_text_file_that_starts_like_deep_json_is_refused_not_crashed(db):
    data = ('{"title": ' + "[" * 100_000 + "\n\nSome body.").encode()

    assert_refused(data, "deep.txt", "line 1", "nested too deeply")


def test_a_file_that_grows_past_the_limit_when_normalised_is_refused(db, settings):
    # U+FB2C (Hebrew shin with dagesh and shin dot) is excluded from composition: NFC
    # writes it as three code points, so 3 bytes of UTF-8 become 6.
    settings.IMPORT_MAX_BYTES = 3000
    data = ("Title\n\n" + "\ufb2c" * 900).encode()
    assert len(data) <= 3000

    assert_refused(data, "shin.txt", "normalised", "line 1", "limit")


def test_a_file_that_stays_under_the_limit_when_normalised_is_imported(db, settings):
    settings.IMPORT_MAX_BYTES = 3000
    data = ("Title\n\n" + "\ufb2c" * 400).encode()

    report = import_bytes(data, "shin.txt")

    assert len(report.imported) == 1


def test_a_file_name_that_is_not_utf8_on_disk_is_stored_readably(db, tmp_path):
    # os gives a Latin-1 name such as b"caf\xe9.txt" to Python as "caf\udce9.txt".
    path = tmp_path / "caf\udce9.txt"
    path.write_bytes(b"Title\n\nBody.\n")

    report = import_path(path)

    assert ImportBatch.objects.get().filename == report.filename == "caf\ufffd.txt"


def test_a_publisher_name_with_a_lone_surrogate_is_refused(db):
    assert_refused(b"Title\n\nBody", "a.txt", "publisher", "surrogate", publisher="Caf\udce9")
