"""Requests no view can read are refused before any view runs (workbench/middleware.py).

NUL and lone surrogates in a query or a form (400), a body in a charset that is not
ASCII-compatible (415), a body over REQUEST_MAX_BYTES (413, before it is read), and an
upload stopped at the per-file and per-request limits while it streams.
"""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import RequestFactory
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from annotations.models import Article, ImportBatch
from workbench.middleware import OversizedUpload, RequestTooLarge, first_text_problem

from .factories import AnnotationFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("import_upload")


def message_of(response) -> str:
    return response.content.decode()


# ---- NUL and lone surrogates ----


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "%00=x", "kind=claim&q=%00"])
def test_a_nul_in_a_search_is_refused_with_400(client_for, annotator, query):
    response = client_for(annotator).get(f"{reverse('article_list')}?{query}")

    assert response.status_code == 400
    assert "NUL" in message_of(response)


def test_a_nul_in_the_review_items_source_search_is_refused(client_for, reviewer):
    annotation = AnnotationFactory()
    url = reverse("review_item", args=[annotation.pk])

    response = client_for(reviewer).get(f"{url}?source_q=%00")

    assert response.status_code == 400
    assert "source_q" in message_of(response) and "NUL" in message_of(response)


def test_a_nul_in_a_form_field_is_refused_before_the_view_writes(client_for, editor):
    upload = SimpleUploadedFile("a.txt", b"Title\n\nBody.\n", content_type="text/plain")

    response = client_for(editor).post(IMPORT_URL, {"files": [upload], "publisher": "Ex\x00"})

    assert response.status_code == 400
    assert "publisher" in message_of(response) and "NUL" in message_of(response)
    assert (Article.objects.count(), ImportBatch.objects.count()) == (0, 0)


def test_a_nul_in_a_form_field_name_is_refused(client):
    response = client.generic(
        "POST",
        reverse("login"),
        b"username=a&pass%00word=b",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "NUL" in message_of(response)


def test_a_lone_surrogate_in_a_parameter_is_described():
    # Django decodes queries and forms with replacement characters, so a lone surrogate
    # should never reach a view; the guard checks anyway, with the same rule as the text
    # inputs (annotations.inputs), in case another server or decoder lets one through.
    data = QueryDict(mutable=True)
    data["q"] = "a\ud800"

    problem = first_text_problem(data, "query parameter")

    assert problem == "The query parameter “q” contains a lone surrogate (not valid Unicode text)."
    assert first_text_problem(QueryDict("q=fine&kind=claim"), "query parameter") is None


# ---- Charsets ----


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "utf-7", "cp500", "no-such-charset"])
def test_a_body_in_a_charset_that_is_not_ascii_compatible_is_refused_with_415(client, charset):
    response = client.generic(
        "POST",
        reverse("login"),
        "username=a&password=b".encode("utf-16"),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 415
    assert charset in message_of(response)


@pytest.mark.parametrize("charset", ["latin-1", "us-ascii", "utf8"])
def test_form_data_must_say_utf_8_as_django_reads_it(client, charset):
    # RFC 1866: URL-encoded form data has no charset; Django reads it only as "utf-8".
    response = client.generic(
        "POST",
        reverse("login"),
        b"username=nobody&password=wrong",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 415
    assert charset in message_of(response)


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("application/x-www-form-urlencoded", "utf-8"),
        ("application/x-www-form-urlencoded", "UTF-8"),
        ("multipart/form-data", "utf-8"),
        ("multipart/form-data", "latin-1"),
        ("multipart/form-data", "windows-1252"),
    ],
)
def test_ascii_compatible_charsets_are_read(client, content_type, charset):
    data = {"username": "nobody", "password": "wrong"}
    if content_type == "multipart/form-data":
        body = encode_multipart(BOUNDARY, data)
        content_type += f"; boundary={BOUNDARY}"
    else:
        body = urlencode(data).encode()

    response = client.generic(
        "POST", reverse("login"), body, content_type=f"{content_type}; charset={charset}"
    )

    assert response.status_code == 200  # the login form again, with its error
    assert "Please enter a correct username and password" in message_of(response)


# ---- Size ----


def test_a_request_over_the_limit_is_refused_with_413_before_its_body_is_read(
    client_for, editor, settings
):
    settings.REQUEST_MAX_BYTES = 1000
    client = client_for(editor)

    # The test client's payload refuses to be read past its length: a read would fail.
    response = client.generic(
        "POST",
        IMPORT_URL,
        b"x" * 10,
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH="95000000",
    )

    assert response.status_code == 413
    assert "too large" in message_of(response)


def test_five_files_that_together_exceed_the_request_limit_are_refused(
    client_for, editor, settings
):
    settings.IMPORT_MAX_BYTES = 1000
    settings.REQUEST_MAX_BYTES = 3000
    files = [SimpleUploadedFile(f"f{n}.txt", b"Title %d\n\n" % n + b"x" * 900) for n in range(5)]

    response = client_for(editor).post(IMPORT_URL, {"files": files})

    assert response.status_code == 413
    assert Article.objects.count() == 0


def test_a_file_over_the_limit_is_not_kept_and_its_report_says_why(client_for, editor, settings):
    settings.IMPORT_MAX_BYTES = 100
    big = SimpleUploadedFile("big.txt", b"Title\n\n" + b"x" * 10_000)
    small = SimpleUploadedFile("small.txt", b"Small\n\nIt fits.\n")

    html = message_of(client_for(editor).post(IMPORT_URL, {"files": [big, small]}))

    assert "The file is too large (9.8\u00a0KB)" in html
    assert Article.objects.get().title == "Small"


def multipart_request(files, **fields):
    return RequestFactory().post(IMPORT_URL, {"files": files, **fields})


def test_the_upload_handler_keeps_nothing_past_the_per_file_limit(settings):
    settings.IMPORT_MAX_BYTES = 100
    request = multipart_request([SimpleUploadedFile("big.txt", b"y" * 300_000)])

    (upload,) = request.FILES.getlist("files")

    assert isinstance(upload, OversizedUpload)
    assert upload.name == "big.txt" and upload.size == 300_000
    assert upload.read() == b""


def test_the_upload_handler_stops_at_the_request_limit_while_streaming(settings):
    settings.IMPORT_MAX_BYTES = 200_000
    settings.REQUEST_MAX_BYTES = 250_000
    request = multipart_request([SimpleUploadedFile(f"{n}.txt", b"z" * 150_000) for n in range(2)])

    with pytest.raises(RequestTooLarge, match="limit"):
        request.FILES  # noqa: B018 (parsing the body is the point)
