"""Researchers open what they export: the articles and the annotations, read-only."""

import json
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from annotations.models import Annotation

from .factories import AnnotationFactory, verified_annotation

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def exported_iris(client) -> list[str]:
    """The annotation IRIs of a W3C export, as a researcher downloads it."""
    response = client.get(reverse("export_download", kwargs={"export_format": "w3c"}))
    document = json.loads(b"".join(response.streaming_content))
    return [item["id"] for item in document["first"]["items"]]


def test_the_iris_of_an_export_open_for_the_researcher_who_exported_them(client_for, researcher):
    annotation = verified_annotation()
    client = client_for(researcher)

    (iri,) = exported_iris(client)
    response = client.get(urlsplit(iri).path, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert annotation.article.title in page and annotation.exact in page


def test_a_researcher_reads_an_article_without_the_means_to_annotate(
    client_for, researcher, article
):
    response = client_for(researcher).get(reverse("article_detail", args=[article.pk]))

    assert response.status_code == 200
    assert reverse("annotate_create", args=[article.pk]) not in response.content.decode()


def test_a_researcher_sees_an_annotation_read_only(client_for, researcher):
    annotation = AnnotationFactory()

    response = client_for(researcher).get(reverse("annotate_panel", args=[annotation.pk]), **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert annotation.exact in page and "Read-only" in page
    assert reverse("annotate_edit", args=[annotation.pk]) not in page
    assert reverse("annotate_submit", args=[annotation.pk]) not in page


def test_a_researcher_can_neither_create_nor_edit(client_for, researcher, article):
    annotation = AnnotationFactory(article=article)
    client = client_for(researcher)
    start = article.body.index("exports")

    created = client.post(
        reverse("annotate_create", args=[article.pk]),
        {"start": start, "end": start + 7, "exact": "exports", "kind": "claim"},
    )
    edited = client.post(
        reverse("annotate_edit", args=[annotation.pk]),
        {"version": annotation.version, "claimant": "Someone"},
    )

    assert created.status_code == 403 and edited.status_code == 403
    assert Annotation.objects.count() == 1
    assert Annotation.objects.get().claimant == ""


def test_a_researcher_still_may_not_open_the_review_screens(client_for, researcher):
    annotation = verified_annotation()
    client = client_for(researcher)

    assert client.get(reverse("review_queue")).status_code == 403
    assert client.get(reverse("review_item", args=[annotation.pk])).status_code == 403
