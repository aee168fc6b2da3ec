"""A write costs what it changes: the annotate screen's answers carry only the fragments
that changed since the version the screen shows, and those equal a full render.

A screen is modelled here as htmx keeps it: the body's paragraphs by id, the list's rows in
order, the counts and the poller's version. Applying an answer's out-of-band swaps to it
(replace a paragraph, delete a row, insert a row after another) must give exactly what a
fresh page load draws for the same state, whatever was changed, by whom, and however the
lanes of overlapping spans moved.
"""

import random
import re

import pytest
from django.urls import reverse

from annotations import highlight, workflow
from annotations.models import Annotation, Kind, State
from annotations.text import snap_to_words
from tests.factories import ArticleFactory, overlapping_annotations

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}

# Paragraphs of the kind that make spans cross paragraph breaks and pile up in lanes.
BODY = "\n\n".join(
    f"Paragraph {n}: the minister said “exports rose {n} percent to US$518.4 billion” and "
    f"more than {n * 10} projects 🌍 were built in 中国, officials said."
    for n in range(8)
)
LONG_BODY = "\n\n".join(
    f"Paragraph {n}: the minister said “exports rose {n} percent to US$518.4 billion” and "
    f"more than {n * 10} projects 🌍 were built in 中国 over the past years, officials said."
    for n in range(60)
)

_PARAGRAPH = re.compile(
    r'<span class="para" id="para-(\d+)"[^>]*>.*?(?=<span class="para"|$)', re.S
)
_ROW = re.compile(r'<li id="ann-(\d+)".*?</li>', re.S)
_OOB = ' hx-swap-oob="true"'


class Screen:
    """What a browser holds of the annotate screen, updated as htmx applies the answers."""

    def __init__(self, page: str):
        body = re.search(r'<div id="article-body"[^>]*>(.*?)</div>', page, re.S)[1]
        self.paragraphs = {int(m[1]): m[0] for m in _PARAGRAPH.finditer(body)}
        rows = re.search(r'<ol class="ann-list" id="ann-list">(.*?)</ol>', page, re.S)[1]
        self.rows = [(int(m[1]), m[0]) for m in _ROW.finditer(rows)]
        self.head = re.search(r'<header class="list-head".*?</header>', page, re.S)[0]
        self.version = int(re.search(r'<div id="live"[^>]*data-version="(\d+)"', page)[1])

    def apply(self, answer: str) -> None:
        """The out-of-band swaps of an answer, in document order, as htmx does them."""
        assert 'id="article-body"' not in answer, "a whole body: not a change by fragments"
        for element in re.finditer(
            r'<span class="para" id="para-(\d+)"[^>]*hx-swap-oob="true">.*?(?=<span class="para"'
            r'|<li id|<ol class="ann-rows"|<header|<div id="live")'
            r'|<li id="ann-(\d+)" hx-swap-oob="delete"></li>'
            r'|<ol class="ann-rows" hx-swap-oob="(afterend:#ann-(\d+)|afterbegin:#ann-list)">'
            r"(.*?)</ol>",
            answer,
            re.S,
        ):
            paragraph, deleted, where, after, row = element.groups()
            if paragraph is not None:
                index = int(paragraph)
                assert index in self.paragraphs
                self.paragraphs[index] = element[0].replace(_OOB, "", 1).rstrip()
            elif deleted is not None:
                ids = [row_id for row_id, _html in self.rows]
                assert int(deleted) in ids, f"deleting row {deleted}, which the screen lacks"
                del self.rows[ids.index(int(deleted))]
            else:  # in place of the screen's copy (annotate.js)
                row_id = int(re.match(r'<li id="ann-(\d+)"', row)[1])
                self.rows = [(shown, html) for shown, html in self.rows if shown != row_id]
                ids = [row_id for row_id, _html in self.rows]
                at = 0 if after is None else ids.index(int(after)) + 1
                self.rows.insert(at, (row_id, row))
        head = re.search(
            r'<header class="list-head"[^>]*hx-swap-oob="true">.*?</header>', answer, re.S
        )
        if head:
            self.head = head[0].replace(_OOB, "", 1)
        self.version = int(re.search(r'<div id="live"[^>]*data-version="(\d+)"', answer)[1])

    def same_as(self, fresh: "Screen") -> None:
        assert self.version == fresh.version
        assert sorted(self.paragraphs) == sorted(fresh.paragraphs)
        for index, paragraph in fresh.paragraphs.items():
            assert self.paragraphs[index] == paragraph, f"paragraph {index} differs"
        assert self.rows == fresh.rows
        assert _unmasked(self.head) == _unmasked(fresh.head)


