"""The "other tools" page: editors import and read the per-record report; whoever may
export downloads Label Studio and doccano files (every live annotation: editors only)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.models import Annotation, Article

from .factories import verified_annotation, workflow_draft

pytestmark = pytest.mark.django_db

PAGE = reverse("interop_page")


def upload(name="export.jsonl", content=None):
    content = content or (
        json.dumps({"text": "Exports rose 30 percent.", "label": [[13, 23, "PERCENT"]]}) + "\n"
    )
    return SimpleUploadedFile(name, content.encode(), content_type="application/octet-stream")


def export_url(file_format="label-studio", **query):
    url = reverse("interop_export", args=[file_format])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


# ---- The page ----


def test_editors_see_the_upload_form_and_the_export(client_for, editor):
    response = client_for(editor).get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert export_url("doccano") in content
    assert 'value="all"' in content


def test_researchers_see_only_the_verified_export(client_for, researcher):
    response = client_for(researcher).get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert "multipart/form-data" not in content
    assert export_url("label-studio") in content
    assert 'value="all"' not in content


def test_annotators_and_reviewers_may_not_open_it(client_for, annotator, reviewer):
    assert client_for(annotator).get(PAGE).status_code == 403
    assert client_for(reviewer).get(PAGE).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_answers_only_get_and_post(client_for, editor):
    assert client_for(editor).put(PAGE).status_code == 405


def test_the_import_page_links_here(client_for, editor):
    assert PAGE in client_for(editor).get(reverse("import_upload")).content.decode()


# ---- Importing ----


def test_an_import_shows_the_report_and_creates_drafts_of_the_editor(client_for, editor):
    response = client_for(editor).post(
        PAGE, {"file": upload(), "file_format": "doccano", "label_map": ""}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "1 article created, 0 already stored; 1 annotation created as drafts" in content
    article = Article.objects.get()
    assert reverse("article_detail", args=[article.pk]) in content
    annotation = Annotation.objects.get()
    assert (annotation.author, annotation.state, annotation.exact) == (
        editor,
        "draft",
        "30 percent",
    )


def test_labels_are_mapped_from_the_form(client_for, editor):
    content = json.dumps({"text": "Google rose.", "label": [[0, 6, "ORG"]]})
    response = client_for(editor).post(
        PAGE, {"file": upload(content=content), "file_format": "doccano", "label_map": "ORG=claim"}
    )
    assert response.status_code == 200
    assert Annotation.objects.get().kind == "claim"


def test_a_bad_label_map_is_a_form_error(client_for, editor):
    response = client_for(editor).post(
        PAGE, {"file": upload(), "file_format": "doccano", "label_map": "ORG=person"}
    )
    assert response.status_code == 422
    assert "&#x27;person&#x27; is not a kind" in response.content.decode()
    assert Article.objects.count() == 0


def test_a_refused_file_answers_422_with_the_record_and_its_reason(client_for, editor):
    bad = json.dumps({"text": "Short.", "label": [[0, 60, "claim"]]})
    response = client_for(editor).post(
        PAGE, {"file": upload(content=bad), "file_format": "doccano"}
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "Refused (1 problem): nothing was imported." in content
    assert "Record 1 (line 1)" in content and "outside the text" in content
    assert Article.objects.count() == 0


def test_htmx_gets_the_panel_only(client_for, editor):
    response = client_for(editor).post(
        PAGE, {"file": upload(), "file_format": "doccano"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content and "1 annotation created as drafts" in content


def test_no_file_or_no_format_is_a_form_error(client_for, editor):
    response = client_for(editor).post(PAGE, {"file_format": "doccano"})
    assert response.status_code == 422
    assert "Choose a file to import." in response.content.decode()
    response = client_for(editor).post(PAGE, {"file": upload(), "file_format": "brat"})
    assert response.status_code == 422


def test_researchers_may_not_import(client_for, researcher):
    response = client_for(researcher).post(PAGE, {"file": upload(), "file_format": "doccano"})
    assert response.status_code == 403
    assert Article.objects.count() == 0


# ---- Exporting ----


@pytest.fixture
def verified_and_draft(annotator):
    verified = verified_annotation(author=annotator)
    workflow_draft(annotator, article=verified.article, phrase="More than 200 projects")
    return verified


def test_a_researcher_downloads_verified_annotations_for_label_studio(
    client_for, researcher, verified_and_draft
):
    response = client_for(researcher).get(export_url("label-studio"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert 'filename="workbench-verified-label-studio-' in response["Content-Disposition"]
    [task] = json.loads(streamed(response))
    [annotation] = task["annotations"]
    assert [region["value"]["text"] for region in annotation["result"]] == [
        verified_and_draft.exact
    ]


def test_editors_may_download_every_live_annotation(client_for, editor, verified_and_draft):
    response = client_for(editor).get(export_url("doccano", scope="all"))
    assert response.status_code == 200
    [line] = [json.loads(line) for line in streamed(response).splitlines()]
    assert len(line["label"]) == 2


def test_researchers_may_not_download_drafts(client_for, researcher, verified_and_draft):
    assert client_for(researcher).get(export_url("doccano", scope="all")).status_code == 403


def test_annotators_may_not_download(client_for, annotator):
    assert client_for(annotator).get(export_url()).status_code == 403


@pytest.mark.parametrize(
    "url, status",
    [
        (export_url(scope="everything"), 400),
        (export_url(article="٣"), 400),
        (reverse("interop_export", args=["w3c"]), 404),
    ],
)
def test_bad_export_requests_are_refused_with_a_4xx(client_for, editor, url, status):
    assert client_for(editor).get(url).status_code == status


def test_one_article_can_be_exported(client_for, editor, verified_and_draft):
    other = verified_annotation()
    response = client_for(editor).get(export_url(article=other.article_id))
    [task] = json.loads(streamed(response))
    assert task["meta"]["workbench_article"] == other.article_id


def test_the_download_rejects_post(client_for, editor):
    assert client_for(editor).post(export_url()).status_code == 405


def test_labels_and_ids_holding_nul_or_lone_surrogates_are_shown_replaced(client_for, editor):
    """JSON escapes can spell what no page or database holds; the report still renders."""
    hostile = '{"id": "\\ud800x", "text": "Exports rose.", "label": [[0, 7, "\\u0000\\udfff"]]}'
    response = client_for(editor).post(
        PAGE, {"file": upload(content=hostile), "file_format": "doccano"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "id \ufffdx" in content and "“\ufffd\ufffd”" in content
    assert Article.objects.count() == 1 and Annotation.objects.count() == 0
