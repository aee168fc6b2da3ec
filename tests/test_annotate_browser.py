"""The annotate screen in Chromium: exact offsets, keyboard use, live updates, CSP.

Each test drives the real page through Playwright against live_server and checks what
was stored in the database.
"""

import re
import time
from datetime import datetime, timedelta

import pytest
from django.test import RequestFactory
from playwright.sync_api import expect

from annotations import workflow
from annotations.inputs import BadInput
from annotations.models import Annotation, Kind, State
from annotations.views.site import bad_request
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODY = (
    "Party 🎉 then 中国经济 grew “strongly” in May, the minister said.\n\n"
    "Exports rose 30 percent to US$518.4 billion, officials said."
)

# Client rectangle of the first occurrence of `phrase` in the body (UTF-16 positions).
PHRASE_RECT = """
(phrase) => {
  const root = document.getElementById("article-body");
  const index = root.textContent.indexOf(phrase);
  if (index < 0) throw new Error("phrase not in the body: " + phrase);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  const locate = (offset, atEnd) => {
    let seen = 0;
    for (const node of nodes) {
      const length = node.data.length;
      if (atEnd ? seen + length >= offset : seen + length > offset) return [node, offset - seen];
      seen += length;
    }
  };
  const range = document.createRange();
  range.setStart(...locate(index, false));
  range.setEnd(...locate(index + phrase.length, true));
  const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
  const first = rects[0];
  const last = rects[rects.length - 1];
  return {x1: first.left, y1: first.top + first.height / 2,
          x2: last.right, y2: last.top + last.height / 2};
}
"""


def drag_select(page, phrase):
    """Select `phrase` with the mouse, as a person would: press, drag, release."""
    rect = page.evaluate(PHRASE_RECT, phrase)
    page.mouse.move(rect["x1"] + 1, rect["y1"])
    page.mouse.down()
    page.mouse.move(rect["x2"] - 1, rect["y2"], steps=8)
    page.mouse.up()
    return page.evaluate("getSelection().toString()")


def open_article(page, article):
    page.goto(f"/articles/{article.pk}/")
    expect(page.locator("#article-body")).to_be_visible()


def wait_for_count(page, count):
    expect(page.locator("#annotation-list li.ann")).to_have_count(count)


