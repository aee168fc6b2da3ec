"""Selections on the annotate screen never cut a grapheme cluster (what a reader sees as one
character): a flag, an emoji ZWJ sequence, a keycap, a letter with a combining mark.

The browser snaps mouse and keyboard selections outward to whole clusters before sending
them, so what is stored is never half a character.
"""

import unicodedata

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.factories import ArticleFactory
from tests.test_annotate_browser import drag_select, open_article, wait_for_count

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FLAG = "\U0001f1eb\U0001f1f7"  # France: two regional indicators
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
KEYCAP = "#\ufe0f\u20e3"  # "#", then two marks that are word characters
N_HAT = "n\u0302"  # n with a combining circumflex: NFC keeps it as two code points
BODY = (
    f"Vote {KEYCAP}5 now for la France {FLAG} et la famille {FAMILY} avec Zi{N_HAT}a ici.\n\n"
    "Second paragraph."
)
assert unicodedata.is_normalized("NFC", BODY)  # as every imported body is

# Select body[start:end] given in UTF-16 units, as a selection API, assistive technology or
# another browser's hit testing may leave it: boundaries inside a cluster included.
SELECT_UTF16 = """([start, end]) => {
  const root = document.getElementById("article-body");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const locate = (offset) => {
    let seen = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (offset <= seen + node.data.length) return [node, offset - seen];
      seen += node.data.length;
    }
  };
  const [startNode, startOffset] = locate(start);
  walker.currentNode = root;
  const [endNode, endOffset] = locate(end);
  getSelection().setBaseAndExtent(startNode, startOffset, endNode, endOffset);
}"""


def utf16(index):
    """A code-point index into BODY as the browser counts it (UTF-16 units)."""
    return len(BODY[:index].encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        pytest.param(
            BODY.index("France"), BODY.index(FLAG) + 1, f"France {FLAG}", id="ends-inside-a-flag"
        ),
        pytest.param(
            BODY.index("famille"), BODY.index(FAMILY) + 2, f"famille {FAMILY}",
            id="ends-inside-a-family-emoji",
        ),
        pytest.param(
            BODY.index(FAMILY) + 3, BODY.index("avec") + 4, f"{FAMILY} avec",
            id="starts-inside-a-family-emoji",
        ),
        pytest.param(
            BODY.index("Zi"), BODY.index(N_HAT) + 1, f"Zi{N_HAT}a",
            id="ends-before-a-combining-mark",
        ),
    ],
)  # fmt: skip
def test_a_selection_inside_a_cluster_is_stored_as_whole_clusters(
    logged_in_page, annotator, start, end, stored
):
    article = ArticleFactory(body=BODY)
    page = logged_in_page(annotator)
    open_article(page, article)

    page.evaluate(SELECT_UTF16, [utf16(start), utf16(end)])
    page.keyboard.press("n")
    wait_for_count(page, 1)

    annotation = Annotation.objects.get()
    assert annotation.exact == stored == BODY[annotation.start : annotation.end]


def test_a_drag_next_to_a_keycap_takes_the_whole_keycap(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    page = logged_in_page(annotator)
    open_article(page, article)

    # "5" is a word character and so are the keycap's two marks before it, but not its "#":
    # whole words alone would start the span between "#" and its marks.
    selected = drag_select(page, "5 now")
    page.keyboard.press("c")
    wait_for_count(page, 1)

    assert Annotation.objects.get().exact == f"{KEYCAP}5 now" == selected


def test_the_keyboard_moves_by_whole_clusters(logged_in_page, annotator):
    article = ArticleFactory(body=BODY)
    page = logged_in_page(annotator)
    open_article(page, article)
    page.locator("#article-body").focus()

    page.keyboard.press("ArrowRight")  # the first word
    page.keyboard.press("ArrowRight")  # the next one, the keycap's "5"
    selected = page.evaluate("getSelection().toString()")
    page.keyboard.press("q")
    wait_for_count(page, 1)
    expect(page.locator("#panel")).to_contain_text("Quotation created")

    assert Annotation.objects.get().exact == f"{KEYCAP}5" == selected
