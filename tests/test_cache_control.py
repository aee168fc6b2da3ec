"""Pages for logged-in users are `Cache-Control: private, no-store`: they show unpublished work."""

import pytest
from django.urls import reverse

from .factories import AnnotationFactory, verified_annotation

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"


def test_the_article_list_is_private(client_for, annotator):
    response = client_for(annotator).get(reverse("article_list"))

    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_the_annotate_page_and_its_fragments_are_private(client_for, annotator):
    annotation = AnnotationFactory(author=annotator)
    client = client_for(annotator)

    page = client.get(reverse("article_detail", args=[annotation.article_id]))
    panel = client.get(
        reverse("annotate_panel", args=[annotation.pk]), headers={"HX-Request": "true"}
    )

    assert page.status_code == panel.status_code == 200
    assert page["Cache-Control"] == panel["Cache-Control"] == PRIVATE


def test_the_review_item_is_private(client_for, reviewer):
    annotation = AnnotationFactory()

    response = client_for(reviewer).get(reverse("review_item", args=[annotation.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_a_view_that_sets_its_own_cache_control_keeps_it(client_for, researcher, editor):
    verified_annotation()

    export = client_for(researcher).get(reverse("export_download", args=["json"]))
    admin = client_for(editor).get(reverse("admin:index"))

    assert export["Cache-Control"] == "private, no-store"  # the endpoint's own
    assert "max-age=0" in admin["Cache-Control"]  # the admin's never_cache


def test_responses_to_anonymous_visitors_are_left_alone(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert "Cache-Control" not in response
