"""Article import: reading a file safely, parsing its format, and saving it all or nothing.

Three formats (see DESIGN.md, "Formats"):

- `dump`: articles pasted from a news site's index page. A teaser ends with a line
  `Continue reading <title>` and starts at the line holding that title; an article shown
  whole has no such line and starts right after the previous one (its first line is its
  title); the last article has no such line either.
- `text`: one article, the first non-blank line its title, the rest its body.
- `jsonl`: one JSON object per line with `title`, `body` and optional `url`, `publisher`,
  `published` (ISO date) and `language`.

The parsing functions are pure (bytes or text in, `ParsedArticle`s out) and raise
`ImportFailed` with every problem found, each naming the file and the line or byte offset.
`import_file` and `import_path` are the entry points that write: one transaction per file,
duplicates (same body checksum, in the database or earlier in the same file) skipped.
"""

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat

from . import events
from .inputs import text_problem
from .models import Article, ImportBatch, WebhookEvent, body_checksum
from .text import normalise_body, normalise_line

BOM = b"\xef\xbb\xbf"
CONTINUE_READING = re.compile(r"\s*Continue reading(?:\s+(?P<title>.*))?")
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
# Past this many, more problems add nothing a person can act on (a binary file would
# otherwise report one per line).
MAX_REPORTED_ERRORS = 20

# Column sizes of Article, checked here so that a long field is a line-numbered error
# rather than a database error.
TITLE_MAX = Article._meta.get_field("title").max_length
PUBLISHER_MAX = Article._meta.get_field("publisher").max_length
URL_MAX = Article._meta.get_field("url").max_length
LANGUAGE_MAX = Article._meta.get_field("language").max_length
DEFAULT_LANGUAGE = Article._meta.get_field("language").default


class Format(StrEnum):
    DUMP = "dump"
    TEXT = "text"
    JSONL = "jsonl"


