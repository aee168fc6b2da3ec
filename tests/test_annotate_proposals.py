"""The assistant's proposals on the annotate screen: drawn in the text, accepted, dismissed,
accepted a paragraph at a time, proposed on demand; refusals; what other screens see; and
query counts that do not grow with 300 pending proposals on 1,000 spans.
"""

import re

import pytest
from django.urls import reverse

from annotations.highlight import body_html
from annotations.models import Annotation, HistoryEntry, Kind, State, Suggestion, SuggestionStatus
from annotations.proposals import proposal_row, suggestion_dismiss, suggestions_refresh
from annotations.suggest import Proposal
from annotations.workflow import annotation_create
from tests.factories import ArticleFactory, overlapping_annotations
from tests.test_annotate_fragments import (
    CREATE_QUERY_BOUND,
    LONG_BODY,
    POLL_QUERY_BOUND,
    Screen,
    _at,
    check,
    page,
    poll,
    post,
)
from tests.test_annotate_views import FRAGMENT_QUERY_BOUND, PAGE_QUERY_BOUND, body_text

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BODY = (
    "Exports rose 30 percent to US$518.4 billion in 2024, the minister said.\n\n"
    "“We will double it by 2030,” said Trade Minister Ana Ruiz. More than 200 firms agreed."
)
# A proposal's marks in the body: one per segment it covers, `ps` on the first.
_STARTS = re.compile(r'<span class="p k-\w+ ps(?: pe)?" data-p="(\d+)"')


def at(body, phrase):
    start = body.index(phrase)
    return start, start + len(phrase)


def number(body, phrase, **attributes):
    start, end = at(body, phrase)
    return Proposal(start, end, "number", attributes, score=0.9, engine="numbers", version="t1")


@pytest.fixture
def proposed(annotator):
    """An article with three number proposals (two in the first paragraph) and a quotation."""
    article = ArticleFactory(body=BODY)
    start, end = at(BODY, "“We will double it by 2030,”")
    suggestions_refresh(
        article=article,
        proposals=[
            number(BODY, "30 percent", number_value="30", number_unit="percent"),
            number(BODY, "US$518.4 billion", number_value="518400000000", number_unit="USD",
                   number_scale="billion"),
            number(BODY, "More than 200", number_value="200", number_qualifier="more than"),
            Proposal(start, end, "quotation", {"speaker": "Ana Ruiz", "speech_type": "direct"},
                     score=0.8, engine="quotations", version="t1"),
        ],
    )  # fmt: skip
    article.refresh_from_db()
    return article


def proposal(article, exact) -> Suggestion:
    return Suggestion.objects.get(article=article, exact=exact)


def url(name, article):
    return reverse(name, args=[article.pk])


def shown(article):
    article.refresh_from_db()
    return HTMX | {"X-Annotations-Shown": str(article.annotations_version)}


def drawn_proposals(html: str) -> list[int]:
    body = re.search(r'<div id="article-body"[^>]*>(.*?)</div>', html, re.S)
    return [int(found) for found in _STARTS.findall(body[1] if body else html)]


# ---- Drawn in the text ----


def test_the_page_draws_pending_proposals_apart_with_counts_per_kind(
    client_for, annotator, proposed
):
    money = proposal(proposed, "US$518.4 billion")
    suggestion_dismiss(suggestion_id=proposal(proposed, "30 percent").pk, user=annotator)

    html = client_for(annotator).get(url("article_detail", proposed)).content.decode()

    assert sorted(drawn_proposals(html)) == sorted(
        Suggestion.objects.pending().filter(article=proposed).values_list("pk", flat=True)
    )
    assert f'data-p="{money.pk}" title="Proposed number: 518400000000 USD · scale: billion' in html
    assert body_text(html)[0] == proposed.body  # the marks add no text
    counts = re.findall(r'id="proposal-show-(\w+)".*?<span class="count">(\d+)</span>', html)
    assert counts == [("claim", "0"), ("number", "2"), ("quotation", "1")]
    assert 'id="propose"' in html and 'id="proposal-form"' in html


def test_overlapping_proposals_and_annotations_share_the_segments(annotator, proposed):
    claim = annotation_create(
        article=proposed, author=annotator, kind=Kind.CLAIM, start=0, end=51, exact=BODY[:51]
    )
    pending = Suggestion.objects.pending().filter(article=proposed)
    spans = [claim]
    html = str(body_html(BODY, spans, proposals=[_screen(row) for row in pending]))

    money = proposal(proposed, "US$518.4 billion")
    # The money proposal sits inside the claim: its one segment carries both.
    assert re.search(
        rf'<span class="seg on pr" [^>]*data-ids="{claim.pk}" data-pids="{money.pk}">'
        rf'<span class="m k-claim l0"><span class="p k-number ps pe" data-p="{money.pk}"',
        html,
    )


