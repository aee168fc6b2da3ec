"""Teams in Chromium: an editor assigns ticked articles; an annotator's inbox (My work) shows
what was assigned and sent back; a comment with a @mention notifies the person mentioned."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from annotations import workflow
from annotations.models import Assignment, Comment, Notification
from annotations.policy import Role

from .factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def watch_console(page) -> list[str]:
    errors = []

    def collect(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", collect)
    return errors


def submitted(author, article, phrase, kind="claim"):
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


def test_an_editor_ticks_articles_and_assigns_them_with_a_due_date(logged_in_page):
    editor = UserFactory(username="edith", role=Role.EDITOR)
    UserFactory(username="anna", role=Role.ANNOTATOR)
    UserFactory(username="rita", role=Role.REVIEWER)
    first = ArticleFactory(title="Alpha exports", published="2024-03-01")
    second = ArticleFactory(title="Beta tariffs", published="2024-02-01")
    ArticleFactory(title="Gamma budget", published="2024-01-01")

    page = logged_in_page(editor)
    errors = watch_console(page)
    page.goto("/?sort=title")
    page.get_by_label("Tick “Alpha exports”").check()
    page.get_by_label("Tick “Beta tariffs”").check()
    expect(page.locator("#assign-selection")).to_have_text("2 articles ticked")
    form = page.locator("#assign-form")
    form.get_by_label("anna").check()
    form.get_by_label("rita").check()
    page.get_by_label("Due date").fill("2099-05-01")
    form.get_by_role("button", name="Assign", exact=True).click()

    expect(page.locator(".message-success")).to_contain_text(
        "Assigned 2 articles to anna, rita, due 2099-05-01"
    )
    expect(page).to_have_url(re.compile(r"/\?sort=title$"))
    row = page.locator("tr", has_text="Alpha exports")
    expect(row.locator(".assignee")).to_have_text(["anna", "rita (rev.)"])
    assert set(Assignment.objects.values_list("article_id", "assignee__username", "role")) == {
        (first.pk, "anna", "annotator"),
        (second.pk, "anna", "annotator"),
        (first.pk, "rita", "reviewer"),
        (second.pk, "rita", "reviewer"),
    }

    # "Tick every article on this page", then the filter: only the unassigned one is left.
    page.goto("/?assigned=unassigned")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Gamma budget")
    page.locator("#pick-all").check()
    expect(page.locator("#assign-selection")).to_have_text("1 article ticked")
    assert errors == []


def test_an_annotator_finds_assigned_and_sent_back_work_in_my_work(logged_in_page):
    editor = UserFactory(username="edith", role=Role.EDITOR)
    annotator = UserFactory(username="anna", role=Role.ANNOTATOR)
    reviewer = UserFactory(username="rita", role=Role.REVIEWER)
    article = ArticleFactory(title="Exports hit a record")
    from annotations.assignments import articles_assign

    articles_assign(editor=editor, articles=[article], annotators=[annotator])
    claim = submitted(annotator, article, "exports rose 30 percent")
    workflow.annotation_take(annotation_id=claim.pk, reviewer=reviewer)
    workflow.annotation_send_back(
        annotation_id=claim.pk,
        reviewer=reviewer,
        version=claim.version + 1,
        comment="Mark only the figure, not the verb.",
    )

    page = logged_in_page(annotator)
    errors = watch_console(page)
    page.goto("/")
    badge = page.locator("#nav-notifications .count-badge")
    expect(badge).to_contain_text("2")
    page.get_by_role("link", name="My work").click()
    expect(page.locator("#assigned")).to_contain_text("Exports hit a record")
    sent_back = page.locator("#sent-back")
    expect(sent_back).to_contain_text("Mark only the figure, not the verb.")
    expect(sent_back).to_contain_text("sent back by rita")
    expect(page.locator("#news")).to_contain_text(
        "rita sent your claim in “Exports hit a record” back to you"
    )

    # The item opens in the annotate panel; the notifications are marked read.
    sent_back.get_by_role("link", name="exports rose 30 percent").click()
    expect(page.locator("#panel")).to_contain_text("exports rose 30 percent")
    page.goto("/me/notifications/")
    expect(page.locator(".notification.unread")).to_have_count(2)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".message-success")).to_contain_text("Marked 2 notifications read.")
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("#nav-notifications .count-badge")).to_have_count(0)
    assert errors == []


def test_a_comment_with_a_mention_on_the_review_item_notifies_that_person(logged_in_page, settings):
    settings.TASKS = IMMEDIATE
    annotator = UserFactory(username="anna", role=Role.ANNOTATOR)
    reviewer = UserFactory(username="rita", role=Role.REVIEWER)
    UserFactory(username="otto", role=Role.ANNOTATOR)
    article = ArticleFactory(title="Exports hit a record")
    claim = submitted(annotator, article, "exports rose 30 percent")

    page = logged_in_page(reviewer)
    errors = watch_console(page)
    page.goto(f"/review/{claim.pk}/")
    thread = page.locator(f"#comments-{claim.pk}")
    expect(thread).to_contain_text("No comments yet.")  # loaded by htmx
    thread.get_by_label("Comment").fill("@otto did the minister say this? Table 2 says 30.1")
    thread.get_by_role("button", name="Comment").click()

    expect(thread.locator(".message-success")).to_have_text("Comment added. Notified otto.")
    expect(thread.locator(".comment .mention")).to_have_text("@otto")
    # The history reloads (HX-Trigger) and lists the comment.
    expect(page.locator("#history")).to_contain_text("Commented")
    assert Comment.objects.get().body.startswith("@otto")
    assert Notification.objects.filter(recipient__username="otto", kind="mention").exists()
    assert [message.to for message in mail.outbox] == [["otto@example.org"]]

    # otto reads it in the annotate panel of the article, loaded there by htmx too.
    other = logged_in_page(UserFactory(username="otto"))
    other.goto(f"/articles/{article.pk}/?a={claim.pk}")
    expect(other.locator(f"#comments-{claim.pk} .comment")).to_contain_text(
        "did the minister say this?"
    )
    assert errors == []
