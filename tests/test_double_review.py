"""Double review: two independent decisions per item by two reviewers, the first sealed
until the second; agreement decides, a disagreement waits for an editor to settle it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from annotations import double_review, policy, workflow
from annotations.agreement_data import agreement_data
from annotations.models import (
    Annotation,
    Article,
    DoubleReview,
    DoubleReviewRound,
    HistoryAction,
    HistoryEntry,
    Notification,
    Review,
    RoundStatus,
    Stance,
    State,
    Verdict,
)
from annotations.policy import Action, Role

from .factories import ArticleFactory, SourceFactory, UserFactory, workflow_submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def third_reviewer(db):
    return UserFactory(username="rosa", role=Role.REVIEWER)


def double_reviewed_item(author, editor, **kwargs):
    """A submitted item on a new article under double review."""
    article = ArticleFactory()
    double_review.double_review_mark(articles=Article.objects.filter(pk=article.pk), editor=editor)
    return workflow_submitted(author, article=article, **kwargs)


def current(annotation) -> Annotation:
    return Annotation.objects.get(pk=annotation.pk)


def decide(annotation, reviewer, verdict=None, *, rationale=""):
    """`reviewer` takes the item and verifies it with `verdict` (with evidence if it has
    none yet), or rejects it when `verdict` is None."""
    taken = workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)
    if verdict is None:
        return workflow.annotation_reject(
            annotation_id=taken.pk,
            reviewer=reviewer,
            version=taken.version,
            rationale=rationale or "Not a claim.",
        )
    if not taken.evidence.live().exists():
        workflow.evidence_add(
            annotation_id=taken.pk, user=reviewer, source=SourceFactory(), stance=Stance.SUPPORTS
        )
    return workflow.annotation_verify(
        annotation_id=taken.pk,
        reviewer=reviewer,
        version=taken.version,
        verdict=verdict,
        rationale=rationale,
    )


def settle(annotation, editor, verdict=Verdict.ACCURATE):
    return workflow.annotation_settle(
        annotation_id=annotation.pk,
        editor=editor,
        version=current(annotation).version,
        outcome="verified",
        verdict=verdict,
    )


# ---- The workflow ----


def test_without_double_review_one_decision_decides_the_item(annotator, reviewer):
    item = workflow_submitted(annotator)
    decided = decide(item, reviewer, Verdict.ACCURATE)
    assert decided.state == State.VERIFIED
    assert not DoubleReviewRound.objects.exists()


def test_the_first_decision_returns_the_item_to_the_queue_in_its_old_place(
    annotator, reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    after = decide(item, reviewer, Verdict.MISLEADING, rationale="Half the story.")
    assert (after.state, after.reviewer, after.taken_at) == (State.SUBMITTED, None, None)
    assert after.submitted_at == item.submitted_at
    assert after.decided_at is None
    review = Review.objects.get(annotation=item)
    assert (review.reviewer, review.verdict) == (reviewer, Verdict.MISLEADING)
    review_round = DoubleReviewRound.objects.get(annotation=item)
    assert (review_round.status, review_round.first) == (RoundStatus.WAITING, review)
    assert Annotation.objects.waiting().filter(pk=item.pk).exists()


def test_the_first_decisions_history_entry_says_neither_outcome_nor_verdict(
    annotator, reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.MISLEADING, rationale="Half the story.")
    entry = HistoryEntry.objects.filter(annotation=item).latest("id")
    assert entry.action == HistoryAction.FIRST_REVIEW
    assert (entry.from_state, entry.to_state) == (State.IN_REVIEW, State.SUBMITTED)
    assert entry.comment == ""
    assert "verdict" not in entry.changes


def test_the_first_decision_tells_the_author_nothing(annotator, reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, None)
    assert current(item).state == State.SUBMITTED
    assert not Notification.objects.filter(recipient=annotator).exists()


def test_the_first_reviewer_cannot_take_the_item_again(annotator, reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    reason = policy.reason_denied(reviewer, Action.TAKE, current(item))
    assert reason == (
        "You gave this item's first review: a second reviewer decides it (double review)."
    )
    with pytest.raises(PermissionDenied):
        workflow.annotation_take(annotation_id=item.pk, reviewer=reviewer)
    assert workflow.queue_take_next(reviewer=reviewer) is None


def test_another_reviewer_takes_it_next(annotator, reviewer, other_reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    taken = workflow.queue_take_next(reviewer=other_reviewer)
    assert (taken.pk, taken.reviewer) == (item.pk, other_reviewer)


def test_the_author_reviews_neither_decision_four_eyes_rule(editor, reviewer):
    item = double_reviewed_item(editor, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    assert not policy.allows(editor, Action.TAKE, current(item))
    assert workflow.queue_take_next(reviewer=editor) is None


def test_two_equal_verdicts_verify_the_item(annotator, reviewer, other_reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.MOSTLY_ACCURATE)
    decided = decide(item, other_reviewer, Verdict.MOSTLY_ACCURATE)
    assert (decided.state, decided.reviewer) == (State.VERIFIED, other_reviewer)
    assert decided.decided_at is not None
    review_round = DoubleReviewRound.objects.get(annotation=item)
    assert review_round.status == RoundStatus.AGREED
    assert review_round.closed_at is not None
    assert Notification.objects.filter(recipient=annotator).count() == 1
    entry = HistoryEntry.objects.filter(annotation=item).latest("id")
    assert entry.action == HistoryAction.VERIFIED
    assert entry.changes["verdict"] == [None, Verdict.MOSTLY_ACCURATE]


def test_two_rejections_reject_the_item(annotator, reviewer, other_reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, None)
    assert decide(item, other_reviewer, None).state == State.REJECTED
    assert DoubleReviewRound.objects.get(annotation=item).status == RoundStatus.AGREED


@pytest.mark.parametrize(
    "first, second",
    [
        (Verdict.ACCURATE, Verdict.MOSTLY_ACCURATE),
        (Verdict.ACCURATE, None),
        (None, Verdict.INACCURATE),
    ],
    ids=["different-verdicts", "verified-then-rejected", "rejected-then-verified"],
)
def test_two_different_decisions_leave_the_item_disputed(
    annotator, reviewer, other_reviewer, third_reviewer, editor, first, second
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, first)
    after = decide(item, other_reviewer, second)
    assert (after.state, after.reviewer) == (State.SUBMITTED, None)
    assert DoubleReviewRound.objects.get(annotation=item).status == RoundStatus.DISPUTED
    # Nobody takes it: an editor settles it.
    for person in (reviewer, other_reviewer, third_reviewer, editor):
        assert policy.reason_denied(person, Action.TAKE, current(item)) == (
            "Its two reviewers disagree: an editor settles this item."
        )
    assert workflow.queue_take_next(reviewer=third_reviewer) is None
    assert list(double_review.disputed_items()) == [current(item)]
    assert not Notification.objects.filter(recipient=annotator).exists()
    entry = HistoryEntry.objects.filter(annotation=item).latest("id")
    assert entry.action == HistoryAction.DISPUTED
    assert set(entry.changes) == {"first_review", "second_review", "reviewer"}


def test_the_disputed_history_entry_names_both_decisions(
    annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, None, rationale="Opinion, not a claim.")
    entry = HistoryEntry.objects.filter(annotation=item).latest("id")
    assert entry.changes["first_review"] == "verified: accurate"
    assert entry.changes["second_review"] == "rejected"
    assert entry.changes["reviewer"] == ["rolf", None]  # back in the queue, held by nobody


def test_an_editor_settles_a_disputed_item_with_a_final_verdict(
    annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, Verdict.MISLEADING)
    settled = settle(item, editor, Verdict.MOSTLY_ACCURATE)
    assert (settled.state, settled.reviewer) == (State.VERIFIED, editor)
    review_round = DoubleReviewRound.objects.get(annotation=item)
    assert review_round.status == RoundStatus.SETTLED
    assert review_round.settlement.verdict == Verdict.MOSTLY_ACCURATE
    entry = HistoryEntry.objects.filter(annotation=item).latest("id")
    assert (entry.action, entry.to_state) == (HistoryAction.SETTLED, State.VERIFIED)
    assert Notification.objects.filter(recipient=annotator).count() == 1
    assert not double_review.disputed_items().exists()


def test_an_editor_may_settle_by_rejecting(annotator, reviewer, other_reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, None)
    settled = workflow.annotation_settle(
        annotation_id=item.pk,
        editor=editor,
        version=current(item).version,
        outcome="rejected",
        rationale="A prediction.",
    )
    assert settled.state == State.REJECTED


def test_an_editor_who_gave_one_of_the_reviews_does_not_settle(annotator, other_reviewer):
    editor = UserFactory(role=Role.EDITOR)
    item = double_reviewed_item(annotator, editor)
    decide(item, editor, Verdict.ACCURATE)
    decide(item, other_reviewer, Verdict.INACCURATE)
    with pytest.raises(PermissionDenied, match="another editor settles"):
        settle(item, editor)
    assert current(item).state == State.SUBMITTED


def test_a_reviewer_does_not_settle(annotator, reviewer, other_reviewer, third_reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, Verdict.INACCURATE)
    with pytest.raises(PermissionDenied, match="Only editors"):
        settle(item, third_reviewer)


def test_only_a_disputed_item_is_settled(annotator, reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    with pytest.raises(PermissionDenied, match="two reviewers disagree can be settled"):
        settle(item, editor)


def test_settling_as_verified_needs_a_verdict(annotator, reviewer, other_reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, Verdict.INACCURATE)
    with pytest.raises(workflow.WorkflowError, match="Choose a verdict"):
        settle(item, editor, verdict="")
    assert DoubleReviewRound.objects.get(annotation=item).status == RoundStatus.DISPUTED


def test_the_second_reviewer_sending_back_ends_the_round(
    annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    taken = workflow.annotation_take(annotation_id=item.pk, reviewer=other_reviewer)
    back = workflow.annotation_send_back(
        annotation_id=item.pk, reviewer=other_reviewer, version=taken.version, comment="Fix it."
    )
    assert back.state == State.DRAFT
    assert DoubleReviewRound.objects.get(annotation=item).status == RoundStatus.SENT_BACK
    # Submitted again, it needs two new decisions; the first reviewer may take it again.
    again = workflow.annotation_submit(annotation_id=item.pk, user=annotator, version=back.version)
    assert policy.allows(reviewer, Action.TAKE, again)
    decide(item, reviewer, Verdict.ACCURATE)
    assert current(item).state == State.SUBMITTED
    assert DoubleReviewRound.objects.filter(annotation=item).count() == 2


def test_the_first_reviewer_sending_back_opens_no_round(annotator, reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    taken = workflow.annotation_take(annotation_id=item.pk, reviewer=reviewer)
    workflow.annotation_send_back(
        annotation_id=item.pk, reviewer=reviewer, version=taken.version, comment="Fix it."
    )
    assert current(item).state == State.DRAFT
    assert not DoubleReviewRound.objects.exists()


def test_a_round_started_finishes_under_its_rule_after_double_review_is_switched_off(
    annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    double_review.double_review_unmark(
        articles=Article.objects.filter(pk=item.article_id), editor=editor
    )
    assert not policy.allows(reviewer, Action.TAKE, current(item))
    assert decide(item, other_reviewer, Verdict.INACCURATE).state == State.SUBMITTED
    # The next item of that article is decided by one reviewer again.
    other = workflow_submitted(annotator, article=item.article, confirm_duplicate=True)
    assert decide(other, reviewer, Verdict.ACCURATE).state == State.VERIFIED


# ---- The queue ----


def test_the_queue_offers_a_first_reviewed_item_to_everyone_but_its_first_reviewer(
    annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    untouched = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    waiting = Annotation.objects.waiting()
    assert list(policy.takeable_by(reviewer, waiting)) == [untouched]
    assert set(policy.takeable_by(other_reviewer, waiting)) == {item, untouched}
    assert list(policy.takeable_by(annotator, waiting)) == []


def test_the_queue_offers_no_disputed_item(annotator, reviewer, other_reviewer, third_reviewer):
    editor = UserFactory(role=Role.EDITOR)
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, Verdict.INACCURATE)
    for person in (third_reviewer, editor):
        assert not policy.takeable_by(person, Annotation.objects.waiting()).exists()


def test_the_queue_page_lists_the_item_for_the_second_reviewer_only(
    client_for, annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    url = reverse("review_item", args=[item.pk])
    assert url not in client_for(reviewer).get(reverse("review_queue")).content.decode()
    assert url in client_for(other_reviewer).get(reverse("review_queue")).content.decode()


def test_the_queue_page_costs_the_same_queries_under_double_review(
    client_for, annotator, reviewer, other_reviewer, editor, django_assert_max_num_queries
):
    for _ in range(30):
        decide(double_reviewed_item(annotator, editor), other_reviewer, Verdict.ACCURATE)
    for _ in range(5):
        double_reviewed_item(annotator, editor)
    client = client_for(reviewer)
    client.get(reverse("review_queue"))  # the navigation's counts, cached after a first page
    # As tests/test_review_views.py bounds the plain queue (12 once the navigation is cached).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("review_queue"))
    assert "<strong>35</strong> waiting" in response.content.decode()
    client = client_for(other_reviewer)
    client.get(reverse("review_queue"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("review_queue"))
    assert "<strong>5</strong> waiting" in response.content.decode()


# ---- The sealed first decision ----


def test_the_second_reviewer_does_not_see_the_first_decision_before_deciding(
    client_for, annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.MISLEADING, rationale="Missing the base year.")
    workflow.annotation_take(annotation_id=item.pk, reviewer=other_reviewer)
    page = client_for(other_reviewer).get(reverse("review_item", args=[item.pk])).content.decode()
    assert "Misleading" not in page.replace('value="misleading">Misleading (3/5)', "")
    assert "Missing the base year." not in page
    assert 'id="outcome-heading"' not in page  # no "Latest review" card
    assert "it stays sealed until you decide" in page
    assert "First review given" in page  # the history says a decision was made, not which


def test_nobody_but_the_first_reviewer_reads_the_sealed_decision(
    client_for, api_as, annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.MISLEADING, rationale="Missing the base year.")
    for person in (annotator, other_reviewer, editor):
        page = client_for(person).get(reverse("review_item", args=[item.pk])).content.decode()
        assert "Missing the base year." not in page, person
        detail = api_as(person).get(f"/annotations/{item.pk}").json()
        assert detail["reviews"] == [], person
        assert detail.get("verdict") is None, person
    own = client_for(reviewer).get(reverse("review_item", args=[item.pk])).content.decode()
    assert "Missing the base year." in own
    assert "You gave this item's first review" in own
    assert api_as(reviewer).get(f"/annotations/{item.pk}").json()["reviews"][0]["verdict"] == (
        Verdict.MISLEADING
    )


def test_once_both_decided_both_decisions_show_to_the_editor_who_settles(
    client_for, annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.MISLEADING, rationale="Missing the base year.")
    decide(item, other_reviewer, Verdict.ACCURATE, rationale="Matches the statistics.")
    page = client_for(editor).get(reverse("review_item", args=[item.pk])).content.decode()
    assert "The two reviewers disagree" in page
    assert "Missing the base year." in page and "Matches the statistics." in page
    assert 'id="settle-form"' in page


# ---- The screens: settle, the disputed list, the switch ----


def disputed(annotator, reviewer, other_reviewer, editor):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, Verdict.INACCURATE)
    return current(item)


def test_an_editor_settles_on_the_item_page(
    client_for, annotator, reviewer, other_reviewer, editor
):
    item = disputed(annotator, reviewer, other_reviewer, editor)
    response = client_for(editor).post(
        reverse("review_settle", args=[item.pk]),
        {"version": item.version, "decision": "verify", "verdict": "mostly_accurate"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("review_disputed")
    assert current(item).state == State.VERIFIED


def test_settling_is_refused_to_a_reviewer_with_403(
    client_for, annotator, reviewer, other_reviewer, third_reviewer, editor
):
    item = disputed(annotator, reviewer, other_reviewer, editor)
    response = client_for(third_reviewer).post(
        reverse("review_settle", args=[item.pk]),
        {"version": item.version, "decision": "verify", "verdict": "accurate"},
    )
    assert response.status_code == 403
    assert current(item).state == State.SUBMITTED


@pytest.mark.parametrize(
    "data",
    [{"decision": "verify", "verdict": "true"}, {"decision": "approve"}, {"decision": "reject"}],
    ids=["unknown-verdict", "unknown-decision", "reject-without-reason"],
)
def test_a_bad_settlement_is_422_and_writes_nothing(
    client_for, annotator, reviewer, other_reviewer, editor, data
):
    item = disputed(annotator, reviewer, other_reviewer, editor)
    response = client_for(editor).post(
        reverse("review_settle", args=[item.pk]), {"version": item.version, **data}
    )
    assert response.status_code == 422
    assert current(item).state == State.SUBMITTED
    assert Review.objects.filter(annotation=item).count() == 2


def test_settle_rejects_get(client_for, annotator, reviewer, other_reviewer, editor):
    item = disputed(annotator, reviewer, other_reviewer, editor)
    assert client_for(editor).get(reverse("review_settle", args=[item.pk])).status_code == 405


def test_the_disputed_list_is_for_editors(
    client_for, annotator, reviewer, other_reviewer, editor, django_assert_max_num_queries
):
    for _ in range(3):
        disputed(annotator, reviewer, other_reviewer, editor)
    client = client_for(editor)
    client.get(reverse("review_disputed"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("review_disputed")).content.decode()
    assert page.count("rita: Accurate") == 3 and page.count("rolf: Inaccurate") == 3
    assert client_for(reviewer).get(reverse("review_disputed")).status_code == 403


def test_an_editor_switches_double_review_on_and_off_on_the_agreement_page(
    client_for, editor, article
):
    client = client_for(editor)
    url = reverse("article_double_review", args=[article.pk])
    assert client.post(url, {"double_review": "on"}).status_code == 302
    assert DoubleReview.objects.filter(article=article).exists()
    page = client.get(reverse("agreement_article", args=[article.pk])).content.decode()
    assert "Switch double review off" in page
    assert client.post(url, {"double_review": "off"}).status_code == 302
    assert not DoubleReview.objects.exists()


def test_the_switch_refuses_bad_input_and_other_roles(client_for, editor, reviewer, article):
    url = reverse("article_double_review", args=[article.pk])
    assert client_for(editor).post(url, {"double_review": "maybe"}).status_code == 422
    assert client_for(editor).get(url).status_code == 405
    assert client_for(reviewer).post(url, {"double_review": "on"}).status_code == 403
    assert not DoubleReview.objects.exists()


def test_the_admin_switches_double_review_on_for_an_import_batch(client_for, editor):
    from .factories import ImportBatchFactory

    batch = ImportBatchFactory()
    articles = ArticleFactory.create_batch(3, import_batch=batch)
    ArticleFactory()  # another batch's
    response = client_for(editor).post(
        reverse("admin:annotations_importbatch_changelist"),
        {"action": "double_review_on", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 302
    assert set(DoubleReview.objects.values_list("article_id", flat=True)) == {
        a.pk for a in articles
    }


# ---- Verdict agreement ----


def test_verdict_agreement_is_measured_on_the_double_reviewed_pairs(
    annotator, reviewer, other_reviewer, editor
):
    """Three pairs of verdicts, their ratings (5, 5), (5, 4) and (3, 1).

    Hand-computed ordinal α (docs/agreement.md, section 4): the values 5, 5, 5, 4, 3, 1
    give n_5 = 3, n_4 = n_3 = n_1 = 1, n = 6. δ²(4, 5) = (4 − 2)² = 4, δ²(1, 3) = (2 − 1)² = 1,
    δ²(1, 4) = 4, δ²(1, 5) = 16, δ²(3, 4) = 1, δ²(3, 5) = 9. Observed: each pair is a unit of
    two values, D_o = (2·4 + 2·1) / 6 = 10/6. Expected: Σ n_c·n_k·δ² over ordered pairs =
    2·(1 + 4 + 48 + 1 + 27 + 12) = 186, D_e = 186 / (6·5) = 6.2. α = 1 − (10/6)/6.2 = 68/93.
    """
    pairs = [
        (Verdict.ACCURATE, Verdict.ACCURATE),  # agreed
        (Verdict.ACCURATE, Verdict.MOSTLY_ACCURATE),  # disputed, then settled
        (Verdict.MISLEADING, Verdict.INACCURATE),  # disputed
    ]
    items = []
    for first, second in pairs:
        item = double_reviewed_item(annotator, editor)
        decide(item, reviewer, first)
        decide(item, other_reviewer, second)
        items.append(item)
    settle(items[1], editor)
    # Not pairs of verdicts: a rejection, a round still waiting, and an item decided by one
    # reviewer, reopened and decided again (not independent: the verdict was on the page).
    rejected = double_reviewed_item(annotator, editor)
    decide(rejected, reviewer, Verdict.ACCURATE)
    decide(rejected, other_reviewer, None)
    decide(double_reviewed_item(annotator, editor), reviewer, Verdict.INACCURATE)
    reopened = decide(workflow_submitted(annotator), reviewer, Verdict.ACCURATE)
    workflow.annotation_reopen(
        annotation_id=reopened.pk, editor=editor, version=reopened.version, reason="Check."
    )
    decide(reopened, other_reviewer, Verdict.INACCURATE)

    verdicts = agreement_data().verdicts
    assert (verdicts.items, verdicts.pairs, verdicts.agreeing) == (3, 3, 1)
    assert verdicts.ratings == ((5, 5), (5, 4), (3, 1))
    assert verdicts.alpha == pytest.approx(68 / 93)
    one_article = agreement_data(Article.objects.filter(pk=items[2].article_id)).verdicts
    assert (one_article.items, one_article.agreeing) == (1, 0)


def test_the_agreement_page_says_where_verdict_pairs_come_from(
    client_for, annotator, reviewer, other_reviewer, editor
):
    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.ACCURATE)
    decide(item, other_reviewer, Verdict.ACCURATE)
    page = client_for(editor).get(reverse("agreement_corpus")).content.decode()
    assert "1 double-reviewed item with two verdicts" in page
    assert "From articles under double review" in page
    assert "Workbench has no double-review setting" not in page


def test_search_and_seen_before_do_not_show_a_sealed_first_verdict(
    annotator, reviewer, other_reviewer, editor
):
    from annotations.search import latest_verdict

    item = double_reviewed_item(annotator, editor)
    decide(item, reviewer, Verdict.MISLEADING)  # sealed until other_reviewer decides

    sealed = Annotation.objects.annotate(verdict=latest_verdict()).get(pk=item.pk)
    assert sealed.verdict in ("", None)

    decide(item, other_reviewer, Verdict.MISLEADING)
    decided = Annotation.objects.annotate(verdict=latest_verdict()).get(pk=item.pk)
    assert decided.verdict == Verdict.MISLEADING
