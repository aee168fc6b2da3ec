"""Search and "seen before" in Chromium: the navigation's search box, highlighted hits and
filters; a reviewer copies a match's evidence into their review; the annotate panel loads
the list for the open annotation (the same panel that shows a new one)."""

import os

import pytest
from playwright.sync_api import expect

from annotations import workflow
from annotations.models import Evidence, State
from annotations.policy import Role

from .factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UN = "This year marks the 80th anniversary of the founding of the United Nations."
UN_AGAIN = "Wang Yi said that this year marks the 80th founding anniversary of the United Nations."
SHOTS = os.environ.get("WORKBENCH_SCREENSHOTS")  # a folder: save screenshots there to look at


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def watch_console(page) -> list[str]:
    errors = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and errors.append(message.text)
        ),
    )
    return errors


@pytest.fixture
def checked():
    """A claim verified last week, with a source."""
    reviewer = UserFactory(username="vera", role=Role.REVIEWER)
    article = ArticleFactory(title="Wang Yi on the UN", body=f"{UN}\n\nThe meeting closed.")
    earlier = AnnotationFactory(article=article, phrase=UN, state=State.VERIFIED, reviewer=reviewer)
    EvidenceFactory(annotation=earlier, added_by=reviewer, source__title="UN Charter, signing date")
    ReviewFactory(annotation=earlier, reviewer=reviewer)
    return earlier


def test_the_navigation_search_finds_a_number_as_written_and_filters_narrow_it(logged_in_page):
    ArticleFactory(
        title="Trade figures",
        publisher="Example News",
        body="Exports rose 30 percent to US$518.4 billion in 2024.\n\nOfficials said so.",
    )
    ArticleFactory(title="Ports", publisher="Other Wire", body="Imports were US$518.4 billion.")
    page = logged_in_page(UserFactory(username="anna", role=Role.ANNOTATOR))
    errors = watch_console(page)
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search articles and annotations")
    box.fill("US$518.4 billion")
    box.press("Enter")
    results = page.locator("#search-results")
    expect(results.locator("[data-article]")).to_have_count(2)
    expect(results.locator("mark", has_text="518.4").first).to_be_visible()
    shot(page, "search")
    page.get_by_label("Publisher").fill("Other Wire")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results.locator("[data-article]")).to_have_count(1)
    expect(results.locator("[data-article] h3")).to_have_text("Ports")
    assert errors == []


def test_a_reviewer_sees_a_match_and_copies_its_evidence_but_not_its_verdict(
    logged_in_page, checked
):
    annotator = UserFactory(username="anna", role=Role.ANNOTATOR)
    reviewer = UserFactory(username="rita", role=Role.REVIEWER)
    article = ArticleFactory(title="Teaser", body=f"{UN_AGAIN}\n\nRead on.")
    draft = workflow.annotation_create(
        article=article, author=annotator, kind="claim", start=0, end=len(UN_AGAIN), exact=UN_AGAIN
    )
    workflow.annotation_submit(annotation_id=draft.pk, user=annotator, version=draft.version)
    workflow.annotation_take(annotation_id=draft.pk, reviewer=reviewer)

    page = logged_in_page(reviewer)
    errors = watch_console(page)
    page.goto(f"/review/{draft.pk}/")
    seen = page.locator("#seen-before")
    expect(seen.locator(".match")).to_have_count(1)
    expect(seen).to_contain_text("Wang Yi on the UN")
    expect(seen).to_contain_text("Accurate")
    shot(page, "seen-before-review")
    seen.get_by_role("button", name="Copy its sources and evidence").click()
    expect(page.locator(".evidence-item")).to_have_count(1)
    expect(page.locator(".evidence-item")).to_contain_text("UN Charter, signing date")
    expect(page.locator("#item-state")).to_have_text("In review")
    copy = Evidence.objects.get(annotation=draft)
    assert copy.copied_from == checked.evidence.get() and copy.added_by == reviewer
    assert not draft.reviews.exists()
    seen.get_by_role("button", name="Same claim: link them").click()
    expect(page.locator("h1")).to_contain_text("Claim group")
    expect(page.locator("tbody tr")).to_have_count(2)
    shot(page, "claim-group")
    assert errors == []


def test_the_annotate_panel_loads_seen_before_for_the_open_annotation(logged_in_page, checked):
    annotator = UserFactory(username="anna", role=Role.ANNOTATOR)
    article = ArticleFactory(title="Teaser", body=f"{UN_AGAIN}\n\nRead on.")
    mine = AnnotationFactory(article=article, phrase=UN_AGAIN, author=annotator)
    page = logged_in_page(annotator)
    errors = watch_console(page)
    page.goto(f"/articles/{article.pk}/?a={mine.pk}")
    seen = page.locator("#panel #seen-before")
    expect(seen.locator(".match")).to_have_count(1)
    expect(seen).to_contain_text("Wang Yi on the UN")
    shot(page, "seen-before-annotate")
    assert errors == []
