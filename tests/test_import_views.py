"""The import page: editors only, a report per uploaded file, bad files write nothing."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from annotations.models import Article, ImportBatch
from tests.factories import ImportBatchFactory

pytestmark = pytest.mark.django_db

URL = reverse("import_upload")
TEASERS = Path(__file__).parent / "fixtures" / "import" / "teasers.txt"


def teasers_upload(name="teasers.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, TEASERS.read_bytes(), content_type="text/plain")


def upload(client, *files, **fields):
    return client.post(URL, {"files": list(files), **fields})


def database_state():
    return Article.objects.count(), ImportBatch.objects.count()


def test_editor_sees_the_upload_form(client_for, editor):
    response = client_for(editor).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'type="file" name="files" multiple' in html
    assert "<progress" in html


def test_editor_sees_the_import_link_in_the_navigation(client_for, editor):
    response = client_for(editor).get(reverse("article_list"))
    assert f'href="{URL}"' in response.content.decode()


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "researcher", "outsider"])
def test_other_roles_are_forbidden(client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert upload(client, teasers_upload()).status_code == 403
    assert Article.objects.count() == 0


def test_anonymous_user_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_it_rejects_other_methods(client_for, editor, method):
    assert getattr(client_for(editor), method)(URL).status_code == 405


def test_post_without_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(URL, {"files": [teasers_upload()]}).status_code == 403
    assert Article.objects.count() == 0


def test_upload_imports_the_file_and_links_each_article(client_for, editor):
    response = upload(client_for(editor), teasers_upload())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Imported 4, skipped 0 duplicates." in html
    for article in Article.objects.all():
        assert f'href="{reverse("article_detail", args=[article.pk])}"' in html
        assert article.title in html
    batch = ImportBatch.objects.get()
    assert (batch.imported_by, batch.imported_count) == (editor, 4)


def test_uploading_the_same_file_again_reports_duplicates(client_for, editor):
    client = client_for(editor)
    upload(client, teasers_upload())
    before = database_state()
    response = upload(client, teasers_upload("again.txt"))
    assert response.status_code == 200  # duplicates are skipped, not refused
    html = response.content.decode()
    assert "Imported 0, skipped 4 duplicates." in html
    assert "4 already stored, skipped" in html
    assert database_state() == before


def test_bad_file_shows_its_error_with_the_line_and_writes_nothing(client_for, editor):
    bad = SimpleUploadedFile("bad.jsonl", b'{"title": "A", "body": "a"}\n{"title": "B"}\n')
    response = upload(client_for(editor), bad)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Refused: nothing was imported from this file." in html
    assert "Line 2:</strong> The “body” field is missing or empty." in html
    assert database_state() == (0, 0)


def test_one_bad_file_does_not_stop_the_others_and_the_status_says_one_was_refused(
    client_for, editor
):
    bad = SimpleUploadedFile("binary.txt", b"\x00\x01\x02")
    response = upload(client_for(editor), bad, teasers_upload())
    assert response.status_code == 422
    html = response.content.decode()
    assert "binary.txt" in html and "Byte offset 0:</strong>" in html
    assert "Imported 4" in html
    assert Article.objects.count() == 4


def test_file_over_the_limit_shows_the_error_and_writes_nothing(client_for, editor, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(client_for(editor), teasers_upload())
    assert response.status_code == 422
    html = response.content.decode()
    assert "The file is too large" in html
    assert "the limit is 100\u00a0bytes" in html
    assert database_state() == (0, 0)


def test_format_and_publisher_fields_are_used(client_for, editor):
    upload(client_for(editor), teasers_upload(), file_format="text", publisher="Valmora Times")
    article = Article.objects.get()
    assert article.publisher == "Valmora Times"
    assert article.import_batch.format == "text"


def test_posting_no_file_asks_for_one(client_for, editor):
    response = client_for(editor).post(URL, {})
    assert response.status_code == 422
    assert "Choose at least one file to import." in response.content.decode()
    assert database_state() == (0, 0)


def test_htmx_upload_gets_only_the_panel(client_for, editor):
    response = client_for(editor).post(
        URL, {"files": [teasers_upload()]}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'class="card import-report import-report-ok"' in html
    assert "<form" in html  # A fresh form, ready for the next files.


def test_recent_imports_are_listed(client_for, editor):
    client = client_for(editor)
    upload(client, teasers_upload())
    html = client.get(URL).content.decode()
    assert "Recent imports" in html
    assert "teasers.txt" in html


def test_page_queries_are_bounded_whatever_the_number_of_batches(
    client_for, editor, django_assert_max_num_queries
):
    ImportBatchFactory.create_batch(12, imported_by=editor)
    client = client_for(editor)
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200


def test_a_refused_htmx_upload_gets_the_panel_with_422_and_the_page_lets_htmx_swap_it(
    client_for, editor
):
    client = client_for(editor)
    bad = SimpleUploadedFile("empty.txt", b"")
    response = client.post(URL, {"files": [bad]}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Refused: nothing was imported from this file." in response.content.decode()
    # htmx drops 4xx answers unless told otherwise: the page's htmx config swaps a 422.
    page = client.get(URL).content.decode()
    config = json.loads(page.split('<meta name="htmx-config" content=\'')[1].split("'>")[0])
    assert {"code": "422", "swap": True, "error": False} in config["responseHandling"]
    assert config["allowEval"] is False  # the site-wide settings are kept
