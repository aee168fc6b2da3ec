"""The assistant's proposals in Chromium, from the keyboard: ] / [ move the focus (scrolled
into view, not to the page's end), y accepts (the annotator's draft with the attributes
filled in, opened in the panel), x dismisses, Shift+y accepts a kind's in the paragraph."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Kind, State, Suggestion, SuggestionStatus
from annotations.proposals import suggestions_refresh
from annotations.suggest import Proposal
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FILLER = "The committee met again and talked about the harbour for a long while."
PARAGRAPHS = [FILLER] * 3 + [
    "Exports rose 30 percent to US$518.4 billion in 2024, the minister said.",
    "“We will double it by 2030,” said Trade Minister Ana Ruiz.",
    "More than 200 firms agreed, and 12 ports joined them.",
] + [FILLER] * 40  # fmt: skip
BODY = "\n\n".join(PARAGRAPHS)


def number(phrase, **attributes):
    start = BODY.index(phrase)
    return Proposal(start, start + len(phrase), "number", attributes, score=0.9,
                    engine="numbers", version="t1")  # fmt: skip


@pytest.fixture
def proposed():
    article = ArticleFactory(body=BODY)
    start = BODY.index("“We will")
    end = BODY.index("2030,”") + len("2030,”")
    suggestions_refresh(
        article=article,
        proposals=[
            number("30 percent", number_value="30", number_unit="percent"),
            number("US$518.4 billion", number_value="518400000000", number_unit="USD",
                   number_scale="billion"),
            Proposal(start, end, "quotation", {"speaker": "Ana Ruiz", "speech_type": "direct"},
                     score=0.8, engine="quotations", version="t1"),
            number("More than 200", number_value="200", number_qualifier="more than"),
            number("12 ports", number_value="12", number_counts="ports"),
        ],
    )  # fmt: skip
    return article


def focused(page):
    """The id of the proposal the screen shows as focused (its marks), or None."""
    return page.evaluate(
        "() => { const m = document.querySelector('#article-body .p.is-focus');"
        " return m ? Number(m.dataset.p) : null; }"
    )


def visible_in_window(page, suggestion_id):
    return page.evaluate(
        """(id) => {
          const mark = document.querySelector(`#article-body .p[data-p="${id}"]`);
          const box = mark.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        suggestion_id,
    )


def far_from_the_end(page):
    return page.evaluate(
        "() => window.scrollY + window.innerHeight < document.documentElement.scrollHeight - 400"
    )


