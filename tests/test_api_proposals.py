"""API pre-annotations: push a model's proposals for an article (all or none, checked
against the body, stored once), list them, accept one (your draft) or dismiss it."""

import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Annotation, Kind, Scope, State, Suggestion, SuggestionStatus
from annotations.proposals import suggestions_refresh
from annotations.suggest import Proposal

from .api_client import problem
from .factories import ArticleFactory, workflow_draft
from .test_export_origin import verify

pytestmark = pytest.mark.django_db

MODEL = {"name": "newsroom-ner", "version": "3.1"}


def proposed(article, phrase, kind="number", score=0.9, **extra):
    start = article.body.index(phrase)
    return {"kind": kind, "start": start, "end": start + len(phrase), "score": score} | extra


def push(api, article, records, model=MODEL):
    return api.post(f"/articles/{article.pk}/proposals", {"model": model, "proposals": records})


def money(article, **extra):
    record = proposed(
        article,
        "US$518.4 billion",
        exact="US$518.4 billion",
        attributes={"number_value": "518400000000", "number_unit": "USD"},
    )
    return record | extra


# ---- Pushing ----


def test_pushed_proposals_are_stored_as_pending_proposals_of_the_model(api_as, annotator, article):
    response = push(
        api_as(annotator),
        article,
        [money(article), proposed(article, "exports rose 30 percent", kind="claim", score=0.5)],
    )

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["added"] == 2
    assert [record["index"] for record in answer["proposals"]] == [0, 1]
    assert all(
        record["created"] and record["status"] == "pending" for record in answer["proposals"]
    )
    stored = Suggestion.objects.get(pk=answer["proposals"][0]["id"])
    assert (stored.engine, stored.engine_version) == ("newsroom-ner", "3.1")
    assert stored.exact == "US$518.4 billion" and stored.kind == Kind.NUMBER
    assert stored.attributes == {"number_value": "518400000000", "number_unit": "USD"}
    assert stored.score == 0.9 and stored.status == SuggestionStatus.PENDING
    assert not Annotation.objects.exists()  # never an annotation until someone accepts it


def test_sending_the_same_proposals_twice_adds_nothing(api_as, annotator, article):
    api = api_as(annotator)
    first = push(api, article, [money(article)]).json()

    again = push(api, article, [money(article)])

    assert again.status_code == 200
    assert again.json() == {
        "added": 0,
        "proposals": [{"index": 0, "id": first["proposals"][0]["id"], "status": "pending",
                       "created": False}],
    }  # fmt: skip
    assert Suggestion.objects.count() == 1


def test_a_proposal_dismissed_for_this_model_version_is_not_proposed_again(
    api_as, annotator, article
):
    api = api_as(annotator)
    (record,) = push(api, article, [money(article)]).json()["proposals"]
    assert api.post(f"/proposals/{record['id']}/dismiss").status_code == 200

    again = push(api, article, [money(article)]).json()
    newer = push(api, article, [money(article)], model=MODEL | {"version": "3.2"}).json()

    assert again["added"] == 0
    assert again["proposals"][0] == record | {"status": "dismissed", "created": False}
    assert newer["added"] == 1 and newer["proposals"][0]["status"] == "pending"


def test_a_span_already_annotated_as_that_kind_is_not_proposed(api_as, annotator, article):
    workflow_draft(annotator, article=article, kind=Kind.NUMBER, phrase="US$518.4 billion")

    answer = push(api_as(annotator), article, [money(article)]).json()

    assert answer == {
        "added": 0,
        "proposals": [{"index": 0, "id": None, "status": None, "created": False}],
    }


def test_a_bad_span_refuses_the_whole_push_naming_each_record(api_as, annotator, article):
    body_length = len(article.body)
    records = [
        money(article),
        money(article, exact="US$518.5 billion"),  # not the body's text there
        proposed(article, "30 percent", start=body_length - 2, end=body_length + 5),
        proposed(article, "exports rose", kind="claim", attributes={"number_unit": "USD"}),
        money(article),  # the same span and kind as record 0
    ]

    refused = problem(push(api_as(annotator), article, records), 422)

    assert [error["pointer"] for error in refused["errors"]] == [
        "/proposals/1",
        "/proposals/2",
        "/proposals/3",
        "/proposals/4",
    ]
    messages = [error["message"] for error in refused["errors"]]
    assert messages[0].startswith("Record 1: The selected text does not match the article")
    assert "outside the article" in messages[1]
    assert "number_unit is not an attribute of a claim" in messages[2]
    assert refused["errors"][3]["code"] == "duplicate"
    assert refused["detail"] == "4 of 5 proposals refused; nothing was stored."
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    "change, pointer",
    [
        ({"score": 1.5}, "/proposals/0/score"),
        ({"score": "0.5"}, "/proposals/0/score"),
        ({"kind": "opinion"}, "/proposals/0/kind"),
        ({"start": -1}, "/proposals/0/start"),
        ({"colour": "red"}, "/proposals/0/colour"),
    ],
)
def test_an_invalid_field_is_refused_with_its_pointer(api_as, annotator, article, change, pointer):
    refused = problem(push(api_as(annotator), article, [money(article) | change]), 422)

    assert pointer in [error["pointer"] for error in refused["errors"]]
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    "model, pointer",
    [
        ({"name": "numbers", "version": "9"}, "/model/name"),  # Workbench's own engine
        ({"name": "my model", "version": "1"}, "/model/name"),
        ({"name": "newsroom-ner", "version": ""}, "/model/version"),
        ({"name": "x" * 41, "version": "1"}, "/model/name"),
    ],
)
def test_a_model_name_that_is_not_one_is_refused(api_as, annotator, article, model, pointer):
    refused = problem(push(api_as(annotator), article, [money(article)], model=model), 422)

    assert [error["pointer"] for error in refused["errors"]] == [pointer]
    assert not Suggestion.objects.exists()