def _unmasked(html: str) -> str:
    """CSRF fields are masked anew in every whole page and left out of fragments (the
    page's header carries the token): compare the rest."""
    return re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">', "", html)


def page(client, article) -> str:
    return client.get(reverse("article_detail", args=[article.pk])).content.decode()


def post(client, name, pk, data, screen):
    """A change made on `screen`, as annotate.js sends it (with the version shown)."""
    headers = HTMX | {"X-Annotations-Shown": str(screen.version)}
    return client.post(reverse(name, args=[pk]), data, headers=headers)


def poll(client, article, screen):
    url = reverse("annotate_poll", args=[article.pk])
    return client.get(url, {"v": screen.version}, headers=HTMX)


def span_at(article, phrase, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = article.body.index(phrase, start + 1)
    return {"start": start, "end": start + len(phrase), "exact": phrase}


@pytest.fixture
def two_screens(annotator, other_annotator):
    """An article with overlapping spans across paragraphs, open on two screens."""
    from django.test import Client

    article = ArticleFactory(body=BODY)
    overlapping_annotations(article, [annotator, other_annotator], 40, seed=3, longest=160)
    mine, theirs = Client(), Client()
    mine.force_login(annotator)
    theirs.force_login(other_annotator)
    return article, mine, theirs


def check(client, article, screen):
    screen.same_as(Screen(page(client, article)))


def test_a_create_answers_with_its_paragraphs_and_row_only(two_screens):
    article, mine, theirs = two_screens
    screen = Screen(page(mine, article))
    data = {"kind": "number"} | span_at(article, "518.4 billion” and more", 2)

    response = post(mine, "annotate_create", article.pk, data, screen)

    assert response.status_code == 200
    html = response.content.decode()
    created = Annotation.objects.latest("pk")
    assert f'id="ann-{created.pk}"' in html
    assert len(re.findall(r'id="para-\d+"', html)) < len(screen.paragraphs)
    screen.apply(html)
    check(mine, article, screen)


@pytest.mark.parametrize(
    "name, data",
    [
        ("annotate_edit", {"number_value": "30", "number_unit": "percent"}),
        ("annotate_nudge", {"move": "end:1"}),
        ("annotate_nudge", {"move": "start:1"}),
        ("annotate_kind", {"kind": "quotation"}),
        ("annotate_withdraw", {}),
        ("annotate_submit", {}),
    ],
)
def test_each_change_leaves_the_screen_as_a_fresh_page_draws_it(two_screens, annotator, name, data):
    article, mine, theirs = two_screens
    number = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.NUMBER,
        **span_at(article, "3 percent to US$518.4 billion” and more than 30 projects"),
    )  # fmt: skip
    screen = Screen(page(mine, article))
    other_screen = Screen(page(theirs, article))

    response = post(mine, name, number.pk, {"version": number.version} | data, screen)

    assert response.status_code == 200, response.content.decode()
    screen.apply(response.content.decode())
    check(mine, article, screen)
    other_screen.apply(poll(theirs, article, other_screen).content.decode())
    check(theirs, article, other_screen)


def test_a_stale_change_answers_409_with_what_changed_meanwhile(two_screens, annotator):
    article, mine, theirs = two_screens
    claim = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, **span_at(article, "officials said")
    )
    screen = Screen(page(mine, article))
    workflow.annotation_update(  # in another tab
        annotation_id=claim.pk, user=annotator, version=1, changes={"end": claim.end - 5}
    )

    response = post(mine, "annotate_kind", claim.pk, {"version": 1, "kind": "number"}, screen)

    assert response.status_code == 409
    screen.apply(response.content.decode())
    check(mine, article, screen)