def _screen(suggestion):
    from annotations.highlight import ScreenProposal

    return ScreenProposal(*(getattr(suggestion, name) for name in ScreenProposal._fields))


def test_a_reader_sees_the_proposals_without_the_controls(client_for, reviewer, proposed):
    html = client_for(reviewer).get(url("article_detail", proposed)).content.decode()
    assert len(drawn_proposals(html)) == 4
    assert 'id="propose"' not in html and 'id="proposal-form"' not in html


# ---- Accept ----


def test_accept_makes_it_the_annotators_draft_with_its_attributes_and_opens_it(
    client_for, annotator, proposed
):
    money = proposal(proposed, "US$518.4 billion")
    response = client_for(annotator).post(
        url("proposal_accept", proposed), {"suggestion": money.pk}, headers=shown(proposed)
    )

    assert response.status_code == 200
    draft = Annotation.objects.get(article=proposed)
    assert (draft.start, draft.end, draft.exact) == (money.start, money.end, money.exact)
    assert draft.author == annotator and draft.state == State.DRAFT and draft.kind == Kind.NUMBER
    assert (draft.number_value, draft.number_unit, draft.number_scale) == (
        518400000000, "USD", "billion",
    )  # fmt: skip
    assert draft.suggestion == money
    money.refresh_from_db()
    assert money.status == SuggestionStatus.ACCEPTED and money.decided_by == annotator
    html = response.content.decode()
    assert html.startswith('<p id="proposal-status"') and "Accepted" in html
    assert f'data-open="{draft.pk}"' in html  # the panel opens on the new draft
    assert 'id="article-body"' not in html  # only what changed: its paragraph
    assert f'data-ids="{draft.pk}"' in html and f'data-p="{money.pk}"' not in html
    assert re.search(r'id="proposal-show-number".*?<span class="count">2</span>', html, re.S)


def test_accept_without_javascript_redirects_to_the_new_draft(client_for, annotator, proposed):
    money = proposal(proposed, "US$518.4 billion")
    response = client_for(annotator).post(
        url("proposal_accept", proposed), {"suggestion": money.pk}
    )
    draft = Annotation.objects.get(article=proposed)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?a={draft.pk}#panel")


def test_an_accept_seen_from_another_screen_removes_the_proposal(
    client_for, annotator, other_annotator, proposed
):
    from django.test import Client

    theirs = Client()
    theirs.force_login(other_annotator)
    screen = Screen(page(theirs, proposed))
    money = proposal(proposed, "US$518.4 billion")

    client_for(annotator).post(url("proposal_accept", proposed), {"suggestion": money.pk})
    response = poll(theirs, proposed, screen)

    html = response.content.decode()
    assert f'data-p="{money.pk}"' not in html and 'id="para-0"' in html
    screen.apply(html)
    check(theirs, proposed, screen)  # as a fresh page draws it


# ---- Dismiss ----


def test_dismiss_hides_it_for_everyone_and_the_other_screen_catches_up(
    client_for, annotator, other_annotator, proposed
):
    from django.test import Client

    theirs = Client()
    theirs.force_login(other_annotator)
    screen = Screen(page(theirs, proposed))
    quotation = proposal(proposed, "“We will double it by 2030,”")

    response = client_for(annotator).post(
        url("proposal_dismiss", proposed), {"suggestion": quotation.pk}, headers=shown(proposed)
    )

    assert response.status_code == 200
    assert "Dismissed" in response.content.decode()
    quotation.refresh_from_db()
    assert quotation.status == SuggestionStatus.DISMISSED and quotation.decided_by == annotator
    assert not Annotation.objects.exists()
    html = poll(theirs, proposed, screen).content.decode()
    assert 'id="para-1"' in html and f'data-p="{quotation.pk}"' not in html
    screen.apply(html)
    check(theirs, proposed, screen)


# ---- Accept all of a kind in the paragraph ----


def test_accept_paragraph_takes_every_pending_proposal_of_the_kind_in_it_and_no_other(
    client_for, annotator, proposed
):
    money = proposal(proposed, "US$518.4 billion")
    response = client_for(annotator).post(
        url("proposal_accept_paragraph", proposed), {"suggestion": money.pk},
        headers=shown(proposed),
    )  # fmt: skip

    assert response.status_code == 200
    assert "Accepted 2 numbers in this paragraph." in response.content.decode()
    accepted = Annotation.objects.filter(article=proposed).order_by("start")
    assert [draft.exact for draft in accepted] == ["30 percent", "US$518.4 billion"]
    assert accepted[0].number_unit == "percent" and accepted[1].number_scale == "billion"
    assert HistoryEntry.objects.filter(annotation__in=accepted, action="created").count() == 2
    # The second paragraph's number and the quotation wait.
    assert set(
        Suggestion.objects.pending().filter(article=proposed).values_list("exact", flat=True)
    ) == {"More than 200", "“We will double it by 2030,”"}


