"""The review screens: who may open and post what, htmx fragments, refusals, query counts."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations import matching, workflow
from annotations.models import (
    Annotation,
    Evidence,
    HistoryEntry,
    Kind,
    Review,
    Source,
    Stance,
    State,
    Verdict,
)
from annotations.policy import Role
from annotations.text import quote_context

from .factories import (
    ArticleFactory,
    SourceFactory,
    UserFactory,
    workflow_in_review,
    workflow_submitted,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PHRASE = "exports rose 30 percent"


submitted = workflow_submitted
in_review = workflow_in_review


def with_evidence(annotation, reviewer):
    workflow.evidence_add(
        annotation_id=annotation.pk, user=reviewer, source=SourceFactory(), stance=Stance.SUPPORTS
    )
    return annotation


def waiting_items(count: int, *, articles: int = 50, authors: int = 10) -> None:
    """`count` submitted annotations spread over many articles and annotators, in bulk."""
    article_rows = ArticleFactory.create_batch(articles)
    author_rows = [UserFactory(role=Role.ANNOTATOR) for _ in range(authors)]
    now = timezone.now()
    rows = []
    for index in range(count):
        article = article_rows[index % articles]
        start = article.body.index(PHRASE)
        end = start + len(PHRASE)
        prefix, suffix = quote_context(article.body, start, end)
        rows.append(
            Annotation(
                article=article,
                author=author_rows[index % authors],
                kind=list(Kind)[index % 3] if index % 3 == 0 else Kind.CLAIM,
                start=start,
                end=end,
                exact=PHRASE,
                prefix=prefix,
                suffix=suffix,
                state=State.SUBMITTED,
                submitted_at=now - timedelta(hours=index),
            )
        )
    Annotation.objects.bulk_create(rows)


def item_url(annotation, name="review_item", *args):
    return reverse(name, args=[annotation.pk, *args])


def content(response) -> str:
    return response.content.decode()


# ---- the queue ----


def test_queue_lists_waiting_items_with_counts(client_for, reviewer, annotator):
    claim = submitted(annotator)
    submitted(annotator, kind=Kind.NUMBER, phrase="US$518.4 billion")
    response = client_for(reviewer).get(reverse("review_queue"))
    assert response.status_code == 200
    assert "<strong>2</strong> waiting" in content(response)
    assert item_url(claim) in content(response)
    assert "1 claim" in content(response) and "1 number" in content(response)


def test_queue_is_forbidden_to_annotators_and_researchers(client_for, annotator, researcher):
    assert client_for(annotator).get(reverse("review_queue")).status_code == 403
    assert client_for(researcher).get(reverse("review_queue")).status_code == 403


def test_queue_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("review_queue"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_queue_rejects_post(client_for, reviewer):
    assert client_for(reviewer).post(reverse("review_queue")).status_code == 405


def test_queue_filters_by_kind_and_annotator(client_for, reviewer, annotator, other_annotator):
    claim = submitted(annotator)
    number = submitted(annotator, kind=Kind.NUMBER, phrase="US$518.4 billion")
    theirs = submitted(other_annotator)
    client = client_for(reviewer)
    by_kind = content(client.get(reverse("review_queue"), {"kind": "number"}))
    assert item_url(number) in by_kind and item_url(claim) not in by_kind
    by_author = content(
        client.get(reverse("review_queue"), {"annotator": other_annotator.username})
    )
    assert item_url(theirs) in by_author and item_url(claim) not in by_author


def test_queue_filters_by_article_and_age(client_for, reviewer, annotator):
    old = submitted(annotator)
    Annotation.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=9))
    new = submitted(annotator)
    client = client_for(reviewer)
    older = content(client.get(reverse("review_queue"), {"age": "older"}))
    assert item_url(old) in older and item_url(new) not in older
    by_article = content(client.get(reverse("review_queue"), {"article": new.article_id}))
    assert item_url(new) in by_article and item_url(old) not in by_article


def test_queue_htmx_request_gets_only_the_results_fragment(client_for, reviewer, annotator):
    annotation = submitted(annotator)
    response = client_for(reviewer).get(reverse("review_queue"), {"kind": "claim"}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in content(response)
    assert item_url(annotation) in content(response)
    assert "Take next" in content(response)


def test_queue_shows_my_items_in_review(client_for, reviewer, annotator):
    mine = in_review(annotator, reviewer)
    response = client_for(reviewer).get(reverse("review_queue"))
    assert "My items in review" in content(response)
    assert item_url(mine) in content(response)


def test_queue_page_queries_stay_bounded_with_500_waiting_items(
    client_for, reviewer, annotator, django_assert_max_num_queries
):
    waiting_items(500)
    in_review(annotator, reviewer)
    client = client_for(reviewer)
    # 12, and the navigation's unread notifications count (cached after the first page).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("review_queue"))
    assert "<strong>500</strong> waiting" in content(response)
    with django_assert_max_num_queries(12):
        client.get(reverse("review_queue"), {"kind": "number", "age": "older", "page": "2"})


# ---- take next ----


def test_take_next_assigns_the_oldest_item_and_opens_it(client_for, reviewer, annotator):
    first = submitted(annotator)
    submitted(annotator)
    response = client_for(reviewer).post(reverse("review_take_next"))
    assert response.status_code == 302 and response.url == item_url(first)
    first.refresh_from_db()
    assert (first.state, first.reviewer) == (State.IN_REVIEW, reviewer)


def test_take_next_keeps_the_queue_filters(client_for, reviewer, annotator):
    submitted(annotator)
    number = submitted(annotator, kind=Kind.NUMBER, phrase="US$518.4 billion")
    response = client_for(reviewer).post(reverse("review_take_next"), {"kind": "number"})
    assert response.url == item_url(number) + "?kind=number"  # the filters go along


def test_take_next_on_an_empty_queue_says_so(client_for, reviewer):
    response = client_for(reviewer).post(
        reverse("review_take_next"), {"kind": "quotation"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("review_queue") + "?kind=quotation"
    assert "Nothing is waiting" in content(response)


def test_take_next_is_forbidden_to_annotators(client_for, annotator, other_annotator):
    submitted(other_annotator)
    assert client_for(annotator).post(reverse("review_take_next")).status_code == 403


def test_take_next_rejects_get(client_for, reviewer):
    assert client_for(reviewer).get(reverse("review_take_next")).status_code == 405


# ---- the item page ----


def test_item_page_shows_the_span_in_its_paragraph(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).get(item_url(annotation))
    page = content(response)
    assert response.status_code == 200
    assert f'id="item-span">{PHRASE}</mark>' in page
    assert "The minister said “" in page  # the rest of the paragraph, as stored
    assert "More than 200 projects" not in page  # not the next paragraph
    assert "Taken for review" in page and "Verify" in page


def test_item_page_lets_the_author_read_but_not_decide(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(annotator).get(item_url(annotation))
    assert response.status_code == 200
    assert 'id="verdict-form"' not in content(response)
    assert "four-eyes" in content(response)


def test_item_page_is_forbidden_to_other_annotators_and_researchers(
    client_for, annotator, other_annotator, researcher
):
    annotation = submitted(annotator)
    assert client_for(other_annotator).get(item_url(annotation)).status_code == 403
    assert client_for(researcher).get(item_url(annotation)).status_code == 403


def test_item_page_of_a_missing_item_is_404(client_for, reviewer):
    assert client_for(reviewer).get(reverse("review_item", args=[999_999])).status_code == 404


def test_item_page_rejects_post(client_for, reviewer, annotator):
    annotation = submitted(annotator)
    assert client_for(reviewer).post(item_url(annotation)).status_code == 405


def test_item_page_offers_take_on_a_waiting_item(client_for, reviewer, annotator):
    annotation = submitted(annotator)
    page = content(client_for(reviewer).get(item_url(annotation)))
    assert "Take this item" in page and 'id="verdict-form"' not in page


def test_item_history_fragment_for_htmx(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).get(item_url(annotation), HTTP_HX_TARGET="history", **HTMX)
    page = content(response)
    assert page.lstrip().startswith('<section id="history"')
    assert "Submitted" in page and "<html" not in page


def test_item_source_search_fragment_for_htmx(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    source = SourceFactory(title="Foreign trade 2024")
    response = client_for(reviewer).get(
        item_url(annotation), {"source_q": "trade 2024"}, HTTP_HX_TARGET="source-results", **HTMX
    )
    page = content(response)
    assert page.lstrip().startswith('<fieldset id="source-results"')
    assert f'value="{source.pk}"' in page and "Foreign trade 2024" in page


def test_item_source_search_works_without_javascript(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    source = SourceFactory(url="https://stats.example.org/trade")
    page = content(
        client_for(reviewer).get(item_url(annotation), {"source_q": "stats.example.org/trade"})
    )
    assert f'name="source" value="{source.pk}"' in page


def test_item_page_queries_stay_bounded(
    client_for, reviewer, annotator, django_assert_max_num_queries
):
    waiting_items(500)
    annotation = in_review(annotator, reviewer)
    for _ in range(10):
        with_evidence(annotation, reviewer)
    matching.index_all()  # the first lookup after a bulk write indexes it (bounded batches)
    client = client_for(reviewer)
    # 10 for the page, 6 for "seen before" (matching.find_matches and the claim groups).
    with django_assert_max_num_queries(16):
        response = client.get(item_url(annotation), {"source_q": "trade"})
    assert content(response).count('class="evidence-item"') == 10


# ---- take and release ----


def test_take_assigns_the_item(client_for, reviewer, annotator):
    annotation = submitted(annotator)
    response = client_for(reviewer).post(
        item_url(annotation, "review_take"), {"version": annotation.version}
    )
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert annotation.reviewer == reviewer


def test_take_with_a_stale_version_is_409_and_changes_nothing(client_for, reviewer, annotator):
    annotation = submitted(annotator)
    response = client_for(reviewer).post(item_url(annotation, "review_take"), {"version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in content(response)
    annotation.refresh_from_db()
    assert annotation.state == State.SUBMITTED


def test_take_of_an_item_someone_else_took_meanwhile_is_refused(
    client_for, reviewer, other_reviewer, annotator
):
    annotation = submitted(annotator)
    workflow.annotation_take(annotation_id=annotation.pk, reviewer=other_reviewer)
    # The page was opened before: its version is stale now.
    response = client_for(reviewer).post(
        item_url(annotation, "review_take"), {"version": annotation.version}
    )
    assert response.status_code == 409
    annotation.refresh_from_db()
    assert annotation.reviewer == other_reviewer


def test_take_by_the_author_is_403(client_for, editor):
    annotation = submitted(editor)
    response = client_for(editor).post(
        item_url(annotation, "review_take"), {"version": annotation.version}
    )
    assert response.status_code == 403
    assert "four-eyes" in content(response)


def test_take_rejects_get(client_for, reviewer, annotator):
    annotation = submitted(annotator)
    assert client_for(reviewer).get(item_url(annotation, "review_take")).status_code == 405


def test_release_puts_the_item_back(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_release"), {"version": annotation.version}
    )
    assert response.status_code == 302 and response.url == reverse("review_queue")
    annotation.refresh_from_db()
    assert annotation.state == State.SUBMITTED


def test_release_by_another_reviewer_is_403(client_for, reviewer, other_reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(other_reviewer).post(
        item_url(annotation, "review_release"), {"version": annotation.version}
    )
    assert response.status_code == 403
    annotation.refresh_from_db()
    assert annotation.reviewer == reviewer


def test_release_rejects_get(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    assert client_for(reviewer).get(item_url(annotation, "review_release")).status_code == 405


# ---- decisions ----


def decide(client, annotation, decision, **data):
    return client.post(
        item_url(annotation, "review_decide"),
        {"version": annotation.version, "decision": decision, **data},
    )


def test_verify_with_evidence_and_a_verdict_succeeds(client_for, reviewer, annotator):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    response = decide(
        client_for(reviewer), annotation, "verify", verdict="accurate", rationale="OK"
    )
    assert response.status_code == 302 and response.url == reverse("review_queue")
    annotation.refresh_from_db()
    assert annotation.state == State.VERIFIED
    assert Review.objects.get(annotation=annotation).verdict == Verdict.ACCURATE


def test_verify_without_evidence_is_422_with_the_reason(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = decide(client_for(reviewer), annotation, "verify", verdict="accurate")
    assert response.status_code == 422
    assert "Add at least one evidence item" in content(response)
    annotation.refresh_from_db()
    assert annotation.state == State.IN_REVIEW


def test_verify_without_a_verdict_is_422_and_keeps_the_rationale(client_for, reviewer, annotator):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    response = decide(client_for(reviewer), annotation, "verify", rationale="Typed text")
    assert response.status_code == 422
    assert "Choose a verdict" in content(response) and "Typed text" in content(response)


def test_verify_with_a_stale_version_is_409(client_for, reviewer, annotator):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_decide"),
        {"version": annotation.version - 1, "decision": "verify", "verdict": "accurate"},
    )
    assert response.status_code == 409
    annotation.refresh_from_db()
    assert annotation.state == State.IN_REVIEW


def test_verify_by_the_author_is_403(client_for, editor, reviewer):
    annotation = with_evidence(in_review(editor, reviewer), reviewer)
    response = decide(client_for(editor), annotation, "verify", verdict="accurate")
    assert response.status_code == 403
    annotation.refresh_from_db()
    assert annotation.state == State.IN_REVIEW


def test_verify_by_an_annotator_who_is_not_the_author_is_403(
    client_for, reviewer, annotator, other_annotator
):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    assert (
        decide(client_for(other_annotator), annotation, "verify", verdict="accurate").status_code
        == 403
    )


def test_reject_without_a_reason_is_422(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = decide(client_for(reviewer), annotation, "reject", rationale=" ")
    assert response.status_code == 422 and "needs a reason" in content(response)


def test_reject_with_a_reason_succeeds(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    decide(client_for(reviewer), annotation, "reject", rationale="Not a claim.")
    annotation.refresh_from_db()
    assert annotation.state == State.REJECTED


def test_send_back_with_a_reason_returns_the_draft_and_the_author_sees_why(
    client_for, reviewer, annotator
):
    annotation = in_review(annotator, reviewer)
    decide(client_for(reviewer), annotation, "send_back", rationale="Include the currency.")
    annotation.refresh_from_db()
    assert annotation.state == State.DRAFT
    page = content(client_for(annotator).get(item_url(annotation)))
    assert "Sent back" in page and "Include the currency." in page and reviewer.username in page


def test_an_unknown_decision_is_422(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    assert decide(client_for(reviewer), annotation, "approve").status_code == 422


def test_decide_rejects_get(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    assert client_for(reviewer).get(item_url(annotation, "review_decide")).status_code == 405


# ---- sources and evidence ----


SOURCE = {
    "url": "HTTPS://Stats.Example.org/trade?utm_source=x",
    "title": "Foreign trade 2024",
    "publisher": "Statistics Office",
    "kind": "statistics",
    "accessed": "2025-01-10",
    "archived_url": "",
}


def test_source_add_creates_and_selects_it_for_htmx(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(item_url(annotation, "review_source_add"), SOURCE, **HTMX)
    source = Source.objects.get()
    page = content(response)
    assert response.status_code == 200
    assert source.url == "https://stats.example.org/trade"
    assert '<div id="messages" class="messages" aria-live="polite" hx-swap-oob="true">' in page
    assert f'value="{source.pk}" form="evidence-form" checked' in page


def test_source_add_without_javascript_redirects_with_the_source_selected(
    client_for, reviewer, annotator
):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(item_url(annotation, "review_source_add"), SOURCE)
    source = Source.objects.get()
    assert response.status_code == 302
    assert response.url == f"{item_url(annotation)}?source={source.pk}#evidence"


def test_source_add_of_a_known_url_reuses_the_source(client_for, reviewer, annotator):
    existing = SourceFactory(url="https://stats.example.org/trade", title="Known")
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(item_url(annotation, "review_source_add"), SOURCE, **HTMX)
    assert Source.objects.count() == 1
    assert "already a source" in content(response)
    assert f'value="{existing.pk}" form="evidence-form" checked' in content(response)


def test_source_add_with_a_bad_url_is_422_with_the_error(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_source_add"), {**SOURCE, "url": "ftp://x"}, **HTMX
    )
    assert response.status_code == 422
    assert "http:// or https://" in content(response)
    assert not Source.objects.exists()


def test_source_add_is_forbidden_to_the_author(client_for, annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    response = client_for(annotator).post(item_url(annotation, "review_source_add"), SOURCE)
    assert response.status_code == 403
    assert not Source.objects.exists()


def test_source_add_rejects_get(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    assert client_for(reviewer).get(item_url(annotation, "review_source_add")).status_code == 405


def evidence_data(source, **overrides):
    return {
        "source": source.pk,
        "stance": "supports",
        "excerpt": "+30.1 %",
        "locator": "Table 2",
        **overrides,
    }


def test_evidence_add_for_htmx_returns_the_panel_and_signals_the_history(
    client_for, reviewer, annotator
):
    annotation = in_review(annotator, reviewer)
    source = SourceFactory()
    response = client_for(reviewer).post(
        item_url(annotation, "review_evidence_add"), evidence_data(source), **HTMX
    )
    assert response.status_code == 200
    assert "historyChanged" in json.loads(response["HX-Trigger"])
    assert '<section id="evidence"' in content(response) and "+30.1 %" in content(response)
    assert Evidence.objects.get().annotation == annotation


def test_evidence_add_without_javascript_redirects_to_the_item(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_evidence_add"), evidence_data(SourceFactory())
    )
    assert response.status_code == 302 and response.url == item_url(annotation) + "#evidence"


def test_evidence_add_without_a_source_is_422(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_evidence_add"), {"stance": "supports"}, **HTMX
    )
    assert response.status_code == 422
    assert "Choose a source" in content(response)


def test_evidence_add_by_a_reviewer_not_holding_the_item_is_403(
    client_for, reviewer, other_reviewer, annotator
):
    annotation = in_review(annotator, reviewer)
    response = client_for(other_reviewer).post(
        item_url(annotation, "review_evidence_add"), evidence_data(SourceFactory()), **HTMX
    )
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_evidence_add_rejects_get(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    assert client_for(reviewer).get(item_url(annotation, "review_evidence_add")).status_code == 405


def test_evidence_remove_marks_it_removed_and_records_it(client_for, reviewer, annotator):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    evidence = Evidence.objects.get()
    response = client_for(reviewer).post(
        item_url(annotation, "review_evidence_remove", evidence.pk), **HTMX
    )
    evidence.refresh_from_db()
    assert response.status_code == 200 and evidence.removed_by == reviewer
    assert HistoryEntry.objects.filter(annotation=annotation, action="evidence_removed").exists()


def test_evidence_remove_of_another_items_evidence_is_404(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    other = with_evidence(in_review(annotator, reviewer), reviewer)
    evidence = Evidence.objects.get(annotation=other)
    response = client_for(reviewer).post(
        item_url(annotation, "review_evidence_remove", evidence.pk)
    )
    assert response.status_code == 404


def test_evidence_remove_by_the_author_is_403(client_for, reviewer, annotator):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    evidence = Evidence.objects.get()
    response = client_for(annotator).post(
        item_url(annotation, "review_evidence_remove", evidence.pk)
    )
    assert response.status_code == 403


def test_evidence_remove_rejects_get(client_for, reviewer, annotator):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    evidence = Evidence.objects.get()
    url = item_url(annotation, "review_evidence_remove", evidence.pk)
    assert client_for(reviewer).get(url).status_code == 405


# ---- the outcome include ----


def test_the_outcome_include_shows_verdict_rating_and_reviewer(client_for, reviewer, annotator):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    workflow.annotation_verify(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version,
        verdict=Verdict.MOSTLY_ACCURATE,
        rationale="Rounded figure.",
    )
    page = content(client_for(annotator).get(item_url(annotation)))
    assert 'data-outcome="verified"' in page
    assert "Mostly accurate" in page and "(4/5)" in page and "Rounded figure." in page
    assert "verdict: Mostly accurate" in page  # and the history says what changed


def test_the_history_says_who_did_what_and_what_changed(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    workflow.annotation_send_back(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version,
        comment="Name the claimant.",
    )
    page = content(client_for(annotator).get(item_url(annotation)))
    for line in (
        "Created",
        "kind: Claim",
        "Taken for review",
        "reviewer: rita",
        "Sent back",
        "reviewer: rita → none",
        "Name the claimant.",
    ):
        assert line in page


def test_an_unknown_verdict_is_422_and_says_it_is_not_an_allowed_verdict(
    client_for, reviewer, annotator
):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    response = decide(client_for(reviewer), annotation, "verify", verdict="excellent")
    assert response.status_code == 422
    assert "“excellent” is not one of the allowed verdicts" in content(response)
    assert "Choose a verdict before verifying" not in content(response)
    annotation.refresh_from_db()
    assert annotation.state == State.IN_REVIEW


@pytest.mark.parametrize("version", ["²", "٣", "99999999999999999999", ""])
def test_a_version_that_is_not_an_id_is_refused_without_a_change(
    client_for, reviewer, annotator, version
):
    annotation = with_evidence(in_review(annotator, reviewer), reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_decide"),
        {"version": version, "decision": "verify", "verdict": "accurate"},
    )
    assert response.status_code == 422
    assert "Version:" in content(response)
    annotation.refresh_from_db()
    assert annotation.state == State.IN_REVIEW


# ---- strict ids in the query string ----


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("²", "source must be a whole number"),
        ("٣", "source must be a whole number"),
        ("1e3", "source must be a whole number"),
        ("9999999999999999999", "source is out of range"),
    ],
)
def test_a_source_id_that_is_not_an_id_is_400_with_the_reason(
    client_for, reviewer, annotator, raw, reason
):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).get(item_url(annotation), {"source": raw})
    assert response.status_code == 400
    assert reason in content(response)


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "2.0"])
def test_a_queue_page_that_is_not_a_number_is_400_with_the_reason(client_for, reviewer, raw):
    response = client_for(reviewer).get(reverse("review_queue"), {"page": raw})
    assert response.status_code == 400
    assert "page must be a whole number" in content(response)


def test_a_queue_page_past_the_end_shows_the_last_page(client_for, reviewer, annotator):
    submitted(annotator)
    response = client_for(reviewer).get(reverse("review_queue"), {"page": "7"})
    assert response.status_code == 200 and "<strong>1</strong> waiting" in content(response)


def test_source_add_without_a_title_labels_the_source_by_its_address(
    client_for, reviewer, annotator
):
    annotation = in_review(annotator, reviewer)
    client = client_for(reviewer)
    form = content(client.get(item_url(annotation)))
    title_label = form.split('for="source-title">')[1].split("</label>")[0]
    assert "required" not in title_label
    assert "labelled by its address" in form
    response = client.post(
        item_url(annotation, "review_source_add"), {**SOURCE, "title": ""}, **HTMX
    )
    assert response.status_code == 200
    assert Source.objects.get().title == "stats.example.org/trade"


# ---- what the user may take: never their own (four-eyes), in counts and Take next ----


def test_an_editors_own_waiting_items_are_not_counted_listed_or_takeable(client_for, editor):
    own = submitted(editor)
    response = client_for(editor).get(reverse("review_queue"))
    page = content(response)
    assert "<strong>0</strong> waiting" in page
    assert item_url(own) not in page
    assert "Take next</button>" in page and "disabled>Take next" in page
    assert "1 of your own annotation waiting" in page


def test_an_editor_counts_and_takes_only_other_peoples_items(client_for, editor, annotator):
    submitted(editor)
    theirs = submitted(annotator)
    client = client_for(editor)
    page = content(client.get(reverse("review_queue")))
    assert "<strong>1</strong> waiting" in page and "1 claim" in page
    assert "disabled>Take next" not in page
    response = client.post(reverse("review_take_next"))
    assert response.url == item_url(theirs)


def test_an_invalid_filter_matches_nothing_rather_than_everything(client_for, reviewer, annotator):
    gone = submitted(annotator)
    other = submitted(annotator)
    workflow.annotation_take(annotation_id=gone.pk, reviewer=reviewer)
    client = client_for(reviewer)
    page = content(client.get(reverse("review_queue"), {"article": gone.article_id}))
    assert "<strong>0</strong> waiting" in page and "Nothing from that article is waiting." in page
    response = client.post(reverse("review_take_next"), {"article": gone.article_id})
    assert response.status_code == 302 and "review/?article=" in response.url
    assert Annotation.objects.get(pk=other.pk).state == State.SUBMITTED


# ---- the queue's filters through the item page and the decision ----


def test_items_of_a_filtered_queue_link_with_the_filters(client_for, reviewer, annotator):
    number = submitted(annotator, kind=Kind.NUMBER, phrase="US$518.4 billion")
    page = content(client_for(reviewer).get(reverse("review_queue"), {"kind": "number"}))
    assert f'href="{item_url(number)}?kind=number"' in page


def test_the_item_page_carries_the_filters_in_its_forms_and_links(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    query = {"kind": "claim", "annotator": annotator.username}
    page = content(client_for(reviewer).get(item_url(annotation), query))
    keep = "?kind=claim&amp;annotator=anna"
    for name in ("review_decide", "review_release", "review_evidence_add", "review_source_add"):
        assert f'action="{item_url(annotation, name)}{keep}"' in page
    assert f'href="{reverse("review_queue")}{keep}"' in page
    assert '<input type="hidden" name="kind" value="claim">' in page  # the source search


def test_a_decision_returns_to_the_filtered_queue(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_decide") + "?kind=claim",
        {"version": annotation.version, "decision": "reject", "rationale": "Not a claim."},
    )
    assert response.url == reverse("review_queue") + "?kind=claim"


def test_verify_and_take_next_takes_the_next_item_matching_the_filters(
    client_for, reviewer, annotator
):
    annotation = with_evidence(
        in_review(annotator, reviewer, kind=Kind.NUMBER, phrase="US$518.4 billion"), reviewer
    )
    submitted(annotator)  # an older claim: not what the filter asks for
    number = submitted(annotator, kind=Kind.NUMBER, phrase="200")
    response = client_for(reviewer).post(
        item_url(annotation, "review_decide") + "?kind=number",
        {"version": annotation.version, "decision": "verify_then_next", "verdict": "accurate"},
    )
    assert response.status_code == 302
    assert response.url == item_url(number) + "?kind=number"
    assert Annotation.objects.get(pk=annotation.pk).state == State.VERIFIED
    number.refresh_from_db()
    assert (number.state, number.reviewer) == (State.IN_REVIEW, reviewer)


def test_reject_and_take_next_says_when_nothing_more_matches(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    other = submitted(annotator, kind=Kind.NUMBER, phrase="US$518.4 billion")
    response = client_for(reviewer).post(
        item_url(annotation, "review_decide") + "?kind=claim",
        {"version": annotation.version, "decision": "reject_then_next", "rationale": "No."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("review_queue") + "?kind=claim"
    assert "Rejected" in content(response) and "Nothing more is waiting" in content(response)
    assert Annotation.objects.get(pk=annotation.pk).state == State.REJECTED
    assert Annotation.objects.get(pk=other.pk).state == State.SUBMITTED


def test_a_refused_verify_and_take_next_takes_nothing(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)  # no evidence: verifying is refused
    waiting = submitted(annotator)
    response = decide(client_for(reviewer), annotation, "verify_then_next", verdict="accurate")
    assert response.status_code == 422
    assert Annotation.objects.get(pk=waiting.pk).state == State.SUBMITTED


def test_adding_evidence_without_javascript_keeps_the_filters(client_for, reviewer, annotator):
    annotation = in_review(annotator, reviewer)
    response = client_for(reviewer).post(
        item_url(annotation, "review_evidence_add") + "?kind=claim",
        evidence_data(SourceFactory()),
    )
    assert response.url == item_url(annotation) + "?kind=claim#evidence"


@pytest.mark.parametrize("raw", ["٣", "²", "1e3"])
def test_evidence_for_a_source_id_that_is_not_an_id_is_422_and_writes_nothing(
    client_for, reviewer, annotator, raw
):
    annotation = in_review(annotator, reviewer)
    SourceFactory.create_batch(3)  # "٣" would read as source 3 without the strict parse
    response = client_for(reviewer).post(
        item_url(annotation, "review_evidence_add"), {"source": raw, "stance": "supports"}
    )
    assert response.status_code == 422
    assert not Evidence.objects.exists()


def test_a_queue_filter_by_an_article_id_that_is_not_an_id_matches_nothing(
    client_for, reviewer, annotator
):
    waiting = submitted(annotator)
    # The article's own id in Arabic-Indic digits: int() reads it, a strict parse does not.
    lookalike = "".join(chr(0x0660 + int(digit)) for digit in str(waiting.article_id))
    assert int(lookalike) == waiting.article_id
    page = content(client_for(reviewer).get(reverse("review_queue"), {"article": lookalike}))
    assert "<strong>0</strong> waiting" in page