def test_proposals_are_accepted_and_dismissed_from_the_keyboard(
    logged_in_page, annotator, proposed
):
    pending = {s.exact: s.pk for s in Suggestion.objects.filter(article=proposed)}
    page = logged_in_page(annotator, viewport={"width": 1400, "height": 700})
    page.goto(f"/articles/{proposed.pk}/")
    expect(page.locator("#proposal-kinds")).to_contain_text("Number 4")
    page.locator("#article-body").focus()

    page.keyboard.press("]")
    page.keyboard.press("]")  # the second proposal in text order
    money = pending["US$518.4 billion"]
    assert focused(page) == money
    expect(page.locator("#proposal-focus")).to_contain_text("518400000000 USD")
    assert visible_in_window(page, money) and far_from_the_end(page)

    page.keyboard.press("y")  # accept: one POST, the draft opens in the panel
    expect(page.locator("#annotation-list li.ann")).to_have_count(1)
    draft = Annotation.objects.get(article=proposed)
    assert (draft.kind, draft.state, draft.author_id) == (Kind.NUMBER, State.DRAFT, annotator.pk)
    assert (draft.exact, draft.number_value, draft.number_unit, draft.number_scale) == (
        "US$518.4 billion", 518400000000, "USD", "billion",
    )  # fmt: skip
    expect(page.locator("#panel")).to_have_attribute("data-open", str(draft.pk))
    expect(page.locator("#panel input[name=number_unit]")).to_have_value("USD")
    expect(page.locator(f'#article-body .p[data-p="{money}"]')).to_have_count(0)
    # The focus moved on to the next proposal, the quotation, still on screen.
    quotation = pending["“We will double it by 2030,”"]
    expect(page.locator("#article-body .p.is-focus").first).to_have_attribute(
        "data-p", str(quotation)
    )
    assert visible_in_window(page, quotation) and far_from_the_end(page)

    page.keyboard.press("x")  # dismiss the quotation
    expect(page.locator("#proposal-status")).to_contain_text("Dismissed")
    expect(page.locator(f'#article-body .p[data-p="{quotation}"]')).to_have_count(0)
    assert Suggestion.objects.get(pk=quotation).status == SuggestionStatus.DISMISSED
    assert Annotation.objects.filter(article=proposed).count() == 1

    # Now on "More than 200": Shift+y takes both numbers of its paragraph at once. The focus
    # moves once the answer has settled, a moment after the marks went: wait for it.
    expect(page.locator("#article-body .p.is-focus").first).to_have_attribute(
        "data-p", str(pending["More than 200"])
    )
    page.keyboard.press("Shift+Y")
    expect(page.locator("#annotation-list li.ann")).to_have_count(3)
    expect(page.locator("#proposal-status")).to_contain_text("Accepted 2 numbers")
    drafts = {a.exact: a for a in Annotation.objects.filter(article=proposed)}
    assert drafts["More than 200"].number_qualifier == "more than"
    assert drafts["12 ports"].number_counts == "ports"

    # Back with [: the one left, "30 percent", above; the page never ran to its end.
    page.keyboard.press("[")
    assert focused(page) == pending["30 percent"]
    assert visible_in_window(page, pending["30 percent"]) and far_from_the_end(page)
    expect(page.locator("#proposal-kinds")).to_contain_text("Number 1")


def test_a_kind_can_be_hidden_and_is_skipped(logged_in_page, annotator, proposed):
    page = logged_in_page(annotator)
    page.goto(f"/articles/{proposed.pk}/")
    page.locator("#proposal-show-number").uncheck()
    page.locator("#article-body").focus()
    page.keyboard.press("]")
    quotation = Suggestion.objects.get(article=proposed, kind=Kind.QUOTATION).pk
    assert focused(page) == quotation
    number_mark = page.locator("#article-body .p.k-number").first
    outline = number_mark.evaluate("(mark) => getComputedStyle(mark).backgroundImage")
    assert outline == "none"


def test_brackets_typed_with_altgr_move_between_proposals(logged_in_page, annotator, proposed):
    """On German and Nordic layouts "]" and "[" need AltGr, which Windows reports as
    Ctrl+Alt: the screen takes them as the keys they type, while Ctrl+Alt+] is still not a
    shortcut of the screen."""
    pending = {s.exact: s.pk for s in Suggestion.objects.filter(article=proposed)}
    page = logged_in_page(annotator)
    page.goto(f"/articles/{proposed.pk}/")
    expect(page.locator("#proposal-kinds")).to_contain_text("Number 4")
    body = page.locator("#article-body")
    body.focus()

    def press(key, **modifiers):
        body.evaluate(
            "(el, [key, modifiers]) => el.dispatchEvent(new KeyboardEvent('keydown',"
            " {key, bubbles: true, cancelable: true, ...modifiers}))",
            [key, modifiers],
        )

    press("]", ctrlKey=True, altKey=True)  # Ctrl+Alt without AltGr: not ours
    assert focused(page) is None
    press("]", ctrlKey=True, altKey=True, modifierAltGraph=True)
    assert focused(page) == pending["30 percent"]
    press("]", modifierAltGraph=True)
    assert focused(page) == pending["US$518.4 billion"]
    press("[", modifierAltGraph=True)
    assert focused(page) == pending["30 percent"]
