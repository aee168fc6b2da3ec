"""The review flow in Chromium: take, add a source and evidence, verify; send back; the
annotator reads both outcomes; an author cannot verify their own item, here or in the admin."""

import re

import pytest
from playwright.sync_api import expect

from annotations import workflow
from annotations.models import Annotation, Evidence, Review, Source, State
from annotations.policy import Role

from .factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def submit(author, article, phrase, kind):
    start = article.body.index(phrase)
    draft = workflow.annotation_create(
        article=article,
        author=author,
        kind=kind,
        start=start,
        end=start + len(phrase),
        exact=phrase,
    )
    return workflow.annotation_submit(annotation_id=draft.pk, user=author, version=draft.version)


def watch_console(page) -> list[str]:
    """Collect script and CSP errors; a refusal's 4xx status is logged too and is expected."""
    errors = []

    def collect(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", collect)
    return errors


def test_a_reviewer_verifies_one_item_and_sends_back_the_other_and_the_annotator_sees_both(
    logged_in_page,
):
    annotator = UserFactory(username="anna", role=Role.ANNOTATOR)
    reviewer = UserFactory(username="rita", role=Role.REVIEWER)
    article = ArticleFactory(title="Exports hit a record")
    claim = submit(annotator, article, "exports rose 30 percent", "claim")
    number = submit(annotator, article, "More than 200", "number")

    page = logged_in_page(reviewer)
    errors = watch_console(page)
    page.goto("/review/")
    expect(page.locator(".queue-counts")).to_contain_text("2 waiting")
    page.get_by_role("button", name="Take next").click()
    expect(page).to_have_url(re.compile(rf"/review/{claim.pk}/$"))
    expect(page.locator("#item-span")).to_have_text("exports rose 30 percent")

    # Evidence without a source is refused (422), and htmx shows the refusal in place.
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator("#evidence .field-error")).to_contain_text("Choose a source")

    # A new source (typed with tracking parameters), selected for the evidence by htmx.
    page.get_by_text("2. Or add a new source").click()
    page.locator("#source-url").fill("HTTPS://Stats.Example.org/trade/2024?utm_source=mail")
    page.locator("#source-title").fill("Foreign trade 2024, table 2")
    page.locator("#source-publisher").fill("Statistics Office")
    page.locator("#source-kind").select_option("statistics")
    page.locator("#source-accessed").fill("2025-01-10")
    page.get_by_role("button", name="Add source").click()
    expect(page.locator("#messages")).to_contain_text("Added the source")
    expect(page.locator("#source-results input[type=radio]:checked")).to_have_count(1)
    # The answer also reloads the history (HX-Trigger). The reloaded history listens for
    # the next change only once it has settled: wait for that before adding the evidence.
    page.wait_for_function(
        "() => !document.querySelector('#history.htmx-request, #history.htmx-settling')"
    )

    page.get_by_label("Refutes").check()
    page.get_by_label("Supports").check()
    page.locator("#evidence-excerpt").fill("Exports: +30.1 %")
    page.locator("#evidence-locator").fill("Table 2")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator(".evidence-item")).to_contain_text("Foreign trade 2024, table 2")
    expect(page.locator("#history")).to_contain_text("Evidence added")  # refreshed by event

    page.locator("#decision-verdict").select_option("accurate")
    page.locator("#decision-rationale").fill("Matches the official table.")
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.locator("#messages")).to_contain_text("Verified")

    # The other item goes back to its author with a reason.
    page.get_by_role("button", name="Take next").click()
    expect(page).to_have_url(re.compile(rf"/review/{number.pk}/$"))
    page.get_by_role("button", name="Send back").click()
    expect(page.locator("#item-error")).to_contain_text("Sending back needs a reason")
    page.locator("#decision-rationale").fill("Say what the 200 counts.")
    page.get_by_role("button", name="Send back").click()
    expect(page.locator("#messages")).to_contain_text("Sent")
    assert errors == []

    source = Source.objects.get()
    assert source.url == "https://stats.example.org/trade/2024"
    assert Evidence.objects.get().annotation_id == claim.pk
    assert Annotation.objects.get(pk=claim.pk).state == State.VERIFIED
    assert Annotation.objects.get(pk=number.pk).state == State.DRAFT

    # The annotator opens each item and reads the outcome and the reason.
    author_page = logged_in_page(annotator)
    author_page.goto(f"/review/{claim.pk}/")
    outcome = author_page.locator(".review-outcome")
    expect(outcome).to_contain_text("Verified")
    expect(outcome).to_contain_text("Accurate")
    expect(outcome).to_contain_text("Matches the official table.")
    expect(outcome).to_contain_text("rita")
    author_page.goto(f"/review/{number.pk}/")
    expect(author_page.locator(".review-outcome")).to_contain_text("Sent back")
    expect(author_page.locator(".review-outcome")).to_contain_text("Say what the 200 counts.")
    expect(author_page.locator("#verdict-form")).to_have_count(0)


def test_an_author_cannot_verify_their_own_item_in_the_ui_or_in_the_admin(logged_in_page):
    editor = UserFactory(username="edith", role=Role.EDITOR)
    reviewer = UserFactory(username="rita", role=Role.REVIEWER)
    own = submit(editor, ArticleFactory(), "exports rose 30 percent", "claim")

    page = logged_in_page(editor)
    page.goto("/review/")
    # The editor's own item is not counted, and there is nothing for them to take.
    expect(page.locator(".queue-counts")).to_contain_text("0 waiting")
    expect(page.locator(".queue-own")).to_contain_text("1 of your own annotation waiting")
    expect(page.get_by_role("button", name="Take next")).to_be_disabled()

    page.goto(f"/review/{own.pk}/")
    expect(page.get_by_role("button", name="Take this item")).to_have_count(0)
    expect(page.locator("#verdict-form")).to_have_count(0)
    expect(page.locator(".status-panel")).to_contain_text("four-eyes")

    # Someone else takes it; in the admin the author's only levers are refused.
    workflow.annotation_take(annotation_id=own.pk, reviewer=reviewer)
    page.goto("/admin/annotations/annotation/")
    options = page.locator("select[name=action] option").all_inner_texts()
    assert not any("verif" in option.lower() for option in options)
    page.locator(f"input[name=_selected_action][value='{own.pk}']").check()
    page.locator("select[name=action]").select_option("release")
    page.get_by_role("button", name=re.compile("Go|Run")).click()
    expect(page.locator(".messagelist")).to_contain_text("four-eyes")

    page.goto(f"/admin/annotations/annotation/{own.pk}/change/")
    expect(page.locator("input[name=_save]")).to_have_count(0)
    expect(page.locator("select[name=state]")).to_have_count(0)

    assert Annotation.objects.get(pk=own.pk).state == State.IN_REVIEW
    assert not Review.objects.exists()
