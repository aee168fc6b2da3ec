"""The annotate screen keeps the reader's place on a long article: creating and marking an
attribution leave the page where it was; the keyboard selection is scrolled into view.

Positions come from the DOM (client rectangles, scrollY), never from font metrics.
"""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.factories import ArticleFactory
from tests.test_annotate_browser import PHRASE_RECT, drag_select, open_article, wait_for_count

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARAGRAPHS = 40
LONG_BODY = "\n\n".join(
    f"Report {number} opens here. The ministry said exports rose {number} percent in May, "
    "while imports fell and the trade surplus widened again, officials told reporters on "
    "Tuesday. Analysts in the capital expected further growth in the coming months, but "
    "warned that tariffs, shipping costs and a weaker currency could still change the "
    f"picture before the end of the year. Report {number} ends here."
    for number in range(1, PARAGRAPHS + 1)
)

# Top and bottom of the current selection's first line, in client coordinates.
SELECTION_LINE = """() => {
  const rects = Array.from(getSelection().getRangeAt(0).getClientRects()).filter((r) => r.width);
  return {top: rects[0].top, bottom: rects[0].bottom, height: innerHeight};
}"""


def bring_to_middle(page, phrase):
    """Scroll so that `phrase` sits in the middle of the window, as a reader would."""
    rect = page.evaluate(PHRASE_RECT, phrase)
    page.evaluate("(y) => window.scrollBy(0, y - innerHeight / 2)", rect["y1"])
    scroll_y = page.evaluate("scrollY")
    assert scroll_y > 0
    return scroll_y


def assert_in_view(page, phrase):
    rect = page.evaluate(PHRASE_RECT, phrase)
    assert 0 <= rect["y1"] <= page.evaluate("innerHeight")


@pytest.mark.parametrize("key", ["c", "n", "q"])
def test_creating_from_a_mouse_selection_keeps_the_page_where_it_is(logged_in_page, annotator, key):
    article = ArticleFactory(body=LONG_BODY)
    page = logged_in_page(annotator)
    open_article(page, article)
    scroll_y = bring_to_middle(page, "exports rose 21 percent")

    drag_select(page, "exports rose 21 percent")
    page.keyboard.press(key)
    wait_for_count(page, 1)
    created = Annotation.objects.get()
    expect(page.locator("#panel")).to_have_attribute("data-open", str(created.pk))
    expect(page.locator("#panel [data-first-field]")).to_be_focused()

    assert page.evaluate("scrollY") == scroll_y
    assert_in_view(page, "exports rose 21 percent")


def test_marking_an_attribution_keeps_the_page_where_it_is(logged_in_page, annotator):
    article = ArticleFactory(body=LONG_BODY)
    page = logged_in_page(annotator)
    open_article(page, article)
    scroll_y = bring_to_middle(page, "exports rose 21 percent")
    drag_select(page, "exports rose 21 percent")
    page.keyboard.press("q")
    expect(page.locator("#attribution-form")).to_be_visible()
    # The first field takes the cursor when the answer settles, a moment after the swap:
    # wait for it, or it takes the cursor (and the selection) during the next drag.
    expect(page.locator("#panel [data-first-field]")).to_be_focused()
    assert page.evaluate("scrollY") == scroll_y

    drag_select(page, "The ministry said exports rose 21")
    page.keyboard.press("a")
    expect(page.locator("#attribution-text")).to_have_text("The ministry said exports rose 21")

    assert page.evaluate("scrollY") == scroll_y


def test_the_keyboard_selection_is_scrolled_into_view(logged_in_page, annotator):
    article = ArticleFactory(body=LONG_BODY)
    page = logged_in_page(annotator)
    open_article(page, article)
    page.evaluate("document.getElementById('article-body').focus({preventScroll: true})")

    for press in range(PARAGRAPHS - 1):  # down to the last paragraph, one at a time
        page.keyboard.press("ArrowDown")
        line = page.evaluate(SELECTION_LINE)
        assert 0 <= line["top"] and line["bottom"] <= line["height"], (press, line)
    assert page.evaluate("getSelection().toString()") == "Report"
    assert page.evaluate("scrollY") > 0

    for press in range(PARAGRAPHS - 1):
        page.keyboard.press("ArrowUp")
        line = page.evaluate(SELECTION_LINE)
        assert 0 <= line["top"] and line["bottom"] <= line["height"], (press, line)

    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("getSelection().toString()") == "Report 1 opens"