def test_accept_paragraph_with_nothing_left_is_a_409(client_for, annotator, proposed):
    quotation = proposal(proposed, "“We will double it by 2030,”")
    client = client_for(annotator)
    client.post(url("proposal_accept", proposed), {"suggestion": quotation.pk})

    response = client.post(
        url("proposal_accept_paragraph", proposed), {"suggestion": quotation.pk}, headers=HTMX
    )
    assert response.status_code == 409
    assert "No pending proposal of this kind" in response.content.decode()


# ---- Propose on demand ----


def test_propose_runs_the_engines_on_this_article(client_for, annotator):
    article = ArticleFactory(body=BODY)
    client = client_for(annotator)

    response = client.post(url("proposals_run", article), headers=shown(article))

    added = Suggestion.objects.filter(article=article).count()
    assert response.status_code == 200 and added > 0
    html = response.content.decode()
    assert f"{added} new proposals." in html
    assert len(drawn_proposals(html)) == added  # the whole body, drawn again
    again = client.post(url("proposals_run", article), headers=shown(article))
    assert "Nothing new." in again.content.decode()
    assert Suggestion.objects.filter(article=article).count() == added


def test_propose_without_javascript_redirects_to_the_page(client_for, editor):
    article = ArticleFactory(body=BODY)
    response = client_for(editor).post(url("proposals_run", article))
    assert response.status_code == 302 and response["Location"] == url("article_detail", article)


# ---- Refusals ----


@pytest.mark.parametrize(
    "name", ["proposal_accept", "proposal_dismiss", "proposal_accept_paragraph", "proposals_run"]
)
@pytest.mark.parametrize("persona", ["reviewer", "researcher", "outsider"])
def test_a_role_that_does_not_annotate_is_refused_and_nothing_changes(
    client_for, proposed, name, persona, request
):
    money = proposal(proposed, "US$518.4 billion")
    version = proposed.annotations_version
    response = client_for(request.getfixturevalue(persona)).post(
        url(name, proposed), {"suggestion": money.pk}, headers=HTMX
    )
    assert response.status_code == 403
    assert not Annotation.objects.exists()
    assert not Suggestion.objects.filter(article=proposed).exclude(status="pending").exists()
    proposed.refresh_from_db()
    assert proposed.annotations_version == version


def test_anonymous_users_are_sent_to_log_in(client, proposed):
    response = client.post(url("proposal_accept", proposed), {"suggestion": 1})
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "name", ["proposal_accept", "proposal_dismiss", "proposal_accept_paragraph", "proposals_run"]
)
def test_the_actions_reject_get(client_for, annotator, proposed, name):
    assert client_for(annotator).get(url(name, proposed)).status_code == 405


@pytest.mark.parametrize("name", ["proposal_accept", "proposal_dismiss"])
def test_a_proposal_decided_already_is_a_409_that_brings_the_screen_up_to_date(
    client_for, annotator, other_annotator, proposed, name
):
    money = proposal(proposed, "US$518.4 billion")
    headers = shown(proposed)  # the screen, before someone else accepts it
    client_for(other_annotator).post(url("proposal_accept", proposed), {"suggestion": money.pk})

    response = client_for(annotator).post(url(name, proposed), {"suggestion": money.pk},
                                          headers=headers)  # fmt: skip

    assert response.status_code == 409
    html = response.content.decode()
    assert "This proposal was already accepted." in html
    assert f'data-p="{money.pk}"' not in html and 'id="para-0"' in html  # redrawn without it
    assert Annotation.objects.filter(article=proposed).count() == 1


def test_a_proposal_decided_already_without_javascript_is_a_409_page(
    client_for, annotator, proposed
):
    money = proposal(proposed, "US$518.4 billion")
    suggestion_dismiss(suggestion_id=money.pk, user=annotator)
    response = client_for(annotator).post(
        url("proposal_accept", proposed), {"suggestion": money.pk}
    )
    assert response.status_code == 409
    assert "This proposal was already dismissed." in response.content.decode()


def test_accepting_a_span_the_annotator_already_has_is_a_409(client_for, annotator, proposed):
    money = proposal(proposed, "US$518.4 billion")
    annotation_create(article=proposed, author=annotator, kind=Kind.NUMBER, start=money.start,
                      end=money.end, exact=money.exact)  # fmt: skip
    response = client_for(annotator).post(
        url("proposal_accept", proposed), {"suggestion": money.pk}, headers=HTMX
    )
    assert response.status_code == 409
    assert "You already marked this text" in response.content.decode()
    money.refresh_from_db()
    assert money.status == SuggestionStatus.PENDING


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_a_proposal_of_another_article_is_a_404(client_for, annotator, proposed, headers):
    other = ArticleFactory(body=BODY + " Another day.")
    money = proposal(proposed, "US$518.4 billion")
    response = client_for(annotator).post(
        url("proposal_accept", other), {"suggestion": money.pk}, headers=headers
    )
    assert response.status_code == 404
    if headers:
        assert "not one of this article" in response.content.decode()
    money.refresh_from_db()
    assert money.status == SuggestionStatus.PENDING and not Annotation.objects.exists()