def test_submit_all_redraws_my_drafts_only(two_screens, annotator):
    article, mine, theirs = two_screens
    screen = Screen(page(mine, article))
    drafts = Annotation.objects.filter(author=annotator, state=State.DRAFT).count()

    response = post(mine, "annotate_submit_all", article.pk, {"confirm_unsaved": "1"}, screen)

    html = response.content.decode()
    assert f"Submitted {drafts} drafts for review." in html
    assert len(re.findall(r'<li id="ann-\d+" class', html)) == drafts
    screen.apply(html)
    check(mine, article, screen)


def test_many_changes_by_two_people_keep_both_screens_exact(
    two_screens, annotator, other_annotator
):
    """Random creates, nudges, kind changes and withdrawals by both, on a crowded text:
    after each, both screens (one changing, one polling) equal a fresh page."""
    article, mine, theirs = two_screens
    screens = {
        annotator.pk: Screen(page(mine, article)),
        other_annotator.pk: Screen(page(theirs, article)),
    }
    clients = {annotator.pk: mine, other_annotator.pk: theirs}
    rng = random.Random(11)
    for step in range(40):
        author = rng.choice([annotator, other_annotator])
        client, screen = clients[author.pk], screens[author.pk]
        own = list(
            Annotation.objects.live().filter(article=article, author=author, state=State.DRAFT)
        )
        action = rng.choice(["create", "create", "nudge", "kind", "withdraw"]) if own else "create"
        if action == "create":
            start = rng.randrange(len(BODY) - 2)
            start, end = snap_to_words(BODY, start, min(len(BODY), start + rng.randrange(3, 200)))
            if start == end:
                continue
            data = {"kind": rng.choice(Kind.values), "start": start, "end": end,
                    "exact": BODY[start:end], "confirm_duplicate": "1"}  # fmt: skip
            response = post(client, "annotate_create", article.pk, data, screen)
        else:
            target = rng.choice(own)
            data = {"version": target.version}
            name = {"nudge": "annotate_nudge", "kind": "annotate_kind",
                    "withdraw": "annotate_withdraw"}[action]  # fmt: skip
            if action == "nudge":
                data["move"] = rng.choice(["start:-1", "start:1", "end:-1", "end:1"])
            elif action == "kind":
                data["kind"] = rng.choice([kind for kind in Kind.values if kind != target.kind])
            response = post(client, name, target.pk, data, screen)
        if response.status_code == 422:
            continue  # a nudge that cannot go further: nothing changed
        assert response.status_code == 200, (step, action, response.content.decode()[:500])
        screen.apply(response.content.decode())
        check(client, article, screen)
        other = other_annotator if author == annotator else annotator
        other_screen = screens[other.pk]
        other_screen.apply(poll(clients[other.pk], article, other_screen).content.decode())
        check(clients[other.pk], article, other_screen)


def test_a_lane_moved_far_away_is_redrawn_there(client_for, annotator):
    """A new span pushes a neighbour that reaches into a paragraph the new one does not
    touch to another lane: that paragraph is redrawn too."""
    body = "Alpha beta gamma.\n\nDelta epsilon zeta.\n\nEta theta iota."
    article = ArticleFactory(body=body)

    def claim(first, last):
        start, end = body.index(first), body.index(last) + len(last)
        return workflow.annotation_create(article=article, author=annotator, kind=Kind.CLAIM,
                                          start=start, end=end, exact=body[start:end])  # fmt: skip

    claim("gamma", "Delta")  # lane 0
    neighbour = claim("epsilon", "Eta")  # lane 0 too: the first ends before it starts
    client = client_for(annotator)
    screen = Screen(page(client, article))
    assert 'class="m k-claim l0">Eta' in screen.paragraphs[2]

    # From "beta" to "epsilon": over both, so the neighbour moves down a lane.
    data = {"kind": "claim"} | span_at(article, "beta gamma.\n\nDelta epsilon")
    response = post(client, "annotate_create", article.pk, data, screen)

    html = response.content.decode()
    assert 'id="para-2"' in html
    neighbour.refresh_from_db()
    assert neighbour.changed_version == screen.version + 1
    screen.apply(html)
    check(client, article, screen)
    assert 'class="m k-claim l1">Eta' in screen.paragraphs[2]


