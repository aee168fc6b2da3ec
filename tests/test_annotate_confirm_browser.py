"""In Chromium: the panel's Submit keeps the suggestions it shows, a duplicate span asks
before it is created, and Submit all lists unsaved suggestions before it submits."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from annotations import workflow
from annotations.models import Annotation, Kind, State
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODY = "Exports rose 30 percent to US$518.4 billion, the minister said.\n\nMore later."
NUMBER = "US$518.4 billion"


def draft(author, article, phrase, kind):
    start = article.body.index(phrase)
    return workflow.annotation_create(
        article=article, author=author, kind=kind, start=start, end=start + len(phrase),
        exact=phrase,
    )  # fmt: skip


def test_submit_in_the_panel_keeps_the_suggested_figure(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    number = draft(annotator, article, NUMBER, Kind.NUMBER)
    page = logged_in_page(annotator)
    page.goto(f"/articles/{article.pk}/?a={number.pk}")
    expect(page.locator("#id_number_value")).to_have_value("518400000000")

    page.click("#submit-open")

    expect(page.locator("#panel")).to_contain_text("Submitted for review.")
    number.refresh_from_db()
    assert number.state == State.SUBMITTED
    assert (number.number_value, number.number_unit) == (Decimal(518400000000), "USD")


def test_a_duplicate_span_is_created_only_after_create_anyway(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    draft(annotator, article, NUMBER, Kind.NUMBER)
    page = logged_in_page(annotator)
    page.goto(f"/articles/{article.pk}/")
    page.fill("#id_exact", NUMBER)

    page.click("button.kind-button.k-number")

    expect(page.locator("#create-box [role=alert]")).to_contain_text("You already marked")
    assert Annotation.objects.count() == 1
    page.click("#create-anyway")
    expect(page.locator("#annotation-list li.ann")).to_have_count(2)
    assert Annotation.objects.filter(kind=Kind.NUMBER).count() == 2


def test_submit_all_lists_unsaved_suggestions_then_submits_anyway(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    number = draft(annotator, article, NUMBER, Kind.NUMBER)
    page = logged_in_page(annotator)
    page.goto(f"/articles/{article.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())

    page.click("#submit-all")

    expect(page.locator("#panel")).to_contain_text("suggested 518400000000 USD")
    number.refresh_from_db()
    assert number.state == State.DRAFT
    page.click("#submit-all-anyway")
    expect(page.locator("#panel")).to_contain_text("Submitted 1 draft for review.")
    number.refresh_from_db()
    assert number.state == State.SUBMITTED
