"""API annotations: list and read, create one or many (all or none), edit with the version,
submit and withdraw, with the workflow's rules and messages."""

import datetime

import pytest
from django.utils import timezone

from annotations.models import Annotation, HistoryAction, HistoryEntry, Kind, State

from .api_client import problem
from .factories import (
    PHRASE,
    AnnotationFactory,
    ArticleFactory,
    verified_annotation,
    workflow_draft,
)

pytestmark = pytest.mark.django_db


def span(article, phrase=PHRASE, kind="claim", **extra):
    start = article.body.index(phrase)
    return {
        "article": article.pk,
        "kind": kind,
        "start": start,
        "end": start + len(phrase),
        "exact": phrase,
    } | extra


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# ---- Reading ----


def test_the_list_filters_by_article_kind_state_author_and_verification(
    api_as, annotator, other_annotator, article
):
    claim = AnnotationFactory(article=article, author=annotator)
    number = AnnotationFactory(
        article=article,
        author=other_annotator,
        kind=Kind.NUMBER,
        phrase="30 percent",
        state=State.SUBMITTED,
    )
    elsewhere = AnnotationFactory(author=annotator)
    withdrawn = AnnotationFactory(
        article=article, author=annotator, state=State.WITHDRAWN, phrase="officials said"
    )
    old = verified_annotation(author=other_annotator)
    Annotation.objects.filter(pk=old.pk).update(decided_at=timezone.now() - datetime.timedelta(9))
    recent = verified_annotation(author=other_annotator)
    api = api_as(annotator)

    assert ids(api.get("/annotations/", article=article.pk)) == [claim.pk, number.pk]
    assert ids(api.get("/annotations/", kind="number")) == [number.pk]
    assert ids(api.get("/annotations/", state="submitted")) == [number.pk]
    assert ids(api.get("/annotations/", state="withdrawn")) == [withdrawn.pk]
    assert ids(api.get("/annotations/", author="anna")) == [claim.pk, elsewhere.pk]
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    assert ids(api.get("/annotations/", verified_since=since)) == [recent.pk]
    problem(api.get("/annotations/", verified_since="yesterday"), 422)


def test_an_annotation_shows_its_attributes_verdict_evidence_and_history(api_as, annotator):
    verified = verified_annotation(
        author=annotator,
        kind=Kind.NUMBER,
        phrase="30 percent",
        number_value="30",
        number_unit="percent",
    )

    body = api_as(annotator).get(f"/annotations/{verified.pk}").json()

    assert body["state"] == "verified" and body["verdict"] == "accurate"
    assert body["attributes"] == {
        "number_value": "30",
        "number_unit": "percent",
        "number_scale": "",
        "number_qualifier": "",
        "number_counts": "",
    }
    assert body["evidence"][0]["source"]["url"].startswith("https://stats.example.org/")
    assert body["reviews"][0]["verdict"] == "accurate"


@pytest.mark.parametrize("limit", [2, 100])
def test_a_page_of_annotations_costs_the_same_queries_whatever_its_size(
    api_as, annotator, limit, django_assert_num_queries
):
    article = ArticleFactory()
    for index in range(100):
        AnnotationFactory(article=article, author=annotator, kind=Kind.values[index % 3])
    api = api_as(annotator)

    # The token (lookup, last-used update) and the page; the user's permissions come from
    # the cache (annotations/permission_cache.py), filled when the token was made.
    with django_assert_num_queries(3):
        response = api.get("/annotations/", limit=limit)
    assert len(response.json()["items"]) == limit


# ---- Creating ----


def test_creating_one_span_makes_a_draft_with_its_history(api_as, annotator, article):
    record = span(
        article,
        "30 percent",
        kind="number",
        attributes={"number_value": "30", "number_unit": "percent"},
    )

    response = api_as(annotator).post("/annotations/", {"annotations": [record]})

    assert response.status_code == 201, response.content
    created = response.json()["annotations"][0]
    assert (created["state"], created["author"], created["version"]) == ("draft", "anna", 1)
    assert created["attributes"]["number_value"] == "30"
    annotation = Annotation.objects.get(pk=created["id"])
    assert annotation.history.get().action == HistoryAction.CREATED
    article.refresh_from_db()
    assert article.annotations_version == 1


def test_many_spans_in_one_request_are_all_created(api_as, annotator, article):
    other = ArticleFactory()
    records = [span(article), span(article, "30 percent", kind="number"), span(other)]

    response = api_as(annotator).post("/annotations/", {"annotations": records})

    assert response.status_code == 201
    assert [a["article"] for a in response.json()["annotations"]] == [article.pk] * 2 + [other.pk]
    assert HistoryEntry.objects.filter(action=HistoryAction.CREATED).count() == 3


