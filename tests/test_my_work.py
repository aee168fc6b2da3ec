"""My work: each person's assigned articles, drafts, what came back, what to review."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations import workflow
from annotations.assignments import articles_assign
from annotations.models import State
from annotations.policy import Role

from .factories import AnnotationFactory, ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("my_work")


def submitted(author, **kwargs):
    return AnnotationFactory(
        author=author, state=State.SUBMITTED, submitted_at=timezone.now(), **kwargs
    )


def sent_back(author, reviewer, comment="Mark only the figure."):
    annotation = submitted(author)
    taken = workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)
    return workflow.annotation_send_back(
        annotation_id=annotation.pk, reviewer=reviewer, version=taken.version, comment=comment
    )


def rejected(author, reviewer, reason="Not check-worthy."):
    annotation = submitted(author)
    taken = workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)
    return workflow.annotation_reject(
        annotation_id=annotation.pk, reviewer=reviewer, version=taken.version, rationale=reason
    )


def test_it_shows_my_assigned_articles_with_due_date_and_progress(client_for, editor, annotator):
    article = ArticleFactory(title="Trade rose sharply")
    AnnotationFactory(article=article, author=annotator)
    AnnotationFactory(article=article, author=annotator, phrase="30 percent", kind="number")
    due = timezone.localdate() + timedelta(days=3)
    articles_assign(editor=editor, articles=[article], annotators=[annotator], due=due)
    ArticleFactory(title="Not mine")

    response = client_for(annotator).get(URL)

    assert response.status_code == 200
    [row] = response.context["to_annotate"]
    assert row.article.title == "Trade rose sharply" and row.due == due
    assert row.mine == {"draft": 2} and row.article.counts.total == 2
    assert "2 draft" in response.text and "Not mine" not in response.text


def test_an_overdue_assignment_says_so(client_for, editor, annotator, article):
    articles_assign(editor=editor, articles=[article], annotators=[annotator])
    from annotations.models import Assignment

    Assignment.objects.update(due=timezone.localdate() - timedelta(days=1))

    response = client_for(annotator).get(URL)

    assert "(overdue)" in response.text


def test_it_lists_sent_back_items_with_the_reason_apart_from_other_drafts(
    client_for, annotator, reviewer
):
    back = sent_back(annotator, reviewer)
    draft = AnnotationFactory(author=annotator, phrase="200 projects")
    AnnotationFactory(phrase="30 percent")  # someone else's draft

    response = client_for(annotator).get(URL)

    assert [item.pk for item in response.context["sent_back"]] == [back.pk]
    assert response.context["sent_back"][0].review_reason == "Mark only the figure."
    assert [item.pk for item in response.context["drafts"]] == [draft.pk]
    assert "Mark only the figure." in response.text
    assert "sent back by rita" in response.text


def test_a_resubmitted_item_leaves_the_sent_back_list(client_for, annotator, reviewer):
    back = sent_back(annotator, reviewer)
    workflow.annotation_submit(annotation_id=back.pk, user=annotator, version=back.version)

    response = client_for(annotator).get(URL)

    assert response.context["sent_back"] == []


def test_it_lists_rejected_items_with_the_reason(client_for, annotator, reviewer):
    rejected(annotator, reviewer)

    response = client_for(annotator).get(URL)

    [item] = response.context["rejected"]
    assert item.review_reason == "Not check-worthy." and item.review_by == "rita"
    assert "Not check-worthy." in response.text


def test_a_reviewer_sees_waiting_items_of_the_articles_assigned_to_them(
    client_for, editor, annotator, reviewer
):
    mine, other = ArticleFactory(title="Reviewed by rita"), ArticleFactory(title="Someone else")
    articles_assign(editor=editor, articles=[mine], reviewers=[reviewer])
    waiting = submitted(annotator, article=mine)
    submitted(annotator, article=other)
    held = submitted(annotator, article=other)
    workflow.annotation_take(annotation_id=held.pk, reviewer=reviewer)

    response = client_for(reviewer).get(URL)

    assert [item.pk for item in response.context["waiting"]] == [waiting.pk]
    assert [item.pk for item in response.context["holding"]] == [held.pk]
    assert f'href="/review/{waiting.pk}/"' in response.text


def test_annotators_get_no_review_section(client_for, annotator):
    response = client_for(annotator).get(URL)

    assert "waiting" not in response.context
    assert 'id="to-review"' not in response.text


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "editor", "researcher"])
def test_every_role_that_reads_articles_has_the_page(persona, request, client_for):
    assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 200


def test_a_user_without_a_role_is_forbidden(client_for, outsider):
    assert client_for(outsider).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(URL).status_code == 302


def test_it_rejects_post(client_for, annotator):
    assert client_for(annotator).post(URL).status_code == 405


def test_the_nav_links_my_work_for_annotators_and_reviewers(client_for, annotator, researcher):
    assert f'href="{URL}"' in client_for(annotator).get(reverse("article_list")).text
    assert f'href="{URL}"' not in client_for(researcher).get(reverse("export_page")).text


@pytest.mark.parametrize("scale", [1, 12])
def test_the_page_costs_the_same_queries_whatever_the_amount_of_work(
    client_for, editor, reviewer, django_assert_max_num_queries, scale
):
    worker = UserFactory(username="erin", role=Role.EDITOR)  # annotates and reviews
    other = UserFactory(role=Role.ANNOTATOR)
    articles = ArticleFactory.create_batch(2 * scale)
    articles_assign(editor=editor, articles=articles[:scale], annotators=[worker])
    articles_assign(editor=editor, articles=articles[scale:], reviewers=[worker])
    for article in articles[:scale]:
        AnnotationFactory(article=article, author=worker)
        sent_back(worker, reviewer)
        rejected(worker, reviewer)
    for article in articles[scale:]:
        submitted(other, article=article)
        held = submitted(other, article=article, phrase="30 percent")
        workflow.annotation_take(annotation_id=held.pk, reviewer=worker)
    client = client_for(worker)

    # Session, user, groups, two permission lookups, unread count; assignments, own counts,
    # sent back, drafts, rejected, unread notifications, waiting, holding.
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    assert len(response.context["sent_back"]) == scale
    assert len(response.context["holding"]) == scale