def test_a_withdrawn_span_disappears_from_the_other_screen(client_for, annotator, other_annotator):
    article = ArticleFactory(body=BODY)
    claim = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, **span_at(article, "officials said")
    )
    client = client_for(other_annotator)
    screen = Screen(page(client, article))
    assert any(row_id == claim.pk for row_id, _html in screen.rows)
    workflow.annotation_withdraw(annotation_id=claim.pk, user=annotator, version=1)

    html = poll(client, article, screen).content.decode()

    assert f'<li id="ann-{claim.pk}" hx-swap-oob="delete"></li>' in html
    screen.apply(html)
    assert screen.rows == []
    check(client, article, screen)


def test_a_span_created_and_withdrawn_between_two_polls_sends_no_row(
    client_for, annotator, other_annotator
):
    article = ArticleFactory(body=BODY)
    client = client_for(other_annotator)
    screen = Screen(page(client, article))
    claim = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM, **span_at(article, "officials said")
    )
    workflow.annotation_withdraw(annotation_id=claim.pk, user=annotator, version=1)

    html = poll(client, article, screen).content.decode()

    assert f'id="ann-{claim.pk}"' not in html  # neither deleted (never shown) nor inserted
    screen.apply(html)
    check(client, article, screen)


def test_a_screen_that_shows_an_older_edit_gets_the_old_place_redrawn(
    client_for, annotator, other_annotator
):
    """Shrunk out of a paragraph twice since the screen looked: the paragraph it left is
    redrawn (the history says where it was), not only the one it is in now."""
    article = ArticleFactory(body=BODY)
    claim = workflow.annotation_create(
        article=article, author=annotator, kind=Kind.CLAIM,
        **span_at(article, "officials said.\n\nParagraph 1: the minister"),
    )  # fmt: skip
    client = client_for(other_annotator)
    screen = Screen(page(client, article))
    for version, end in ((1, claim.start + 15), (2, claim.start + 9)):
        workflow.annotation_update(
            annotation_id=claim.pk, user=annotator, version=version, changes={"end": end}
        )

    html = poll(client, article, screen).content.decode()

    assert 'id="para-1"' in html
    screen.apply(html)
    check(client, article, screen)


def test_more_changes_than_the_limit_send_the_whole_screen(
    client_for, annotator, other_annotator, monkeypatch
):
    monkeypatch.setattr(highlight, "CHANGES_FLOOR", 3)
    article = ArticleFactory(body=BODY)
    client = client_for(other_annotator)
    seen = Screen(page(client, article)).version
    for phrase in ("minister", "exports", "officials", "projects"):
        workflow.annotation_create(
            article=article, author=annotator, kind=Kind.CLAIM, **span_at(article, phrase)
        )

    html = poll(client, article, _at(seen)).content.decode()

    assert 'id="article-body"' in html and 'id="annotation-list"' in html


def _at(version):
    """A screen of which only the version it shows matters."""
    screen = Screen.__new__(Screen)
    screen.version = version
    return screen


def test_a_version_from_the_future_sends_the_whole_screen(client_for, annotator, article):
    response = poll(client_for(annotator), article, _at(article.annotations_version + 5))
    assert 'id="article-body"' in response.content.decode()


