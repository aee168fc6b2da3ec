"""Request guards that run before any view, the upload handler they rely on, and private caching.

`RequestGuardMiddleware` refuses, before anything reads or parses the body, what no view
can handle: a body over `REQUEST_MAX_BYTES` (413, judged by Content-Length), a charset that
is not ASCII-compatible (415: Django would decode form data with it), and NUL or lone
surrogates in query parameters or form fields (400 through `annotations.inputs`: PostgreSQL
cannot store NUL, and a surrogate cannot be encoded). Fixing this once here spares every
view, form and search a check of its own.

`UploadLimitHandler` enforces the limits while an upload streams, for a request whose
Content-Length said nothing useful: a file over `IMPORT_MAX_BYTES` is counted but not kept,
and a request whose files exceed `REQUEST_MAX_BYTES` is stopped.

`PrivateCacheMiddleware` marks responses to logged-in users `Cache-Control: private,
no-store`: every page shows unpublished annotations, names and verdicts.
"""

import codecs

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict

from annotations.api.errors import is_api_request, problem_response
from annotations.inputs import BadInput, text_problem

# Every printable ASCII character and the white space forms use: a charset that decodes
# these bytes to themselves reads form data (names, `=`, `&`, `%xx`) as UTF-8 does.
_ASCII_PROBE = bytes(range(0x20, 0x7F)) + b"\t\r\n"


class RequestTooLarge(BadInput, MultiPartParserError):
    """The uploaded files exceed REQUEST_MAX_BYTES. A MultiPartParserError, so Django marks
    the body as unreadable rather than parsing it again; a BadInput, so any 4xx says why."""


class OversizedUpload(UploadedFile):
    """A file over IMPORT_MAX_BYTES: its name and size, and none of its bytes.

    The importer refuses it by its size before reading, with the same per-file report as
    any other refused file, and the other files of the request are still imported.
    """

    def __init__(self, *, name: str, size: int, content_type: str | None, charset: str | None):
        super().__init__(
            file=None, name=name, content_type=content_type, size=size, charset=charset
        )

    def read(self, *args) -> bytes:
        return b""

    def open(self, mode=None):
        return self

    def close(self):
        pass


class UploadLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: limits per file and per request, while the body streams.

    Chunks within the limits pass on to Django's memory and temporary-file handlers. Past a
    file's limit the chunks stop here (nothing more is kept or spooled to disk) and the file
    becomes an `OversizedUpload`; past the request's limit the upload stops.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_bytes = 0
        return None  # let the multipart parser do its work

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        self.file_bytes = 0
        self.oversized = content_length is not None and content_length > settings.IMPORT_MAX_BYTES
        if self.oversized:
            raise StopFutureHandlers  # the part says its size: the other handlers never start

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.file_bytes += len(raw_data)
        self.request_bytes += len(raw_data)
        if self.request_bytes > settings.REQUEST_MAX_BYTES:
            raise RequestTooLarge(_too_large_message(settings.REQUEST_MAX_BYTES))
        if self.file_bytes > settings.IMPORT_MAX_BYTES:
            self.oversized = True
        return None if self.oversized else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.oversized:
            return None  # the next handler holds the file
        return OversizedUpload(
            name=self.file_name,
            size=self.file_bytes,
            content_type=self.content_type,
            charset=self.charset,
        )


def _too_large_message(limit: int) -> str:
    return (
        f"The request is too large: the limit is {filesizeformat(limit)} in all. "
        "Upload fewer or smaller files at a time."
    )


def ascii_compatible(charset: str) -> bool:
    """Whether form data in `charset` reads as in ASCII (UTF-8, Latin-1, cp1252: yes;
    UTF-16, UTF-7, EBCDIC or an unknown name: no)."""
    try:
        name = codecs.lookup(charset).name
        return _ASCII_PROBE.decode(name) == _ASCII_PROBE.decode("ascii")
    except (LookupError, UnicodeError, ValueError):
        return False


def readable_charset(content_type: str, charset: str) -> bool:
    """Whether Django can read a body of `content_type` declared in `charset`.

    URL-encoded form data is UTF-8 by definition (RFC 1866) and Django refuses any other
    name, "utf8" included, with a bare 400; anything else must at least read ASCII as ASCII.
    """
    if content_type == "application/x-www-form-urlencoded":
        return charset.lower() == "utf-8"
    return ascii_compatible(charset)


def first_text_problem(data: MultiValueDict, what: str) -> str | None:
    """The first name or value in `data` that cannot be stored as text, described, or None."""
    for name, values in data.lists():
        if (problem := text_problem(name)) is not None:
            return f"The name of a {what} {problem}."
        for value in values:
            if isinstance(value, str) and (problem := text_problem(value)) is not None:
                return f"The {what} “{name}” {problem}."
    return None


class RequestGuardMiddleware:
    """Refuses what no view can read before anything parses the request (see the module).

    It must come before CsrfViewMiddleware, which reads the form, and before the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request: HttpRequest):
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isascii() and length.isdigit() and int(length) > settings.REQUEST_MAX_BYTES:
            return _refuse(request, _too_large_message(settings.REQUEST_MAX_BYTES), 413)
        charset = request.content_params.get("charset")
        if charset is not None and not readable_charset(request.content_type, charset):
            return _refuse(
                request,
                f"The request is written in the charset “{charset}”, which Workbench does "
                "not read: send it as UTF-8.",
                415,
            )
        problem = first_text_problem(request.GET, "query parameter")
        if problem is None and request.method == "POST":
            try:
                problem = first_text_problem(request.POST, "form field") or (
                    first_text_problem(request.FILES, "file field")
                )
            except RequestTooLarge as too_large:
                return _refuse(request, str(too_large), 413)
        if problem is not None:
            raise BadInput(problem)  # answered by views.site.bad_request with the message
        return None


def _refuse(request: HttpRequest, message: str, status: int):
    if is_api_request(request):
        return problem_response(status, message)  # the API answers problem+json
    return render(request, "400.html", {"message": message}, status=status)


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on responses to logged-in users.

    Every page shows unpublished work, names and verdicts: no shared cache may keep it and
    the browser should not store it. A view that chose its own Cache-Control keeps it (the
    export endpoint, the admin's never_cache); static files never get here (whitenoise
    answers them first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if "Cache-Control" not in response and user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response