@pytest.mark.parametrize("raw", ["", "abc", "²", "٣", "-1", "1.0", "99999999999999999999"])
@pytest.mark.parametrize(
    "name", ["proposal_accept", "proposal_dismiss", "proposal_accept_paragraph"]
)
def test_a_malformed_proposal_id_is_a_400_that_says_so(client_for, annotator, proposed, raw, name):
    response = client_for(annotator).post(url(name, proposed), {"suggestion": raw})
    assert response.status_code == 400
    assert "The proposal (suggestion)" in response.content.decode()
    assert not Suggestion.objects.exclude(status="pending").exists()


def test_a_missing_proposal_id_is_a_400_and_an_unknown_one_a_404(client_for, annotator, proposed):
    client = client_for(annotator)
    assert client.post(url("proposal_dismiss", proposed)).status_code == 400
    assert client.post(url("proposal_dismiss", proposed), {"suggestion": 987654}).status_code == 404


def test_a_missing_article_is_a_404(client_for, annotator):
    assert client_for(annotator).post("/articles/987654/proposals/run/").status_code == 404


# ---- Query counts with 300 pending proposals on 1,000 spans ----

# The request's (user, the article, the proposal; the permissions come from the cache),
# the write's (begin, the proposal and its article's lock read again, its status, the
# create's own: lock and version, the live spans, insert, history; the decision, commit),
# where spans crowd the neighbours whose lane moved (one update), and the answer's (the
# spans, the proposals, the moved rows, the panel's history): 19 at most, whatever the
# number of spans and proposals.
ACCEPT_QUERY_BOUND = 19
# Without the create: the request's, the proposal locked and decided, the version bump,
# the answer's.
DISMISS_QUERY_BOUND = 12


def propose_many(article, count: int) -> list[Suggestion]:
    """`count` pending proposals on distinct words of the article, kinds in turn, some
    overlapping each other (a claim over a few words) and the annotations."""
    words = [match.span() for match in re.finditer(r"\w+", article.body)]
    step = len(words) // count
    rows = []
    for index in range(count):
        first = words[index * step]
        last = words[min(index * step + (index % 3) * 2, len(words) - 1)]
        kind = ("number", "quotation", "claim")[index % 3]
        proposal = Proposal(first[0], last[1], kind, score=0.5, engine="load", version="1")
        rows.append(proposal_row(article, proposal))
    return Suggestion.objects.bulk_create(rows)


@pytest.mark.parametrize("spans, proposals", [(10, 10), (1000, 300)])
def test_query_counts_do_not_grow_with_pending_proposals(
    client_for, annotator, other_annotator, django_assert_max_num_queries, spans, proposals
):
    article = ArticleFactory(body=LONG_BODY)
    overlapping_annotations(article, [annotator, other_annotator], spans)
    pending = propose_many(article, proposals)
    client = client_for(annotator)
    opened = article.annotations.filter(author=annotator).first()

    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = client.get(url("article_detail", article), {"a": opened.pk})
    html = response.content.decode()
    assert len(drawn_proposals(html)) == proposals
    assert body_text(html)[0] == article.body
    screen = Screen(html)

    with django_assert_max_num_queries(FRAGMENT_QUERY_BOUND):
        assert client.get(url("annotate_poll", article), headers=HTMX).status_code == 200
    data = {"kind": "number", "start": 0, "end": 9, "exact": article.body[:9]}
    with django_assert_max_num_queries(CREATE_QUERY_BOUND):
        response = post(client, "annotate_create", article.pk, data, screen)
    assert response.status_code == 200
    screen.apply(response.content.decode())

    before = screen.version
    with django_assert_max_num_queries(ACCEPT_QUERY_BOUND):
        response = post(
            client, "proposal_accept", article.pk, {"suggestion": pending[5].pk}, screen
        )
    assert response.status_code == 200
    screen.apply(response.content.decode())
    with django_assert_max_num_queries(DISMISS_QUERY_BOUND):
        response = post(
            client, "proposal_dismiss", article.pk, {"suggestion": pending[7].pk}, screen
        )
    assert response.status_code == 200
    screen.apply(response.content.decode())
    check(client, article, screen)

    watcher = client_for(other_annotator)
    with django_assert_max_num_queries(POLL_QUERY_BOUND):
        response = poll(watcher, article, _at(before))  # a screen that missed both
    assert response.status_code == 200 and 'id="article-body"' not in response.content.decode()