def test_drag_selected_phrase_after_an_emoji_is_stored_exactly(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    page = logged_in_page(annotator)
    open_article(page, article)

    selected = drag_select(page, "中国经济 grew “strongly")
    assert selected == "中国经济 grew “strongly"
    page.keyboard.press("n")
    wait_for_count(page, 1)

    annotation = Annotation.objects.get()
    assert annotation.kind == Kind.NUMBER
    assert annotation.exact == selected == BODY[annotation.start : annotation.end]
    assert annotation.start == BODY.index("中国经济")  # a code point index: the emoji counts once


def test_a_create_answered_while_the_next_drag_is_under_way_leaves_the_drag_alone(
    logged_in_page, annotator
):
    """The answer to `c` lands while the annotator has already pressed the button over the
    next span: the new draft's first field must not take the cursor then (it would empty
    the selection being made). The answer is held until the button is down."""
    article = ArticleFactory(body=BODY)
    page = logged_in_page(annotator)
    open_article(page, article)
    held = []

    def hold(route):  # the first create waits; the next ones go through
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/annotate/new/", hold)

    drag_select(page, "Exports rose 30 percent")
    page.keyboard.press("c")
    while not held:
        page.wait_for_timeout(10)
    rect = page.evaluate(PHRASE_RECT, "the minister said")
    page.mouse.move(rect["x1"] + 1, rect["y1"])
    page.mouse.down()
    held[0].continue_()
    wait_for_count(page, 1)
    # Past the answer's settling, when htmx would have focused an autofocus field.
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")
    assert page.evaluate("document.activeElement.closest('#panel') === null")
    page.mouse.move(rect["x2"] - 1, rect["y2"], steps=8)
    page.mouse.up()
    assert page.evaluate("getSelection().toString()") == "the minister said"
    page.keyboard.press("q")
    wait_for_count(page, 2)
    assert Annotation.objects.get(kind=Kind.QUOTATION).exact == "the minister said"


def create_number_inside_a_claim(page):
    """Make a claim by dragging and `c`, then drag inside it and press `n` at once.

    Page timers stand still from the second drag until `run_page_timers`: whatever the
    drag's click left pending fires after the number's swap has landed, every run, as it
    does on a slow machine when the server answers first. (Before, this depended on which
    came first, the server's answer or a 260 ms timer: on the order and load of the run.)
    Returns the claim and the number.
    """
    drag_select(page, "Exports rose 30 percent to US$518.4 billion")
    page.keyboard.press("c")
    wait_for_count(page, 1)
    page.clock.pause_at(datetime.now() + timedelta(seconds=1))
    drag_select(page, "30 percent")
    page.keyboard.press("n")
    wait_for_count(page, 2)
    return Annotation.objects.get(kind=Kind.CLAIM), Annotation.objects.get(kind=Kind.NUMBER)


def run_page_timers(page):
    page.clock.run_for(2000)  # htmx's settle, and anything a click left pending, fire now
    page.clock.resume()


def test_a_claim_containing_a_number_shows_both(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    page = logged_in_page(annotator)
    page.clock.install()
    open_article(page, article)

    claim, number = create_number_inside_a_claim(page)
    both = page.locator(f'#article-body .seg[data-ids="{claim.pk} {number.pk}"]')
    both.hover()  # at once: before any timer the drag may have left
    run_page_timers(page)

    # Hovering the number shows both spans: kind, author and state.
    card = page.locator("#hover-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Number")
    expect(card).to_contain_text("Claim")
    expect(card).to_contain_text("anna")
    expect(card).to_contain_text("Draft")

    assert number.exact == "30 percent"
    expect(both).to_have_text("30 percent")
    claim_line = both.locator(".m.k-claim")
    number_line = both.locator(".m.k-number")
    expect(claim_line).to_be_visible()
    expect(number_line).to_be_visible()
    styles = page.evaluate(
        """() => ["claim", "number"].map((kind) => getComputedStyle(
             document.querySelector(`#article-body .m.k-${kind}`)).borderBottomStyle)"""
    )
    assert styles == ["solid", "double"]  # told apart without colour


def test_n_right_after_a_drag_inside_a_claim_opens_the_new_number(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    page = logged_in_page(annotator)
    page.clock.install()
    open_article(page, article)

    requested = []
    page.on("request", lambda request: requested.append(request.url))
    claim, number = create_number_inside_a_claim(page)
    run_page_timers(page)

    # The drag ended with a click inside the claim: that click must not open the claim.
    expect(page.locator("#panel")).to_have_attribute("data-open", str(number.pk))
    expect(page.locator("#panel .kind-badge")).to_have_text("Number")
    expect(page.locator("#panel")).to_contain_text("Number created as a draft.")
    assert not [url for url in requested if f"/annotate/{claim.pk}/" in url]
    expect(page.locator(f"#ann-{number.pk}")).to_have_class(re.compile(r"\bis-open\b"))
    expect(page.locator(f"#ann-{claim.pk}")).not_to_have_class(re.compile(r"\bis-open\b"))


def draft_claim(annotator, body, phrase):
    """(article, claim): a new article with `body` and the annotator's draft claim on the
    first `phrase` in it."""
    article = ArticleFactory(body=body)
    start = body.index(phrase)
    claim = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, start=start,
        end=start + len(phrase), exact=phrase,
    )  # fmt: skip
    return article, claim


def test_a_click_on_highlighted_text_still_opens_its_annotation(logged_in_page, annotator):
    article, claim = draft_claim(annotator, BODY, "Exports rose")
    page = logged_in_page(annotator)
    open_article(page, article)

    page.locator(f'#article-body .seg[data-ids="{claim.pk}"]').click()

    expect(page.locator("#panel")).to_have_attribute("data-open", str(claim.pk))


def test_keyboard_alone_selects_creates_attributes_and_submits(logged_in_page, annotator):
    article = ArticleFactory(body="The minister said exports rose sharply.\n\nMore later.")
    page = logged_in_page(annotator)
    open_article(page, article)

    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "article-body":
            break
    assert page.evaluate("document.activeElement.id") == "article-body"
    for key in ["ArrowRight"] * 4 + ["Shift+ArrowRight"]:
        page.keyboard.press(key)
    assert page.evaluate("getSelection().toString()") == "exports rose"

    page.keyboard.press("c")
    claimant = page.locator("#id_claimant")
    expect(claimant).to_be_focused()
    expect(claimant).to_have_value("The minister")  # suggested from "The minister said"
    page.keyboard.press("Control+A")
    page.keyboard.type("The Minister of Trade")
    page.keyboard.press("Enter")
    expect(page.locator("#panel")).to_contain_text("Saved.")

    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "submit-open":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#panel")).to_contain_text("Submitted for review.")

    claim = Annotation.objects.get()
    assert (claim.exact, claim.claimant, claim.state) == (
        "exports rose",
        "The Minister of Trade",
        State.SUBMITTED,
    )


def test_typing_in_the_first_field_replaces_a_suggested_value(logged_in_page, annotator):
    # The claimant is suggested from "The minister said"; an annotator who disagrees types
    # the right one at once, without first clearing the field.
    article = ArticleFactory(body="The minister said exports rose sharply.\n\nMore later.")
    page = logged_in_page(annotator)
    open_article(page, article)

    drag_select(page, "exports rose")
    page.keyboard.press("c")
    claimant = page.locator("#id_claimant")
    expect(claimant).to_be_focused()
    expect(claimant).to_have_value("The minister")
    page.keyboard.type("The Minister of Trade")
    expect(claimant).to_have_value("The Minister of Trade")
    page.keyboard.press("Enter")
    expect(page.locator("#panel")).to_contain_text("Saved.")

    assert Annotation.objects.get().claimant == "The Minister of Trade"


def test_on_a_short_screen_the_open_panel_shows_whole_with_its_first_field_in_view(
    logged_in_page, annotator
):
    # A laptop's window: the create box, the proposals and the list leave the panel little
    # room; the panel keeps its height and the side column scrolls instead.
    paragraphs = [f"Paragraph {n}: officials met again and said little." for n in range(40)]
    paragraphs.append("Officials said nearly 40 million units of supplies were sent.")
    article = ArticleFactory(body="\n\n".join(paragraphs))
    page = logged_in_page(annotator, viewport={"width": 1280, "height": 600})
    open_article(page, article)

    page.get_by_text("nearly 40 million units").scroll_into_view_if_needed()
    drag_select(page, "40 million")
    page.keyboard.press("n")
    field = page.locator("#id_number_value")
    expect(field).to_be_focused()

    shown = page.evaluate("""() => {
      const panel = document.getElementById("panel");
      const field = document.activeElement.getBoundingClientRect();
      return {
        whole: panel.scrollHeight <= panel.clientHeight + 1,
        fieldInView: field.top >= 0 && field.bottom <= window.innerHeight,
      };
    }""")
    assert shown == {"whole": True, "fieldInView": True}


def draft_with_an_unprocessed_panel_form(logged_in_page, annotator):
    """(page, claim): the annotator's draft claim open in its panel, the attributes form
    replaced by a copy htmx has never processed, as the form is in the moment between a
    panel's swap and htmx taking it over. `window.sameDocument` is true until the page
    reloads (a form the browser posts itself reloads it, and the panel's notice is lost)."""
    body = "The minister said exports rose sharply.\n\nMore later."
    article, claim = draft_claim(annotator, body, "exports rose")
    page = logged_in_page(annotator)
    page.goto(f"/articles/{article.pk}/?a={claim.pk}")
    expect(page.locator("#panel")).to_have_attribute("data-open", str(claim.pk))
    page.evaluate("""() => {
      window.sameDocument = true;
      const form = document.querySelector("#panel form.attributes-form");
      form.outerHTML = form.outerHTML;
    }""")
    return page, claim


def test_a_form_submitted_before_htmx_takes_it_over_is_still_sent_by_htmx(
    logged_in_page, annotator
):
    page, claim = draft_with_an_unprocessed_panel_form(logged_in_page, annotator)

    page.locator("#id_claimant").fill("The Minister of Trade")
    page.locator("#id_claimant").press("Enter")

    expect(page.locator("#panel")).to_contain_text("Saved.")
    assert page.evaluate("window.sameDocument") is True
    claim.refresh_from_db()
    assert claim.claimant == "The Minister of Trade"
    assert claim.state == State.DRAFT


def test_a_second_button_of_a_form_htmx_has_not_taken_over_keeps_its_action(
    logged_in_page, annotator
):
    # "Submit for review" shares the attributes form with Save, with an action of its own
    # (formaction): handed to htmx, the form must still go there, not to Save's.
    page, claim = draft_with_an_unprocessed_panel_form(logged_in_page, annotator)

    page.locator("#submit-open").focus()
    page.keyboard.press("Enter")

    expect(page.locator("#panel")).to_contain_text("Submitted for review.")
    assert page.evaluate("window.sameDocument") is True
    claim.refresh_from_db()
    assert claim.state == State.SUBMITTED


def test_j_k_enter_and_delete_withdraw_after_confirmation(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    first = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, start=0, end=5, exact="Party"
    )
    start = BODY.index("Exports")
    second = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, start=start, end=start + 7,
        exact="Exports",
    )  # fmt: skip
    page = logged_in_page(annotator)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    open_article(page, article)

    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(f"#ann-{second.pk}")).to_have_class("ann k-claim mine is-current")
    page.keyboard.press("k")
    expect(page.locator(f"#ann-{first.pk} a")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f'#panel[data-open="{first.pk}"]')).to_be_visible()
    # Opened from the keyboard, the panel takes the cursor; Esc gives it back to the text.
    expect(page.locator("#panel input[type=text]").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#article-body")).to_be_focused()
    page.keyboard.press("Delete")
    wait_for_count(page, 1)

    assert dialogs and "Withdraw" in dialogs[0]
    first.refresh_from_db()
    assert first.state == State.WITHDRAWN

    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()


def test_another_users_new_annotation_appears_without_disturbing_a_selection(
    logged_in_page, annotator, other_annotator
):
    article = ArticleFactory(body=BODY)
    page_a = logged_in_page(annotator)
    page_b = logged_in_page(other_annotator)
    open_article(page_a, article)
    open_article(page_b, article)

    drag_select(page_a, "Exports rose")
    page_a.keyboard.press("c")
    wait_for_count(page_a, 1)
    # Settled: the claim's first field has the cursor, and will not take it during A's drag.
    expect(page_a.locator("#panel [data-first-field]")).to_be_focused()
    created = Annotation.objects.get()
    started = time.monotonic()
    expect(page_b.locator(f"#ann-{created.pk}")).to_be_visible(timeout=5000)
    assert time.monotonic() - started < 5

    # B is selecting when A adds another: B's selection stays until B lets it go.
    held = drag_select(page_b, "the minister said")
    drag_select(page_a, "officials said")
    page_a.keyboard.press("q")
    wait_for_count(page_a, 2)
    expect(page_b.locator("#annotate-status")).to_contain_text("when you finish selecting")
    assert page_b.evaluate("getSelection().toString()") == held
    expect(page_b.locator("#annotation-list li.ann")).to_have_count(1)
    page_b.keyboard.press("Escape")
    wait_for_count(page_b, 2)


def test_a_stale_edit_is_refused_with_a_clear_message(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    claim = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, start=0, end=5, exact="Party"
    )
    page = logged_in_page(annotator)
    page.goto(f"/articles/{article.pk}/?a={claim.pk}")
    expect(page.locator("#id_claimant")).to_be_visible()

    # Meanwhile the same annotation is changed in another tab.
    workflow.annotation_update(
        annotation_id=claim.pk, user=annotator, version=1, changes={"claimant": "Other tab"}
    )
    page.fill("#id_claimant", "This tab")
    page.click("#save-attributes")

    expect(page.locator("#panel [role=alert]")).to_contain_text(
        "You changed this annotation in another tab or window"
    )
    expect(page.locator("#id_claimant")).to_have_value("Other tab")
    claim.refresh_from_db()
    assert claim.claimant == "Other tab" and claim.version == 2


def test_a_request_refused_as_bad_input_shows_why(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    claim = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, start=0, end=5, exact="Party"
    )
    # The answer of a strict input parser (annotations.inputs) to a mangled form: the 400
    # page. Served through a route, so the test does not depend on which view checks what.
    refusal = bad_request(
        RequestFactory().post("/"), BadInput("version must be a whole number written with 0-9.")
    ).content.decode()
    page = logged_in_page(annotator)
    page.route(
        f"**/annotate/{claim.pk}/attributes/",
        lambda route: route.fulfill(status=400, content_type="text/html", body=refusal),
    )
    page.goto(f"/articles/{article.pk}/?a={claim.pk}")
    page.fill("#id_claimant", "Someone")
    page.click("#save-attributes")

    status = page.locator("#annotate-status")
    expect(status).to_have_text("Refused: version must be a whole number written with 0-9.")
    expect(page.locator("#id_claimant")).to_have_value("Someone")  # the panel stays as it was


VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_markup_in_the_body_is_text_that_runs_nothing_under_the_csp(logged_in_page, annotator):
    body = (
        'Safe text <script>window.__ran = 1</script> and <img src=x onerror="window.__ran = 2">'
        " end.\n\nSecond paragraph."
    )
    article = ArticleFactory(body=body)
    page = logged_in_page(annotator)
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(VIOLATIONS)
    open_article(page, article)

    drag_select(page, "Second paragraph")  # a swap of fresh fragments, under the same policy
    page.keyboard.press("q")
    wait_for_count(page, 1)

    assert page.evaluate("document.getElementById('article-body').textContent") == body
    assert page.locator("#article-body script, #article-body img").count() == 0
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("window.__violations") == []
    assert not [text for text in console if "Content Security Policy" in text]


def test_body_text_content_equals_the_stored_body(logged_in_page, annotator):
    body = "“Quoted,” she said.\u2002Then 中文 and 🎉 emoji ‘here’.\n\nSecond  paragraph."
    article = ArticleFactory(body=body)
    start = body.index("she")
    workflow.annotation_create(
        article=article, author=annotator, kind=Kind.QUOTATION, start=0, end=start + 8,
        exact=body[: start + 8],
    )  # fmt: skip
    page = logged_in_page(annotator)
    open_article(page, article)
    assert page.evaluate("document.getElementById('article-body').textContent") == body


def test_a_quotations_attribution_is_marked_from_the_selection(logged_in_page, annotator):
    body = "“We will build it,” Mayor José Núñez said on Tuesday 🎉 in Porto Clara."
    article = ArticleFactory(body=body)
    page = logged_in_page(annotator)
    open_article(page, article)

    drag_select(page, "We will build it")
    page.keyboard.press("q")
    wait_for_count(page, 1)
    expect(page.locator("#attribution-form")).to_be_visible()
    # The quotation's first field takes the cursor when the answer settles, a moment after
    # the swap: wait for it, or it takes the cursor (and the selection) during the drag.
    expect(page.locator("#panel [data-first-field]")).to_be_focused()
    page.locator("#article-body").focus()
    assert drag_select(page, "Mayor José Núñez said") == "Mayor José Núñez said"
    page.keyboard.press("a")

    expect(page.locator("#attribution-text")).to_have_text("Mayor José Núñez said")
    quotation = Annotation.objects.get()
    start = body.index("Mayor")
    assert (quotation.attribution_start, quotation.attribution_end) == (start, start + 21)
