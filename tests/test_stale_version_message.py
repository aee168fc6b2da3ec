"""A stale save says who changed the annotation meanwhile (you in another tab, or whom) and when."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from annotations import workflow
from annotations.models import HistoryEntry, Kind
from annotations.workflow import StaleVersion

from .factories import ArticleFactory, workflow_draft

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PHRASE = "exports rose 30 percent"


def edit_url(annotation):
    return reverse("annotate_edit", args=[annotation.pk])


def when(entry: HistoryEntry) -> str:
    return date_format(timezone.localtime(entry.at), "j M Y, H:i:s T")


def test_a_stale_save_after_my_own_edit_in_another_tab_says_it_was_me(client_for, annotator):
    claim = workflow_draft(annotator, phrase=PHRASE)
    workflow.annotation_update(
        annotation_id=claim.pk, user=annotator, version=1, changes={"claimant": "First tab"}
    )
    edited = claim.history.get(action="edited")

    response = client_for(annotator).post(
        edit_url(claim), {"version": 1, "claimant": "Second tab"}, headers=HTMX
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "You changed this annotation in another tab or window" in html
    assert f"edited at {when(edited)}" in html
    assert "someone else" not in html
    claim.refresh_from_db()
    assert claim.claimant == "First tab"


def test_a_stale_form_names_the_other_person_and_what_they_did(annotator, reviewer):
    claim = workflow_draft(annotator, phrase=PHRASE)
    workflow.annotation_submit(annotation_id=claim.pk, user=annotator, version=1)
    submitted = claim.history.get(action="submitted")

    with pytest.raises(StaleVersion) as raised:
        workflow.annotation_take(annotation_id=claim.pk, reviewer=reviewer, version=1)

    message = str(raised.value)
    assert message.startswith("This annotation was changed by someone else since you opened it")
    assert f"submitted by anna at {when(submitted)}" in message
    assert "now version 2, submitted" in message
    assert "Nothing was saved" in message


def test_the_latest_change_comes_first_when_several_people_changed_it(annotator, reviewer):
    article = ArticleFactory()
    claim = workflow_draft(annotator, phrase=PHRASE, article=article)
    workflow.annotation_submit(annotation_id=claim.pk, user=annotator, version=1)
    workflow.annotation_take(annotation_id=claim.pk, reviewer=reviewer, version=2)

    with pytest.raises(StaleVersion) as raised:
        workflow.annotation_update(
            annotation_id=claim.pk, user=annotator, version=1, changes={"claimant": "x"}
        )

    message = str(raised.value)
    assert message.index("taken for review by rita") < message.index("submitted by you")


def test_a_stale_number_edit_answers_409_without_htmx_with_the_message(client_for, annotator):
    number = workflow_draft(annotator, phrase="US$518.4 billion", kind=Kind.NUMBER)
    workflow.annotation_update(
        annotation_id=number.pk, user=annotator, version=1, changes={"number_unit": "USD"}
    )

    response = client_for(annotator).post(edit_url(number), {"version": 1, "number_unit": "EUR"})

    assert response.status_code == 409
    assert "You changed this annotation in another tab or window" in response.content.decode()
