"""Number values read as the annotator writes them (12, 518400000000, 0.5), in the form, the
list, the read-only panel and the history; the "full figure" hint only where it helps."""

from decimal import Decimal

import pytest
from django.urls import reverse

from annotations import workflow
from annotations.forms.annotate import attributes_form
from annotations.highlight import attribute_summary
from annotations.models import Kind

from .factories import ArticleFactory, workflow_draft

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HINT = "518400000000 for “US$518.4 billion”"


def number_with_value(author, value, phrase="30 percent", article=None):
    number = workflow_draft(author, phrase=phrase, kind=Kind.NUMBER, article=article)
    return workflow.annotation_update(
        annotation_id=number.pk, user=author, version=number.version,
        changes={"number_value": Decimal(value), "number_unit": "percent"},
    )  # fmt: skip


def panel_html(client, annotation):
    response = client.get(reverse("annotate_panel", args=[annotation.pk]), headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("12", "12"),
        ("518400000000", "518400000000"),
        ("0.5", "0.5"),
        ("0.0000001", "0.0000001"),
        ("-3.25", "-3.25"),
        ("0", "0"),
    ],
)
def test_the_form_shows_the_value_as_written(client_for, annotator, stored, written):
    number = number_with_value(annotator, stored)
    number.refresh_from_db()  # as stored: 10 decimal places

    html = panel_html(client_for(annotator), number)

    assert f'name="number_value" value="{written}"' in html


@pytest.mark.parametrize(
    ("stored", "written"),
    [("12", "12"), ("518400000000", "518400000000"), ("0.0000001", "0.0000001")],
)
def test_the_list_and_the_summary_show_the_value_as_written(client_for, annotator, stored, written):
    number = number_with_value(annotator, stored)
    number.refresh_from_db()

    assert attribute_summary(number) == f"{written} percent"
    page = client_for(annotator).get(reverse("article_detail", args=[number.article_id]))
    assert f'<span class="ann-attrs">{written} percent</span>' in page.content.decode()


def test_the_read_only_panel_shows_the_value_as_written(client_for, annotator, other_annotator):
    number = number_with_value(annotator, "12")

    html = panel_html(client_for(other_annotator), number)

    assert '<p class="panel-attrs">12 percent</p>' in html
    assert "12.0000000000" not in html


def test_the_history_records_the_value_without_an_exponent(annotator):
    number = number_with_value(annotator, "518400000000", phrase="US$518.4 billion")

    entry = number.history.get(action="edited")

    assert entry.changes["number_value"] == [None, "518400000000"]


def test_the_hint_shows_only_while_the_value_is_empty(client_for, annotator):
    article = ArticleFactory(body="A figure nobody can read: lots of things.")
    empty = workflow_draft(annotator, phrase="lots", kind=Kind.NUMBER, article=article)
    client = client_for(annotator)

    assert HINT in panel_html(client, empty)  # nothing suggested: say what to write
    filled = number_with_value(annotator, "12", phrase="30 percent")
    assert HINT not in panel_html(client, filled)


def test_the_hint_comes_back_with_an_invalid_value(annotator):
    number = workflow_draft(annotator, phrase="30 percent", kind=Kind.NUMBER)
    form = attributes_form(number, data={"version": "1", "number_value": "thirty"})

    assert not form.is_valid()
    assert HINT in form["number_value"].help_text