def test_pushing_to_an_unknown_article_is_not_found(api_as, annotator, article):
    api = api_as(annotator)
    url = f"/articles/{article.pk + 1000}/proposals"

    problem(api.post(url, {"model": MODEL, "proposals": [money(article)]}), 404)
    problem(api.get(url), 404)


def test_pushing_and_deciding_need_the_annotate_scope(api_as, annotator, researcher, article):
    suggestion = stored_proposal(article)
    read_only = api_as(annotator, scopes=[Scope.READ])
    no_role = api_as(researcher)

    for api in (read_only, no_role):
        problem(push(api, article, [money(article)]), 403)
        problem(api.get(f"/articles/{article.pk}/proposals"), 403)
        problem(api.post(f"/proposals/{suggestion.pk}/accept"), 403)
        problem(api.post(f"/proposals/{suggestion.pk}/dismiss"), 403)
    assert Suggestion.objects.get().status == SuggestionStatus.PENDING


def test_a_thousand_proposals_cost_the_queries_of_ten(api_as, annotator):
    article = ArticleFactory(body=" ".join(f"w{index}" for index in range(1200)) + " end.")
    api = api_as(annotator)

    def words(count, name):
        records, position = [], 0
        for _ in range(count):
            start = article.body.index("w", position)
            position = article.body.index(" ", start)
            records.append({"kind": "claim", "start": start, "end": position, "score": 0.5})
        model = MODEL | {"name": name}
        with CaptureQueriesContext(connection) as queries:
            response = push(api, article, records, model=model)
        assert response.status_code == 201, response.content[:300]
        return len(queries)

    assert words(1000, "big-model") == words(10, "small-model")
    assert Suggestion.objects.count() == 1000 + 10


# ---- Listing ----


def stored_proposal(article, phrase="30 percent", kind=Kind.NUMBER, engine="numbers"):
    start = article.body.index(phrase)
    suggestions_refresh(
        article=article,
        proposals=[
            Proposal(start=start, end=start + len(phrase), kind=kind, score=0.75,
                     attributes={"number_value": "30", "number_unit": "percent"}
                     if kind == Kind.NUMBER else {},
                     engine=engine, version="2")
        ],
    )  # fmt: skip
    return Suggestion.objects.get(article=article, start=start, kind=kind, engine=engine)


def test_the_list_filters_by_status_kind_and_engine(api_as, annotator, article):
    number = stored_proposal(article)
    claim = stored_proposal(article, "exports rose 30 percent", Kind.CLAIM, engine="checkworthy")
    elsewhere = stored_proposal(ArticleFactory())
    api = api_as(annotator)
    api.post(f"/proposals/{claim.pk}/dismiss")
    url = f"/articles/{article.pk}/proposals"

    def listed(**filters):
        response = api.get(url, **filters)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert listed() == [number.pk, claim.pk]
    assert listed(status="pending") == [number.pk]
    assert listed(status="dismissed") == [claim.pk]
    assert listed(kind="claim") == [claim.pk]
    assert listed(engine="numbers") == [number.pk]
    assert elsewhere.pk not in listed()
    problem(api.get(url, status="maybe"), 422)


def test_a_listed_proposal_shows_its_span_attributes_and_decision(api_as, annotator, article):
    suggestion = stored_proposal(article)
    api = api_as(annotator)
    api.post(f"/proposals/{suggestion.pk}/dismiss")

    (item,) = api.get(f"/articles/{article.pk}/proposals").json()["items"]

    assert item["exact"] == "30 percent" == article.body[item["start"] : item["end"]]
    assert item["attributes"] == {"number_value": "30", "number_unit": "percent"}
    assert (item["engine"], item["engine_version"], item["score"]) == ("numbers", "2", 0.75)
    assert item["status"] == "dismissed" and item["decided_by"] == "anna"
    assert item["decided_at"] is not None


