"""API review: the queue and take next with its filters, take and release, sources and
evidence, and the decisions, under the same rules as the review screens."""

import pytest

from annotations.models import Annotation, Evidence, Source, State

from .api_client import problem
from .factories import ArticleFactory, SourceFactory, workflow_in_review, workflow_submitted

pytestmark = pytest.mark.django_db


def test_the_queue_lists_what_i_may_take_oldest_first_never_my_own(
    api_as, annotator, reviewer, editor
):
    first = workflow_submitted(annotator)
    second = workflow_submitted(annotator, kind="number", phrase="30 percent")
    workflow_submitted(editor)  # the editor's own: not in the editor's queue

    mine = api_as(editor).get("/review/queue").json()
    numbers = api_as(reviewer).get("/review/queue", kind="number").json()

    assert [item["id"] for item in mine["items"]] == [first.pk, second.pk]
    assert [item["id"] for item in numbers["items"]] == [second.pk]


def test_queue_pages_follow_the_submission_order(api_as, annotator, reviewer):
    submitted = [workflow_submitted(annotator).pk for _ in range(5)]
    api = api_as(reviewer)

    first = api.get("/review/queue", limit=2).json()
    rest = api.get("/review/queue", limit=10, cursor=first["next_cursor"]).json()

    assert [item["id"] for item in first["items"] + rest["items"]] == submitted


def test_take_next_takes_the_oldest_matching_item(api_as, annotator, reviewer):
    article = ArticleFactory()
    workflow_submitted(annotator)
    wanted = workflow_submitted(annotator, article=article)
    api = api_as(reviewer)

    taken = api.post("/review/take-next", {"article": article.pk}).json()["annotation"]
    nothing = api.post("/review/take-next", {"article": article.pk}).json()

    assert (taken["id"], taken["state"], taken["reviewer"]) == (wanted.pk, "in_review", "rita")
    assert nothing == {"annotation": None}


def test_an_annotator_may_not_use_the_queue(api_as, annotator):
    problem(api_as(annotator).get("/review/queue"), 403)


def test_take_and_release_with_the_version(api_as, annotator, reviewer):
    item = workflow_submitted(annotator)
    api = api_as(reviewer)

    taken = api.post(f"/review/{item.pk}/take", {"version": item.version}).json()
    stale = api.post(f"/review/{item.pk}/release", {"version": item.version})
    released = api.post(f"/review/{item.pk}/release", {"version": taken["version"]}).json()

    assert taken["state"] == "in_review"
    problem(stale, 409)
    assert released["state"] == "submitted" and released["reviewer"] is None


def test_nobody_reviews_their_own_annotation(api_as, editor):
    own = workflow_submitted(editor)

    document = problem(api_as(editor).post(f"/review/{own.pk}/take", {"version": 2}), 403)

    assert "four-eyes" in document["detail"]


def test_a_source_is_found_by_its_url_in_any_spelling(api_as, reviewer):
    api = api_as(reviewer)

    created = api.post(
        "/sources/",
        {
            "url": "https://Stats.example.org/t/1?utm_source=x#top",
            "title": "Table 1",
            "kind": "statistics",
        },
    )
    again = api.post("/sources/", {"url": "https://stats.example.org/t/1"})
    found = api.get("/sources/", q="Table")

    assert created.status_code == 201 and again.status_code == 200
    assert again.json()["source"]["id"] == created.json()["source"]["id"]
    assert created.json()["source"]["url"] == "https://stats.example.org/t/1"
    assert [source["title"] for source in found.json()] == ["Table 1"]
    document = problem(api.post("/sources/", {"url": "not a url"}), 422)
    assert document["errors"][0]["pointer"] == "/url"


def test_evidence_then_verify(api_as, annotator, reviewer):
    item = workflow_in_review(annotator, reviewer)
    source = SourceFactory()
    api = api_as(reviewer)

    too_early = api.post(
        f"/review/{item.pk}/verify", {"version": item.version, "verdict": "accurate"}
    )
    evidence = api.post(
        f"/review/{item.pk}/evidence",
        {"source": source.pk, "stance": "supports", "locator": "Table 2"},
    )
    verified = api.post(
        f"/review/{item.pk}/verify", {"version": item.version, "verdict": "accurate"}
    )

    assert "evidence" in problem(too_early, 422)["detail"]
    assert evidence.status_code == 201 and evidence.json()["source"]["id"] == source.pk
    assert verified.status_code == 200, verified.content
    assert (verified.json()["state"], verified.json()["verdict"]) == ("verified", "accurate")


def test_evidence_is_removed_but_kept_for_the_history(api_as, annotator, reviewer):
    item = workflow_in_review(annotator, reviewer)
    api = api_as(reviewer)
    added = api.post(
        f"/review/{item.pk}/evidence", {"source": SourceFactory().pk, "stance": "refutes"}
    ).json()

    response = api.delete(f"/review/{item.pk}/evidence/{added['id']}")

    assert response.status_code == 204
    assert Evidence.objects.get(pk=added["id"]).removed_at is not None
    problem(api.delete(f"/review/{item.pk}/evidence/{added['id']}"), 404)


def test_evidence_needs_an_existing_source(api_as, annotator, reviewer):
    item = workflow_in_review(annotator, reviewer)

    document = problem(
        api_as(reviewer).post(f"/review/{item.pk}/evidence", {"source": 999, "stance": "context"}),
        422,
    )

    assert document["errors"][0]["pointer"] == "/source"
    assert not Source.objects.exists()


def test_reject_and_send_back_need_a_reason(api_as, annotator, reviewer):
    rejected_item = workflow_in_review(annotator, reviewer)
    returned_item = workflow_in_review(annotator, reviewer, phrase="30 percent")
    api = api_as(reviewer)

    no_reason = api.post(
        f"/review/{rejected_item.pk}/reject", {"version": rejected_item.version, "rationale": " "}
    )
    rejected = api.post(
        f"/review/{rejected_item.pk}/reject",
        {"version": rejected_item.version, "rationale": "Not a claim."},
    )
    returned = api.post(
        f"/review/{returned_item.pk}/send-back",
        {"version": returned_item.version, "comment": "Widen the span."},
    )

    assert "reason" in problem(no_reason, 422)["detail"]
    assert rejected.json()["state"] == "rejected"
    assert returned.json()["state"] == "draft"
    assert Annotation.objects.get(pk=returned_item.pk).state == State.DRAFT


def test_another_reviewers_item_cannot_be_decided(api_as, annotator, reviewer, other_reviewer):
    item = workflow_in_review(annotator, reviewer)

    document = problem(
        api_as(other_reviewer).post(
            f"/review/{item.pk}/reject", {"version": item.version, "rationale": "No."}
        ),
        403,
    )

    assert "Another reviewer" in document["detail"]


@pytest.mark.parametrize("limit", [2, 40])
def test_a_queue_page_costs_the_same_queries_whatever_its_size(
    api_as, annotator, reviewer, limit, django_assert_num_queries
):
    article = ArticleFactory()
    for index in range(40):
        workflow_submitted(annotator, article=article, phrase="said", confirm_duplicate=index > 0)
    api = api_as(reviewer)

    # The token (lookup, last-used update) and the page; the user's permissions come from
    # the cache (annotations/permission_cache.py), filled when the token was made.
    with django_assert_num_queries(3):
        response = api.get("/review/queue", limit=limit)
    assert len(response.json()["items"]) == limit
