"""The annotate screen in Chromium after a run of changes answered with fragments: the
body and the list the browser ends up with are exactly what a fresh page load draws.

Overlapping spans cross paragraph breaks, so changes redraw more than one paragraph and
move neighbours' lanes; some changes are the user's own (answered by the write), others a
colleague's (brought by the live update), one is made while the user is selecting (the
update waits, then applies).
"""

import re

import pytest
from playwright.sync_api import expect

from annotations import workflow
from annotations.models import Annotation, Article, Kind
from tests.factories import ArticleFactory
from tests.test_annotate_browser import drag_select, open_article, wait_for_count

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODY = "\n\n".join(
    f"Report {n}: the ministry said exports rose {n} percent in May, while imports fell "
    f"and the surplus widened again, officials told reporters on Tuesday 🎉 in 北京."
    for n in range(1, 7)
)

# The screen as it stands, without what only marks the pointer or the keyboard's place
# (is-current, is-hover, is-open) or a swap in progress (htmx's own classes).
SCREEN = """() => {
  const clean = (element) => {
    const copy = element.cloneNode(true);
    for (const el of [copy, ...copy.querySelectorAll("[class]")]) {
      for (const name of [...el.classList]) {
        if (/^(is-|htmx-)/.test(name)) el.classList.remove(name);
      }
    }
    return copy.innerHTML;
  };
  return {
    body: clean(document.getElementById("article-body")),
    rows: clean(document.getElementById("ann-list")),
    count: document.querySelector("#list-head .count").textContent,
    text: document.getElementById("article-body").textContent,
  };
}"""


def screen(page):
    return page.evaluate(SCREEN)


def fresh(logged_in_page, user, article):
    page = logged_in_page(user)
    open_article(page, article)
    return screen(page)


def caught_up(page, article):
    """Wait until the page shows the article's current version of its annotations."""
    version = Article.objects.get(pk=article.pk).annotations_version
    expect(page.locator("#live")).to_have_attribute("data-version", str(version))
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")


def claim(article, author, first, last, kind=Kind.CLAIM):
    start = BODY.index(first)
    end = BODY.index(last, start) + len(last)
    return workflow.annotation_create(article=article, author=author, kind=kind, start=start,
                                      end=end, exact=BODY[start:end])  # fmt: skip


def test_after_own_and_others_changes_the_screen_equals_a_fresh_page(
    logged_in_page, annotator, other_annotator
):
    article = ArticleFactory(body=BODY)
    # Spans that cross paragraph breaks and overlap: a chain of clusters over three reports.
    claim(article, other_annotator, "officials told reporters on Tuesday 🎉 in 北京.\n\nReport 2",
          "Report 2: the ministry")  # fmt: skip
    claim(article, other_annotator, "exports rose 2 percent", "the surplus widened", Kind.QUOTATION)
    claim(article, annotator, "imports fell and the surplus widened again, officials told "
          "reporters on Tuesday 🎉 in 北京.\n\nReport 3", "Report 3")  # fmt: skip
    page = logged_in_page(annotator)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    open_article(page, article)
    count = Annotation.objects.count()

    # Own: a claim from the first report's end over into the second, then a number in it.
    drag_select(page, "on Tuesday 🎉 in 北京.\n\nReport 2: the ministry said exports")
    page.keyboard.press("c")
    wait_for_count(page, count + 1)
    # The claim's first field takes the cursor when the answer settles, a moment after the
    # swap: wait for it, or it takes the cursor (and the selection) during the next drag.
    expect(page.locator("#panel [data-first-field]")).to_be_focused()
    drag_select(page, "2 percent")
    page.keyboard.press("n")
    wait_for_count(page, count + 2)
    caught_up(page, article)

    # Own, in the panel: the number's end a word later, its kind, then withdrawn.
    page.locator("#nudge-end-later").click()
    expect(page.locator("#panel")).to_contain_text("Boundaries moved.")
    page.select_option("#kind-select", "claim")
    page.locator("#change-kind").click()
    expect(page.locator("#panel")).to_contain_text("Kind changed.")
    page.locator("#withdraw-open").click()
    expect(page.locator("#panel")).to_contain_text("Withdrawn.")
    wait_for_count(page, count + 1)
    caught_up(page, article)
    assert screen(page) == fresh(logged_in_page, annotator, article)

    # A colleague's changes arrive by the live update: a new span over the chain, an edit
    # that shrinks one out of a paragraph, a withdrawal.
    theirs = claim(article, other_annotator, "widened again", "Report 2", Kind.NUMBER)
    first = Annotation.objects.filter(author=other_annotator).order_by("pk").first()
    workflow.annotation_update(annotation_id=first.pk, user=other_annotator, version=1,
                               changes={"start": BODY.index("Report 2")})  # fmt: skip
    quotation = Annotation.objects.get(kind=Kind.QUOTATION)
    workflow.annotation_withdraw(annotation_id=quotation.pk, user=other_annotator, version=1)
    page.evaluate("htmx.trigger('#live', 'poll-now')")
    caught_up(page, article)
    expect(page.locator(f"#ann-{theirs.pk}")).to_be_visible()
    expect(page.locator(f"#ann-{quotation.pk}")).to_have_count(0)
    assert screen(page) == fresh(logged_in_page, annotator, article)

    # A colleague changes something while the user is selecting: it waits, then applies.
    held = drag_select(page, "the ministry said exports rose 4 percent")
    later = claim(article, other_annotator, "Report 4", "exports rose 4", Kind.QUOTATION)
    page.evaluate("htmx.trigger('#live', 'poll-now')")
    expect(page.locator("#annotate-status")).to_contain_text("when you finish selecting")
    assert page.evaluate("getSelection().toString()") == held
    page.keyboard.press("Escape")
    caught_up(page, article)
    expect(page.locator(f"#ann-{later.pk}")).to_be_visible()

    final = screen(page)
    assert final["text"] == BODY
    assert final == fresh(logged_in_page, annotator, article)
    assert re.search(r'class="m k-number l\d"', final["body"])  # the colleague's number drawn
    assert dialogs and "Withdraw" in dialogs[0]
