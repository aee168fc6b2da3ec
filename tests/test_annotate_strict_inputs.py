"""Every id, version and offset the annotate screen reads from a request is parsed strictly:
Unicode digits ("²" passes isdigit() and fails int(), "٣" passes both) answer 400 or a form
error, never a 500 and never a silent other number."""

import pytest
from django.urls import reverse

from annotations.models import Annotation, Kind

from .factories import workflow_draft

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "9" * 30, "1.0"])
def test_the_article_page_refuses_a_bad_annotation_to_open(client_for, annotator, article, raw):
    response = client_for(annotator).get(reverse("article_detail", args=[article.pk]), {"a": raw})

    assert response.status_code == 400
    assert "must be a whole number" in response.content.decode() or "out of range" in (
        response.content.decode()
    )


def test_the_article_page_without_a_is_fine(client_for, annotator, article):
    response = client_for(annotator).get(reverse("article_detail", args=[article.pk]), {"a": ""})
    assert response.status_code == 200


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "9" * 30])
def test_the_poll_refuses_a_bad_version(client_for, annotator, article, raw):
    client = client_for(annotator)
    client.get(reverse("article_detail", args=[article.pk]))

    response = client.get(reverse("annotate_poll", args=[article.pk]), {"v": raw})

    assert response.status_code == 400
    assert "v must be a whole number" in response.content.decode() or "out of range" in (
        response.content.decode()
    )


def test_a_version_in_arabic_indic_digits_is_not_read_as_a_number(client_for, annotator):
    claim = workflow_draft(annotator, phrase="exports rose 30 percent")

    response = client_for(annotator).post(
        reverse("annotate_edit", args=[claim.pk]), {"version": "١", "claimant": "x"}, headers=HTMX
    )

    assert response.status_code == 422
    claim.refresh_from_db()
    assert claim.claimant == "" and claim.version == 1


@pytest.mark.parametrize("name", ["annotate_submit", "annotate_withdraw", "annotate_kind"])
def test_transitions_refuse_a_version_in_other_digits(client_for, annotator, name):
    claim = workflow_draft(annotator, phrase="exports rose 30 percent")

    response = client_for(annotator).post(
        reverse(name, args=[claim.pk]), {"version": "١", "kind": "number"}, headers=HTMX
    )

    assert response.status_code == 422
    claim.refresh_from_db()
    assert claim.version == 1


def test_create_refuses_offsets_in_other_digits(client_for, annotator, article):
    phrase = "exports rose 30 percent"
    start = article.body.index(phrase)
    other_digits = str(start).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    response = client_for(annotator).post(
        reverse("annotate_create", args=[article.pk]),
        {"kind": Kind.CLAIM, "start": other_digits, "end": start + len(phrase), "exact": phrase},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert not Annotation.objects.exists()
