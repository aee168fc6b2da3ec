"""The hover card on the annotate screen: never stale after a change, never over the text.

Positions are compared with the DOM's own rectangles, so the checks hold whatever fonts
draw the text.
"""

import pytest
from playwright.sync_api import expect

from annotations import workflow
from annotations.models import Kind
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODY = "\n\n".join(
    f"Paragraph {number}: the ministry said exports rose {number} percent in May, while "
    "imports fell and the surplus widened again, officials told reporters on Tuesday in "
    "the capital, where analysts expected more growth."
    for number in range(1, 13)
)
PHRASE = "exports rose 6 percent"

# The card's rectangle, the hovered line's, and every line box of the body's text.
GEOMETRY = """(id) => {
  const box = (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
  const seg = document.querySelector(`#article-body .seg[data-ids="${id}"]`);
  const range = document.createRange();
  range.selectNodeContents(document.getElementById("article-body"));
  return {
    card: box(document.getElementById("hover-card").getBoundingClientRect()),
    hovered: box(seg.getClientRects()[0]),
    text: Array.from(range.getClientRects()).filter((r) => r.width && r.height).map(box),
  };
}"""


def overlaps(a, b):
    across = a["left"] < b["right"] and b["left"] < a["right"]
    return across and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def claim_on_phrase(article, author):
    start = BODY.index(PHRASE)
    return workflow.annotation_create(
        article=article, author=author, kind=Kind.CLAIM, start=start, end=start + len(PHRASE),
        exact=PHRASE,
    )  # fmt: skip


def press_in_panel(page, button_id):
    """Use a panel button from the keyboard: the pointer stays where it is."""
    page.locator(f"#{button_id}").focus()
    page.keyboard.press("Enter")


# A change made in the panel, what the panel then says, and what the card must show after
# it: the new text or state, not the draft's; nothing at all once the span is withdrawn.
CHANGES = [
    pytest.param("nudge-end-later", "Boundaries moved.", "exports rose 6 percent in", id="nudge"),
    pytest.param("submit-open", "Submitted for review.", "Submitted", id="submit"),
    pytest.param("withdraw-open", "Withdrawn.", None, id="withdraw"),
]


def check_card_after(page, card_text):
    card = page.locator("#hover-card")
    if card_text is None:
        expect(card).to_be_hidden()
        return
    expect(card).to_be_visible()
    expect(card).to_contain_text(card_text)
    if card_text == "Submitted":
        expect(card).not_to_contain_text("Draft")


# With the pointer on the text, Chrome itself sends a mouseover for the new segment after
# the swap; this pins that the card then shows the new rows, not the old ones.
@pytest.mark.parametrize(("button_id", "notice", "card_text"), CHANGES)
def test_the_hover_card_follows_a_change_made_while_hovering(
    logged_in_page, annotator, button_id, notice, card_text
):
    article = ArticleFactory(body=BODY)
    claim = claim_on_phrase(article, annotator)
    page = logged_in_page(annotator)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/articles/{article.pk}/?a={claim.pk}")
    page.locator(f'#article-body .seg[data-ids="{claim.pk}"]').hover()
    expect(page.locator("#hover-card")).to_contain_text("Draft")

    press_in_panel(page, button_id)
    expect(page.locator("#panel")).to_contain_text(notice)

    check_card_after(page, card_text)


@pytest.mark.parametrize(("button_id", "notice", "card_text"), CHANGES)
def test_the_card_of_the_current_span_follows_a_change_made_from_the_keyboard(
    logged_in_page, annotator, button_id, notice, card_text
):
    article = ArticleFactory(body=BODY)
    claim_on_phrase(article, annotator)
    page = logged_in_page(annotator)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/articles/{article.pk}/")
    page.mouse.move(1, 1)  # the pointer rests away from the text
    page.keyboard.press("j")  # the current span's card shows without hovering
    expect(page.locator("#hover-card")).to_contain_text("Draft")
    page.keyboard.press("Enter")
    expect(page.locator("#panel [data-first-field]")).to_be_focused()

    press_in_panel(page, button_id)
    expect(page.locator("#panel")).to_contain_text(notice)

    check_card_after(page, card_text)


def test_the_card_follows_another_users_change(logged_in_page, annotator, reviewer):
    article = ArticleFactory(body=BODY)
    claim = claim_on_phrase(article, annotator)
    workflow.annotation_submit(annotation_id=claim.pk, user=annotator, version=1)
    page = logged_in_page(annotator)
    page.goto(f"/articles/{article.pk}/")
    page.mouse.move(1, 1)
    page.keyboard.press("j")
    expect(page.locator("#hover-card")).to_contain_text("Submitted")

    workflow.annotation_take(annotation_id=claim.pk, reviewer=reviewer, version=2)
    page.evaluate("htmx.trigger('#live', 'poll-now')")

    expect(page.locator("#hover-card")).to_contain_text("In review")


def test_the_hover_card_covers_no_text_beside_a_wide_column(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    claim = claim_on_phrase(article, annotator)
    page = logged_in_page(annotator)
    page.goto(f"/articles/{article.pk}/")
    page.locator(f'#article-body .seg[data-ids="{claim.pk}"]').hover()
    expect(page.locator("#hover-card")).to_be_visible()

    geometry = page.evaluate(GEOMETRY, str(claim.pk))
    covered = [line for line in geometry["text"] if overlaps(geometry["card"], line)]
    assert covered == []
    assert geometry["card"]["top"] <= geometry["hovered"]["bottom"]  # level with the line


def test_the_hover_card_leaves_the_lines_below_free_in_a_narrow_window(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    claim = claim_on_phrase(article, annotator)
    page = logged_in_page(annotator, viewport={"width": 700, "height": 900})
    page.goto(f"/articles/{article.pk}/")
    seg = page.locator(f'#article-body .seg[data-ids="{claim.pk}"]')
    seg.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -innerHeight / 3)")  # the span mid-window
    seg.hover()
    expect(page.locator("#hover-card")).to_be_visible()

    geometry = page.evaluate(GEOMETRY, str(claim.pk))
    hovered = geometry["hovered"]
    below = [line for line in geometry["text"] if line["bottom"] > hovered["top"]]
    covered = [line for line in below if overlaps(geometry["card"], line)]
    assert covered == []
