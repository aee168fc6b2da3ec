"""Submitting: the panel submits the attributes as shown; "Submit all" refuses drafts whose
suggestions were never saved until confirmed, and costs the same statements for 1 or 50."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import workflow
from annotations.models import Annotation, HistoryEntry, Kind, State
from annotations.workflow import UnsavedSuggestions

from .factories import ArticleFactory, overlapping_annotations, workflow_draft

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NUMBER = "US$518.4 billion"
CLAIM = "exports rose 30 percent"


def submit_url(annotation):
    return reverse("annotate_submit", args=[annotation.pk])


def submit_all_url(article):
    return reverse("annotate_submit_all", args=[article.pk])


def actions(annotation):
    return list(annotation.history.order_by("id").values_list("action", flat=True))


# ---- The panel's Submit sends the attributes form as shown ----


def test_the_panels_submit_button_is_part_of_the_attributes_form(client_for, annotator):
    number = workflow_draft(annotator, phrase=NUMBER, kind=Kind.NUMBER)

    html = (
        client_for(annotator)
        .get(reverse("annotate_panel", args=[number.pk]), headers=HTMX)
        .content.decode()
    )

    form = html[html.index('class="stacked-form attributes-form"') : html.index("</form>")]
    assert 'id="submit-open"' in form
    assert f'formaction="{submit_url(number)}"' in form
    assert form.index('id="save-attributes"') < form.index('id="submit-open"')  # Enter saves


def test_submitting_with_the_suggestions_shown_keeps_them(client_for, annotator):
    number = workflow_draft(annotator, phrase=NUMBER, kind=Kind.NUMBER)
    shown = {"version": 1, "number_value": "518400000000", "number_unit": "USD",
             "number_scale": "billion", "number_qualifier": "", "number_counts": ""}  # fmt: skip

    response = client_for(annotator).post(submit_url(number), shown, headers=HTMX)

    assert response.status_code == 200
    assert "Submitted for review." in response.content.decode()
    number.refresh_from_db()
    assert number.state == State.SUBMITTED
    assert (number.number_value, number.number_unit) == (Decimal(518400000000), "USD")
    assert number.version == 3  # the edit and the submission, in one transaction
    assert actions(number) == ["created", "edited", "submitted"]


def test_submitting_unchanged_saved_attributes_records_only_the_submission(client_for, annotator):
    claim = workflow_draft(annotator, phrase=CLAIM, claimant="The minister")

    response = client_for(annotator).post(
        submit_url(claim), {"version": 1, "claimant": "The minister", "check_worthy": "unknown"}
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == State.SUBMITTED and claim.version == 2
    assert actions(claim) == ["created", "submitted"]


def test_an_invalid_value_shown_at_submit_submits_nothing(client_for, annotator):
    number = workflow_draft(annotator, phrase=NUMBER, kind=Kind.NUMBER)

    response = client_for(annotator).post(
        submit_url(number), {"version": 1, "number_value": "lots"}, headers=HTMX
    )

    assert response.status_code == 422
    number.refresh_from_db()
    assert number.state == State.DRAFT and number.number_value is None
    assert actions(number) == ["created"]


def test_a_stale_submit_with_attributes_saves_nothing(client_for, annotator):
    claim = workflow_draft(annotator, phrase=CLAIM)
    workflow.annotation_update(
        annotation_id=claim.pk, user=annotator, version=1, changes={"claimant": "Other tab"}
    )

    response = client_for(annotator).post(
        submit_url(claim), {"version": 1, "claimant": "This tab"}, headers=HTMX
    )

    assert response.status_code == 409
    claim.refresh_from_db()
    assert (claim.state, claim.claimant) == (State.DRAFT, "Other tab")


def test_submit_with_changes_in_the_workflow_is_one_transaction(annotator):
    claim = workflow_draft(annotator, phrase=CLAIM)

    with pytest.raises(workflow.WorkflowError):
        workflow.annotation_submit(
            annotation_id=claim.pk, user=annotator, version=1, changes={"speaker": "x"}
        )

    claim.refresh_from_db()
    assert claim.state == State.DRAFT and actions(claim) == ["created"]


# ---- Submit all refuses unsaved suggestions until confirmed ----


def test_submit_all_lists_the_drafts_whose_suggestions_were_never_saved(client_for, annotator):
    article = ArticleFactory()
    number = workflow_draft(annotator, article=article, phrase=NUMBER, kind=Kind.NUMBER)
    claim = workflow_draft(annotator, article=article, phrase=CLAIM, claimant="The minister")

    response = client_for(annotator).post(submit_all_url(article), headers=HTMX)

    assert response.status_code == 409
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="panel"')
    assert "1 of your 2 drafts has suggested attributes that were never saved" in html
    assert f'href="?a={number.pk}#panel"' in html
    assert "518400000000 USD" in html  # what would be lost
    assert f'href="?a={claim.pk}#panel"' not in html
    assert 'name="confirm_unsaved" value="1"' in html
    assert set(Annotation.objects.values_list("state", flat=True)) == {State.DRAFT}


def test_submit_all_anyway_submits_without_the_suggestions(client_for, annotator):
    article = ArticleFactory()
    number = workflow_draft(annotator, article=article, phrase=NUMBER, kind=Kind.NUMBER)

    response = client_for(annotator).post(
        submit_all_url(article), {"confirm_unsaved": "1"}, headers=HTMX
    )

    assert response.status_code == 200
    number.refresh_from_db()
    assert number.state == State.SUBMITTED and number.number_value is None


def test_submit_all_without_javascript_shows_the_page_with_the_list(client_for, annotator):
    article = ArticleFactory()
    number = workflow_draft(annotator, article=article, phrase=NUMBER, kind=Kind.NUMBER)

    response = client_for(annotator).post(submit_all_url(article))

    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="article-body"' in html and f'href="?a={number.pk}#panel"' in html


def test_submit_all_in_the_workflow_raises_with_the_drafts(annotator):
    article = ArticleFactory()
    number = workflow_draft(annotator, article=article, phrase=NUMBER, kind=Kind.NUMBER)

    with pytest.raises(UnsavedSuggestions) as raised:
        workflow.annotations_submit_all(article=article, user=annotator)

    assert [annotation.pk for annotation, _ in raised.value.drafts] == [number.pk]
    assert raised.value.drafts[0][1]["number_unit"] == "USD"
    assert raised.value.draft_count == 1


# ---- Submit all: one lock order, constant statements, one history entry each ----


def _drafts(author, count):
    article = ArticleFactory()
    overlapping_annotations(article, [author], count)
    return article


@pytest.mark.parametrize("count", [1, 50])
def test_submit_all_costs_the_same_statements_for_1_or_50_drafts(annotator, count):
    article = _drafts(annotator, count)
    annotator.has_perm("annotations.add_annotation")  # the permission cache, as in a request

    with CaptureQueriesContext(connection) as queries:
        submitted = workflow.annotations_submit_all(
            article=article, user=annotator, confirm_unsaved=True
        )

    assert len(submitted) == count
    # Savepoints come from the test's own transaction around the workflow's atomic block.
    sql = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    # Lock the article, read the drafts under lock, update them, insert the history, bump.
    assert len(sql) == 5, sql
    assert sum(statement.startswith("UPDATE") for statement in sql) == 2  # annotations, article
    assert sum(statement.startswith("INSERT") for statement in sql) == 1
    assert Annotation.objects.filter(article=article, state=State.SUBMITTED).count() == count
    entries = HistoryEntry.objects.filter(annotation__article=article, action="submitted")
    assert entries.count() == count
    assert {entry.annotation_id for entry in entries} == {a.pk for a in submitted}
    assert set(Annotation.objects.filter(article=article).values_list("version", flat=True)) == {2}
    article.refresh_from_db()
    assert article.annotations_version == 1


def test_submit_all_answers_like_the_single_submit(annotator):
    article = _drafts(annotator, 3)
    submitted = workflow.annotations_submit_all(
        article=article, user=annotator, confirm_unsaved=True
    )
    assert all(a.state == State.SUBMITTED and a.submitted_at and a.version == 2 for a in submitted)
    entry = HistoryEntry.objects.filter(action="submitted").first()
    assert (entry.from_state, entry.to_state, entry.actor) == (
        State.DRAFT,
        State.SUBMITTED,
        annotator,
    )


def test_the_panel_suggests_exactly_when_submit_all_would_warn(client_for, annotator):
    """A quotation whose attribution is marked has an attribute saved: neither suggests."""
    article = ArticleFactory()
    quote = "exports rose 30 percent to US$518.4 billion"
    quotation = workflow_draft(annotator, article=article, phrase=quote, kind=Kind.QUOTATION)
    said = article.body.index("The minister said")
    quotation = workflow.annotation_update(
        annotation_id=quotation.pk, user=annotator, version=1,
        changes={"attribution_start": said, "attribution_end": said + len("The minister said")},
    )  # fmt: skip

    html = (
        client_for(annotator)
        .get(reverse("annotate_panel", args=[quotation.pk]), headers=HTMX)
        .content.decode()
    )

    assert "Suggested from the text" not in html
    assert workflow.annotations_submit_all(article=article, user=annotator) == [quotation]