def test_a_bad_shown_version_is_refused_with_400(client_for, annotator, article):
    data = {"kind": "claim"} | span_at(article, "exports rose")
    response = client_for(annotator).post(
        reverse("annotate_create", args=[article.pk]), data,
        headers=HTMX | {"X-Annotations-Shown": "²"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "X-Annotations-Shown" in response.content.decode()


# ---- What it costs: queries and bytes at 10 and 1,000 spans ----


@pytest.fixture
def big_article(annotator, other_annotator):
    def make(count):
        article = ArticleFactory(body=LONG_BODY)
        overlapping_annotations(article, [annotator, other_annotator], count)
        return article

    return make


# The request's (user and article; the permissions come from the cache), the write's
# (begin, lock and version in one UPDATE, the live spans for the duplicate check and the
# lanes, insert, history, commit) and the answer's (the spans, the assistant's proposals;
# the panel's history is the creation itself): 10, whatever the number of spans and
# proposals (tests/test_annotate_proposals.py).
CREATE_QUERY_BOUND = 10
# The fast path's statement, then user, permissions, article, the spans, the proposals, the
# changed rows.
POLL_QUERY_BOUND = 8


@pytest.mark.parametrize("count", [10, 1000])
def test_a_create_and_the_next_poll_cost_the_same_at_10_and_1000_spans(
    client_for, annotator, other_annotator, big_article, django_assert_max_num_queries, count
):
    article = big_article(count)
    client = client_for(annotator)
    screen = Screen(page(client, article))
    data = {"kind": "number"} | span_at(article, "US$518.4 billion", 30)

    with django_assert_max_num_queries(CREATE_QUERY_BOUND):
        response = post(client, "annotate_create", article.pk, data, screen)
    assert response.status_code == 200
    # One paragraph (two where a neighbour's lane moved): about 2 KiB each on this crowded
    # text, where the whole body and list are over 500 KiB at 1,000 spans.
    assert len(response.content) < 20 * 1024

    watcher = client_for(other_annotator)
    with django_assert_max_num_queries(POLL_QUERY_BOUND):
        response = poll(watcher, article, _at(screen.version))
    assert response.status_code == 200
    assert len(response.content) < 12 * 1024


def test_many_spans_created_at_once_reach_the_other_screen_exactly(two_screens, annotator):
    """Bulk writes (the API's bulk create, accepting a paragraph's proposals) record their
    versions and the lanes they move like a single create, so the live update stays exact."""
    from annotations.proposals import suggestions_accept_all, suggestions_refresh
    from annotations.suggest import Proposal
    from annotations.workflow import DraftSpec, annotations_create_bulk

    article, mine, theirs = two_screens
    screen = Screen(page(theirs, article))
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", article.body)][:60]
    annotations_create_bulk(
        author=annotator,
        specs=[
            DraftSpec(article.pk, "claim", start, end, article.body[start:end])
            for start, end in words[0:12:2]
        ],
    )
    suggestions_refresh(
        article=article,
        proposals=[
            Proposal(start, end, "number", engine="test", version="1", score=0.9)
            for start, end in words[1:12:2]
        ],
    )
    suggestions_accept_all(
        article=article, kind="number", start=0, end=len(article.body), user=annotator
    )

    screen.apply(poll(theirs, article, screen).content.decode())
    check(theirs, article, screen)


def test_fragment_forms_carry_one_csrf_token_a_native_submit_passes_with(annotator, article):
    """htmx requests send the token the page holds in a header; the fragments' forms keep
    their own field (one token masked once per answer), because a form submitted before
    htmx has taken it over is posted natively and only the field lets it through."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(annotator)
    html = page(client, article)
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html)[1]
    assert 'name="csrfmiddlewaretoken"' in html
    data = span_at(article, "exports rose 30 percent") | {"kind": "claim"}
    create = reverse("annotate_create", args=[article.pk])

    refused = client.post(create, data, headers=HTMX)  # no token at all
    assert refused.status_code == 403
    assert not article.annotations.exists()

    created = client.post(create, data, headers=HTMX | {"X-CSRFToken": token})
    assert created.status_code == 200
    field = r'name="csrfmiddlewaretoken" value="([^"]+)"'
    fields = set(re.findall(field, created.content.decode()))
    assert len(fields) == 1  # every form of the answer, one masked token
    annotation = article.annotations.get()
    edit = reverse("annotate_edit", args=[annotation.pk])
    # Posted as the browser does without htmx: the field, no header.
    saved = client.post(edit, {"version": annotation.version, "claimant": "The minister",
                               "csrfmiddlewaretoken": fields.pop()})  # fmt: skip
    assert saved.status_code in (200, 302)
    annotation.refresh_from_db()
    assert annotation.claimant == "The minister"