def test_the_list_pages_with_a_cursor_at_the_same_queries_whatever_the_page_size(
    api_as, annotator, other_annotator, article
):
    for phrase in ("30 percent", "US$518.4 billion", "More than 200", "2024"):
        stored_proposal(article, phrase)
    api = api_as(annotator)
    for item in api.get(f"/articles/{article.pk}/proposals").json()["items"][1:]:
        api.post(f"/proposals/{item['id']}/dismiss")  # each names who decided

    def page(**query):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/articles/{article.pk}/proposals", **query)
        return response.json(), len(queries)

    (first, one), (everything, four) = page(limit=1), page(limit=4)
    second, _ = page(limit=3, cursor=first["next_cursor"])

    assert one == four
    assert len(everything["items"]) == 4 and everything["next_cursor"] is None
    assert [item["id"] for item in first["items"] + second["items"]] == [
        item["id"] for item in everything["items"]
    ]


# ---- Deciding ----


def test_accepting_makes_the_callers_draft_with_the_attributes(api_as, annotator, article):
    suggestion = stored_proposal(article)

    response = api_as(annotator).post(f"/proposals/{suggestion.pk}/accept")

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["proposal"]["status"] == "accepted"
    assert answer["proposal"]["decided_by"] == "anna"
    draft = answer["annotation"]
    assert draft["state"] == State.DRAFT and draft["author"] == "anna"
    assert (draft["start"], draft["end"]) == (suggestion.start, suggestion.end)
    assert draft["attributes"]["number_value"] == "30"
    assert Annotation.objects.get(pk=draft["id"]).suggestion_id == suggestion.pk


def test_dismissing_hides_the_proposal(api_as, annotator, article):
    suggestion = stored_proposal(article)

    response = api_as(annotator).post(f"/proposals/{suggestion.pk}/dismiss")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dismissed"
    assert not Annotation.objects.exists()


@pytest.mark.parametrize("first", ["accept", "dismiss"])
@pytest.mark.parametrize("then", ["accept", "dismiss"])
def test_a_decided_proposal_cannot_be_decided_again(
    api_as, annotator, other_annotator, article, first, then
):
    suggestion = stored_proposal(article)
    api_as(annotator).post(f"/proposals/{suggestion.pk}/{first}")

    refused = problem(api_as(other_annotator).post(f"/proposals/{suggestion.pk}/{then}"), 409)

    assert refused["detail"] == f"This proposal was already {first}ed."
    assert Annotation.objects.count() == (1 if first == "accept" else 0)


def test_accepting_a_span_you_already_marked_as_that_kind_is_refused(api_as, annotator, article):
    suggestion = stored_proposal(article)
    workflow_draft(annotator, article=article, kind=Kind.NUMBER, phrase="30 percent")

    refused = problem(api_as(annotator).post(f"/proposals/{suggestion.pk}/accept"), 422)

    assert refused["detail"].startswith("You already marked this text as a number")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PENDING
    assert Annotation.objects.count() == 1


@pytest.mark.parametrize("action", ["accept", "dismiss"])
def test_an_unknown_proposal_is_not_found(api_as, annotator, action):
    refused = problem(api_as(annotator).post(f"/proposals/987654/{action}"), 404)

    assert refused["detail"] == "This proposal does not exist."


def test_deciding_answers_only_post(api_as, annotator, article):
    suggestion = stored_proposal(article)

    response = api_as(annotator).get(f"/proposals/{suggestion.pk}/accept")

    problem(response, 405)


# ---- Where it leads ----


def test_an_accepted_pre_annotation_names_the_model_in_the_export(
    api_as, annotator, reviewer, editor, article
):
    api = api_as(annotator)
    (record,) = push(api, article, [money(article, score=0.8125)]).json()["proposals"]
    draft = api.post(f"/proposals/{record['id']}/accept").json()["annotation"]
    verify(Annotation.objects.get(pk=draft["id"]), annotator, reviewer)

    response = api_as(editor).get("/export/verified.json")
    (exported,) = json.loads(b"".join(response.streaming_content))["records"]

    assert exported["origin"] == {
        "engine": "newsroom-ner",
        "engine_version": "3.1",
        "score": 0.8125,
        "span_changed": False,
        "attributes_changed": False,
        "details": {},
    }


GUIDE = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_the_curl_example_of_the_guide_is_a_push_the_api_takes(api_as, annotator):
    """docs/api.md pushes two proposals into its example article (id 42 there)."""
    article = ArticleFactory(body="The minister said exports rose 30 percent.")
    (payload,) = re.findall(r'proposals" -H .*?-d \'(.*?)\'\n', GUIDE.read_text(), flags=re.DOTALL)

    response = api_as(annotator).post(f"/articles/{article.pk}/proposals", json.loads(payload))

    assert response.status_code == 201, response.content
    assert response.json()["added"] == 2
    assert set(Suggestion.objects.values_list("exact", flat=True)) == {
        "30 percent",
        "exports rose 30 percent",
    }