def test_one_refused_span_refuses_them_all_and_each_refusal_names_its_record(
    api_as, annotator, article
):
    records = [
        span(article),
        span(article, "30 percent") | {"exact": "31 percent"},  # not the body's text
        span(article, "officials said") | {"end": 10_000},  # outside the article
        span(article, "officials", attributes={"number_unit": "km"}),  # not a claim's
        span(article, "said") | {"article": 999_999},
    ]

    document = problem(api_as(annotator).post("/annotations/", {"annotations": records}), 422)

    pointers = [error["pointer"] for error in document["errors"]]
    assert pointers == ["/annotations/1", "/annotations/2", "/annotations/3", "/annotations/4"]
    assert "does not match" in document["errors"][0]["message"]
    assert "Record 2" in document["errors"][1]["message"]
    assert "not an attribute of a claim" in document["errors"][2]["message"]
    assert not Annotation.objects.exists() and not HistoryEntry.objects.exists()


def test_a_span_cutting_a_character_in_two_is_refused(api_as, annotator):
    article = ArticleFactory(body="Flags 🇫🇷 and more text.")
    start = article.body.index("🇫🇷")
    record = {
        "article": article.pk,
        "kind": "claim",
        "start": start,
        "end": start + 1,
        "exact": article.body[start],
    }

    document = problem(api_as(annotator).post("/annotations/", {"annotations": [record]}), 422)

    assert "cuts a character in two" in document["errors"][0]["message"]


def test_marking_the_same_span_again_needs_confirm_duplicate(api_as, annotator, article):
    workflow_draft(annotator, article=article)
    api = api_as(annotator)

    refused = problem(api.post("/annotations/", {"annotations": [span(article)]}), 422)
    twice = problem(api.post("/annotations/", {"annotations": [span(article, "said")] * 2}), 422)
    confirmed = api.post("/annotations/", {"annotations": [span(article, confirm_duplicate=True)]})

    assert refused["errors"][0]["code"] == "duplicate"
    assert [error["pointer"] for error in twice["errors"]] == ["/annotations/1"]
    assert confirmed.status_code == 201
    assert Annotation.objects.filter(article=article).count() == 2


def test_a_reader_without_the_annotating_role_is_refused(api_as, researcher, article):
    from annotations.models import Scope

    api = api_as(researcher, scopes=[Scope.READ])

    problem(api.post("/annotations/", {"annotations": [span(article)]}), 403)


# ---- Changing ----


def test_editing_with_the_current_version_saves_and_a_stale_one_is_a_409(
    api_as, annotator, article
):
    draft = workflow_draft(annotator, article=article)
    api = api_as(annotator)

    saved = api.patch(
        f"/annotations/{draft.pk}", {"version": 1, "attributes": {"claimant": "The minister"}}
    )
    stale = api.patch(
        f"/annotations/{draft.pk}", {"version": 1, "attributes": {"claimant": "Someone"}}
    )

    assert saved.status_code == 200, saved.content
    assert saved.json()["attributes"]["claimant"] == "The minister"
    assert saved.json()["version"] == 2
    document = problem(stale, 409)
    assert document["current_version"] == 2
    assert "changed" in document["detail"]
    draft.refresh_from_db()
    assert draft.claimant == "The minister"


def test_changing_the_kind_and_span(api_as, annotator, article):
    draft = workflow_draft(annotator, article=article)
    start = article.body.index("30 percent")

    response = api_as(annotator).patch(
        f"/annotations/{draft.pk}",
        {"version": 1, "kind": "number", "start": start, "end": start + len("30 percent")},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["exact"]) == ("number", "30 percent")


def test_only_the_author_changes_a_draft(api_as, annotator, other_annotator, article):
    draft = workflow_draft(annotator, article=article)

    document = problem(
        api_as(other_annotator).patch(f"/annotations/{draft.pk}", {"version": 1}), 403
    )

    assert "Only the author" in document["detail"]


def test_submit_saves_the_attributes_then_submits(api_as, annotator, article):
    draft = workflow_draft(annotator, article=article)

    response = api_as(annotator).post(
        f"/annotations/{draft.pk}/submit", {"version": 1, "attributes": {"check_worthy": True}}
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"
    assert response.json()["attributes"]["check_worthy"] is True


def test_withdraw_keeps_the_annotation_in_the_history(api_as, annotator, article):
    draft = workflow_draft(annotator, article=article)
    api = api_as(annotator)

    response = api.post(f"/annotations/{draft.pk}/withdraw", {"version": 1})

    assert response.json()["state"] == "withdrawn"
    assert ids(api.get("/annotations/", article=article.pk)) == []
    problem(api.post(f"/annotations/{draft.pk}/submit", {"version": 2}), 403)


def test_a_change_to_a_missing_annotation_is_a_404(api_as, annotator):
    problem(api_as(annotator).post("/annotations/424242/withdraw", {"version": 1}), 404)
