"""Adjudication in Chromium, from the keyboard alone: move between disagreements, accept
an annotator's span, adjust the reference's offsets with its text previewed."""

import pytest
from playwright.sync_api import expect

from annotations.models import AdjudicationSource, Annotation, Kind, State
from annotations.policy import Role

from .factories import AnnotationFactory, ArticleFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODY = "The port will grow by 30 percent, the mayor said. “We are ready,” she added today."


def submitted(article, author, phrase, kind=Kind.CLAIM):
    start = article.body.index(phrase)
    return AnnotationFactory(article=article, author=author, kind=kind, start=start,
                             end=start + len(phrase), state=State.SUBMITTED)  # fmt: skip


def test_an_editor_adjudicates_two_disagreements_from_the_keyboard(logged_in_page):
    anna = UserFactory(username="anna", role=Role.ANNOTATOR)
    otto = UserFactory(username="otto", role=Role.ANNOTATOR)
    editor = UserFactory(username="edith", role=Role.EDITOR)
    article = ArticleFactory(title="Port", body=BODY)
    submitted(article, anna, "The port will grow by 30 percent")
    otto_claim = submitted(article, otto, "port will grow by 30 percent")
    submitted(article, anna, "30 percent", Kind.NUMBER)
    submitted(article, otto, "30 percent", Kind.NUMBER)  # agreed: j skips it
    submitted(article, otto, "“We are ready,” she", Kind.QUOTATION)

    page = logged_in_page(editor)
    page.goto(f"/articles/{article.pk}/adjudicate/")
    claim_group, number_group, quote_group = (page.locator(f"#g-{n}") for n in (1, 2, 3))
    expect(page.locator("#open-count")).to_have_text("2")
    expect(claim_group).to_be_focused()
    page.keyboard.press("j")
    expect(quote_group).to_be_focused()
    page.keyboard.press("k")
    expect(claim_group).to_be_focused()

    # 2: otto's claim becomes the reference; the page comes back on the next disagreement.
    page.keyboard.press("2")
    expect(page.locator("#open-count")).to_have_text("1")
    expect(claim_group.locator(".adj-title .pill")).to_have_text("Adjudicated")
    expect(quote_group).to_be_focused()
    expect(number_group.locator(".adj-title .pill")).to_have_text("All agree")

    # e: adjust the quotation's end to leave out " she"; the preview follows the offsets.
    page.keyboard.press("e")
    start = article.body.index("“We are ready,”")
    end_field = quote_group.locator("[data-end]")
    end_field.fill(str(start + len("“We are ready,”")))
    expect(quote_group.locator("[data-preview]")).to_have_text("“We are ready,”")
    page.keyboard.press("Enter")
    expect(page.locator("#open-count")).to_have_text("0")

    references = Annotation.objects.filter(author=editor).order_by("pk")
    assert [(r.kind, r.exact, r.state) for r in references] == [
        ("claim", "port will grow by 30 percent", State.SUBMITTED),
        ("quotation", "“We are ready,”", State.SUBMITTED),
    ]
    first_sources = AdjudicationSource.objects.filter(annotation=references[0])
    assert list(first_sources.values_list("source_annotation", flat=True)) == [otto_claim.pk]