@dataclass(frozen=True)
class ImportIssue:
    """One problem in one file, located by line (1-based) or byte offset (0-based)."""

    filename: str
    message: str
    line: int | None = None
    byte_offset: int | None = None

    @property
    def location(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        if self.byte_offset is not None:
            return f"byte offset {self.byte_offset}"
        return ""

    def __str__(self):
        where = ", ".join(part for part in (self.filename, self.location) if part)
        return f"{where}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """A file was refused; nothing from it was written. `errors` lists every problem found."""

    def __init__(self, filename: str, errors: list[ImportIssue]):
        self.filename = filename
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass(frozen=True)
class ParsedArticle:
    """An article read from a file, normalised, not yet saved. `line` is where it starts."""

    title: str
    body: str
    line: int
    url: str = ""
    publisher: str = ""
    published: date | None = None
    language: str = DEFAULT_LANGUAGE

    @property
    def checksum(self) -> str:
        return body_checksum(self.body)


@dataclass
class ImportReport:
    """What one file's import did: the articles created, the titles skipped, or the errors."""

    filename: str
    format: str = ""
    imported: list[Article] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class _Problems:
    """Collects the issues of one file so that a person sees them all at once."""

    def __init__(self, filename: str):
        self.filename = filename
        self.issues: list[ImportIssue] = []
        self.dropped = 0

    def add(self, message: str, *, line: int | None = None, byte_offset: int | None = None):
        if len(self.issues) < MAX_REPORTED_ERRORS:
            self.issues.append(ImportIssue(self.filename, message, line, byte_offset))
        else:
            self.dropped += 1

    def raise_if_any(self) -> None:
        if self.issues:
            issues = list(self.issues)
            if self.dropped:
                issues.append(
                    ImportIssue(self.filename, f"… and {self.dropped} more problems not shown.")
                )
            raise ImportFailed(self.filename, issues)


def _fail(filename: str, message: str, **where) -> ImportFailed:
    return ImportFailed(filename, [ImportIssue(filename, message, **where)])


# ---- Bytes to text ----


def read_limited(file: BinaryIO, *, filename: str, max_bytes: int) -> bytes:
    """The file's bytes, refused before reading it all when it is over `max_bytes`."""
    size = getattr(file, "size", None)
    if size is None:
        try:
            size = os.fstat(file.fileno()).st_size
        except (AttributeError, OSError, ValueError):
            size = None  # A stream of unknown size: the bounded read below decides.
    if size is not None and size > max_bytes:
        raise _too_large(filename, size, max_bytes)
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(filename, None, max_bytes)
    return data


def _too_large(filename: str, size: int | None, max_bytes: int) -> ImportFailed:
    actual = f" ({filesizeformat(size)})" if size is not None else ""
    return _fail(
        filename,
        f"The file is too large{actual}: the limit is {filesizeformat(max_bytes)}. "
        "Split it into smaller files.",
    )


def decode(data: bytes, *, filename: str) -> str:
    """UTF-8 text with `\\n` line endings: a BOM is stripped, CRLF and CR become LF.

    Refuses an empty file, a binary file (NUL bytes) and invalid UTF-8, naming the byte
    offset (in the file as given, BOM included) and its line.
    """
    if not data:
        raise _fail(filename, "The file is empty.")
    if (nul := data.find(b"\x00")) != -1:
        raise _fail(
            filename,
            "This is a binary file (it holds NUL bytes), not text. "
            "Save the articles as UTF-8 text or JSON Lines.",
            byte_offset=nul,
        )
    skipped = len(BOM) if data.startswith(BOM) else 0
    try:
        text = data[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skipped + error.start
        line = data.count(b"\n", 0, offset) + 1
        raise _fail(
            filename,
            f"Invalid UTF-8 on line {line}: byte 0x{data[offset]:02x} cannot start or "
            "continue a character. Save the file as UTF-8.",
            byte_offset=offset,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _fail(filename, "The file holds only blank lines: there is no article in it.")
    return text


# ---- Text to articles ----


def detect_format(filename: str, text: str) -> Format:
    """JSON Lines by extension or when the first line is a JSON object; a dump if any line
    is a `Continue reading` line; otherwise one plain-text article."""
    if filename.lower().endswith(JSONL_EXTENSIONS) or _starts_with_json_object(text):
        return Format.JSONL
    if any(_continue_reading_title(line) is not None for line in text.split("\n")):
        return Format.DUMP
    return Format.TEXT


def _starts_with_json_object(text: str) -> bool:
    first = next((line for line in text.split("\n") if line.strip()), "")
    if not first.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False
    except RecursionError:
        # An object nested past what json can read: JSON Lines, so that the parser
        # reports it with its line rather than a title thousands of brackets long.
        return True


def parse_articles(text: str, file_format: Format | str, *, filename: str) -> list[ParsedArticle]:
    """Parse decoded text in the given format; ImportFailed lists every problem found."""
    parser = {Format.DUMP: parse_dump, Format.TEXT: parse_text, Format.JSONL: parse_jsonl}
    return parser[Format(file_format)](text, filename=filename)


def parse_text(text: str, *, filename: str) -> list[ParsedArticle]:
    """One article: the first non-blank line is the title, the rest the body."""
    problems = _Problems(filename)
    if not text.strip():
        problems.add("The file holds no article.")
    else:
        article = _whole_article(text.split("\n"), 0, problems)
    problems.raise_if_any()
    return [article]


def parse_dump(text: str, *, filename: str) -> list[ParsedArticle]:
    """Split a news dump into its articles (see the module docstring for its shape)."""
    lines = text.split("\n")
    problems = _Problems(filename)
    articles: list[ParsedArticle | None] = []
    start = 0  # First line not yet given to an article.
    for index, line in enumerate(lines):
        title = _continue_reading_title(line)
        if title is None:
            continue
        if not title:
            problems.add(
                "A “Continue reading” line must repeat the title of the article it closes.",
                line=index + 1,
            )
        elif (title_index := _find_title(lines, title, start, index)) is None:
            problems.add(
                f"“Continue reading {title}” closes no article: no line before it, "
                "since the previous article, holds that title.",
                line=index + 1,
            )
        else:
            # Lines between the previous article and this teaser's title are an article
            # shown whole (no Continue reading line of its own).
            if any(lines[i].strip() for i in range(start, title_index)):
                articles.append(_whole_article(lines[start:title_index], start, problems))
            articles.append(_teaser(lines, title_index, index, problems))
        start = index + 1
    if any(line.strip() for line in lines[start:]):
        articles.append(_whole_article(lines[start:], start, problems))
    problems.raise_if_any()
    return articles


def _continue_reading_title(line: str) -> str | None:
    """The title a `Continue reading <title>` line repeats ("" if none), or None."""
    match = CONTINUE_READING.fullmatch(line)
    if match is None:
        return None
    return normalise_line(match["title"] or "")


def _title_key(title: str) -> str:
    # Pasted text may turn a space into a no-break space or change case in one of the two
    # copies of a title; neither makes it a different title.
    return " ".join(unicodedata.normalize("NFC", title).split()).casefold()


def _find_title(lines: list[str], title: str, start: int, stop: int) -> int | None:
    key = _title_key(title)
    return next((i for i in range(start, stop) if _title_key(lines[i]) == key), None)


def _teaser(lines: list[str], title_index: int, closing_index: int, problems: _Problems):
    title = normalise_line(lines[title_index])
    body = normalise_body("\n".join(lines[title_index + 1 : closing_index]))
    if not body:
        problems.add(
            f"The article “{title}” has no text between its title and its "
            f"“Continue reading” line (line {closing_index + 1}).",
            line=title_index + 1,
        )
        return None
    return _checked(ParsedArticle(title=title, body=body, line=title_index + 1), problems)


def _whole_article(lines: list[str], offset: int, problems: _Problems):
    """An article given whole: its first non-blank line is its title, the rest its body.

    `offset` is the index of lines[0] in the file, for line numbers.
    """
    first = next(i for i, line in enumerate(lines) if line.strip())
    title = normalise_line(lines[first])
    body = normalise_body("\n".join(lines[first + 1 :]))
    if not body:
        problems.add(
            f"“{_shorten(title)}” has a title but no text after it.", line=offset + first + 1
        )
        return None
    return _checked(ParsedArticle(title=title, body=body, line=offset + first + 1), problems)


def _checked(article: ParsedArticle, problems: _Problems) -> ParsedArticle | None:
    if len(article.title) > TITLE_MAX:
        problems.add(
            f"The title is {len(article.title)} characters long; the limit is {TITLE_MAX}. "
            "Is a paragraph standing where a title should be?",
            line=article.line,
        )
        return None
    return article


def _shorten(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def parse_jsonl(text: str, *, filename: str) -> list[ParsedArticle]:
    """One JSON object per non-blank line; every bad line is reported with its number."""
    problems = _Problems(filename)
    articles = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.add(f"Not valid JSON: {error.msg} (column {error.colno}).", line=number)
            continue
        except RecursionError:
            # json recurses once per [ or {: 100,000 of them exhaust the stack.
            problems.add("Not an article: the JSON is nested too deeply to read.", line=number)
            continue
        if not isinstance(record, dict):
            problems.add("Each line must be a JSON object with a title and a body.", line=number)
            continue
        article = _jsonl_article(record, number, problems)
        if article is not None:
            articles.append(article)
    if not articles and not problems.issues:
        problems.add("The file holds no article.")
    problems.raise_if_any()
    return articles


def _jsonl_article(record: dict, line: int, problems: _Problems) -> ParsedArticle | None:
    reported = len(problems.issues) + problems.dropped

    def text_field(name: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = record.get(name)
        if value is None or value == "":
            if required:
                problems.add(f"The “{name}” field is missing or empty.", line=line)
            return ""
        if not isinstance(value, str):
            problems.add(f"“{name}” must be a string, not {type(value).__name__}.", line=line)
            return ""
        # JSON escapes can spell what a UTF-8 file cannot hold: \u0000 (which PostgreSQL
        # refuses) and lone surrogates such as \ud800 (which cannot be encoded at all).
        if (problem := text_problem(value)) is not None:
            problems.add(f"“{name}” {problem}.", line=line)
            return ""
        value = normalise_body(value) if name == "body" else normalise_line(value)
        if name != "body" and "\n" in value.replace("\r", "\n"):
            problems.add(f"“{name}” must be a single line.", line=line)
        if required and not value:
            problems.add(f"The “{name}” field holds only white space.", line=line)
        if max_length is not None and len(value) > max_length:
            problems.add(
                f"“{name}” is {len(value)} characters long; the limit is {max_length}.", line=line
            )
        return value

    title = text_field("title", required=True, max_length=TITLE_MAX)
    body = text_field("body", required=True)
    url = text_field("url", max_length=URL_MAX)
    publisher = text_field("publisher", max_length=PUBLISHER_MAX)
    language = text_field("language", max_length=LANGUAGE_MAX) or DEFAULT_LANGUAGE
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            problems.add(f"“url” is not an http(s) address: {_shorten(url)}", line=line)
    published = None
    raw_date = record.get("published")
    if raw_date not in (None, ""):
        published = _parse_date(raw_date)
        if published is None:
            problems.add(
                f"“published” must be an ISO date such as 2025-05-13, not {raw_date!r}.",
                line=line,
            )
    if len(problems.issues) + problems.dropped > reported:
        return None
    return ParsedArticle(
        title=title,
        body=body,
        line=line,
        url=url,
        publisher=publisher,
        published=published,
        language=language,
    )


def _parse_date(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        # A full timestamp names a day too; keep the day as written (no timezone shift).
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def check_normalised_size(articles: list[ParsedArticle], *, filename: str, max_bytes: int):
    """Refuse a file whose articles, as they will be stored, take more than `max_bytes`.

    Normalising can grow a text: U+FB2C is excluded from composition and NFC writes it as
    three code points, so a 19 MB file of it would be stored (and rendered) as 38 MB. The
    limit on the file's size holds for what is stored too.
    """
    stored = 0
    for article in articles:
        stored += len(article.title.encode("utf-8")) + len(article.body.encode("utf-8"))
        if stored > max_bytes:
            raise _fail(
                filename,
                "The articles grow to more than the limit of "
                f"{filesizeformat(max_bytes)} once normalised (Unicode NFC, which writes "
                "some characters as several): split the file.",
                line=article.line,
            )


# ---- Writing ----


def import_file(
    file: BinaryIO,
    *,
    filename: str,
    file_format: Format | str | None = None,
    publisher: str = "",
    imported_by=None,
    on_saved: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import one file all or nothing and return its report; raise ImportFailed if refused.

    `file_format` overrides detection. `publisher` applies to every article that does not
    name its own. Articles whose body is already stored (or appeared earlier in the file)
    are skipped as duplicates; an ImportBatch records the file when it adds anything, so
    importing a file again changes nothing at all. `on_saved(report)` runs inside the
    file's transaction, so that what it writes commits with the articles or not at all
    (a background import records each file's report that way, and resumes after it).
    """
    filename = _storable_name(filename)
    if file_format:
        try:
            file_format = Format(file_format)
        except ValueError:
            choices = ", ".join(Format)
            raise _fail(
                filename, f"Unknown format {file_format!r}: use one of {choices}."
            ) from None
    publisher = normalise_line(publisher)
    if (problem := text_problem(publisher)) is not None:
        raise _fail(filename, f"The publisher's name {problem}.")
    if len(publisher) > PUBLISHER_MAX:
        raise _fail(filename, f"The publisher's name is longer than {PUBLISHER_MAX} characters.")
    data = read_limited(file, filename=filename, max_bytes=settings.IMPORT_MAX_BYTES)
    text = decode(data, filename=filename)
    file_format = file_format or detect_format(filename, text)
    articles = parse_articles(text, file_format, filename=filename)
    check_normalised_size(articles, filename=filename, max_bytes=settings.IMPORT_MAX_BYTES)
    try:
        return _save(
            articles,
            filename=filename,
            file_format=file_format,
            file_checksum=hashlib.sha256(data).hexdigest(),
            publisher=publisher,
            imported_by=imported_by,
            on_saved=on_saved,
        )
    except IntegrityError:
        # Only a concurrent import of the same article can get here: the checksums were
        # checked inside the transaction just before.
        raise _fail(
            filename,
            "Another import added some of these articles at the same moment; nothing was "
            "imported from this file. Import it again to skip them as duplicates.",
        ) from None


def _storable_name(filename: str) -> str:
    """The file's name as the batch stores it: no folders, and text a database can hold.

    A name on disk that is not UTF-8 reaches Python with lone surrogates (os's
    surrogateescape); they become U+FFFD, and NUL characters go, rather than refusing a
    good file for its name.
    """
    name = Path(filename).name.replace("\x00", "")
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name or "upload"


def import_path(
    path: str | os.PathLike,
    *,
    file_format: Format | str | None = None,
    publisher: str = "",
    imported_by=None,
) -> ImportReport:
    """`import_file` for a file on disk (the management command and the demo seed)."""
    path = Path(path)
    try:
        file = path.open("rb")
    except OSError as error:
        raise _fail(path.name or str(path), f"Cannot read {path}: {error.strerror}.") from None
    with file:
        return import_file(
            file,
            filename=path.name,
            file_format=file_format,
            publisher=publisher,
            imported_by=imported_by,
        )


def import_uploads(
    files: Iterable,
    *,
    file_format: Format | str | None = None,
    publisher: str = "",
    imported_by=None,
) -> list[ImportReport]:
    """Import several uploaded files, each on its own and all or nothing; one report each.

    A refused file gives a report holding its errors; the others are imported regardless.
    """
    reports = []
    for upload in files:
        try:
            report = import_file(
                upload,
                filename=upload.name,
                file_format=file_format,
                publisher=publisher,
                imported_by=imported_by,
            )
        except ImportFailed as failure:
            report = ImportReport(filename=failure.filename, errors=failure.errors)
        reports.append(report)
    return reports


# Checksums per query: keeps `IN (…)` under SQLite's parameter limit for large files.
CHECKSUM_CHUNK = 500


def _save(
    articles: list[ParsedArticle],
    *,
    filename: str,
    file_format: Format,
    file_checksum: str,
    publisher: str,
    imported_by,
    on_saved: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    report = ImportReport(filename=filename, format=file_format.value)
    with transaction.atomic():
        checksums = [article.checksum for article in articles]
        seen = set()
        for chunk_start in range(0, len(checksums), CHECKSUM_CHUNK):
            chunk = checksums[chunk_start : chunk_start + CHECKSUM_CHUNK]
            seen.update(
                Article.objects.filter(checksum__in=chunk).values_list("checksum", flat=True)
            )
        new = []
        for article, checksum in zip(articles, checksums, strict=True):
            if checksum in seen:
                report.duplicates.append(article.title)
                continue
            seen.add(checksum)
            new.append((article, checksum))
        if not new:
            if on_saved is not None:
                on_saved(report)
            return report
        report.batch = ImportBatch.objects.create(
            filename=filename[: ImportBatch._meta.get_field("filename").max_length],
            format=file_format.value,
            file_checksum=file_checksum,
            imported_by=imported_by,
            imported_count=len(new),
            duplicate_count=len(report.duplicates),
        )
        # bulk_create skips Article.save(), which sets the checksum: set it here from the
        # same function.
        report.imported = Article.objects.bulk_create(
            [
                Article(
                    title=article.title,
                    body=article.body,
                    checksum=checksum,
                    url=article.url,
                    publisher=article.publisher or publisher,
                    published=article.published,
                    language=article.language,
                    import_batch=report.batch,
                )
                for article, checksum in new
            ],
            batch_size=CHECKSUM_CHUNK,
        )
        events.emit(WebhookEvent.ARTICLES_IMPORTED, batch_id=report.batch.pk)
        # The assistant proposes spans in the new articles, in the background.
        from .jobs import suggest_job_create  # jobs builds on this module

        suggest_job_create(
            article_ids=[article.pk for article in report.imported], created_by=imported_by
        )
        if on_saved is not None:
            on_saved(report)
    return report
