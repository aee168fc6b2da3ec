"""Assignments: the domain rules, the article list's assign form, its filters and sorting."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from annotations import assignments
from annotations.assignments import AssignmentError, articles_assign, articles_unassign
from annotations.models import (
    Assignment,
    AssignmentRole,
    Kind,
    Notification,
    NotificationKind,
    State,
)
from annotations.policy import Role

from .factories import AnnotationFactory, ArticleFactory, ImportBatchFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("article_list")
ASSIGN = reverse("articles_assign")


def future(days=7) -> date:
    return timezone.localdate() + timedelta(days=days)


# ---- The domain functions ----


def test_an_editor_assigns_articles_to_annotators_and_reviewers(editor, annotator, reviewer):
    first, second = ArticleFactory.create_batch(2)

    result = articles_assign(
        editor=editor,
        articles=[first, second],
        annotators=[annotator],
        reviewers=[reviewer],
        due=future(),
    )

    assert (result.articles, result.created, result.updated) == (2, 4, 0)
    rows = set(Assignment.objects.values_list("article_id", "assignee__username", "role", "due"))
    assert rows == {
        (first.pk, "anna", "annotator", future()),
        (second.pk, "anna", "annotator", future()),
        (first.pk, "rita", "reviewer", future()),
        (second.pk, "rita", "reviewer", future()),
    }
    assert set(Assignment.objects.values_list("assigned_by__username", flat=True)) == {"edith"}


def test_assigning_again_changes_only_the_due_date(editor, annotator, article):
    articles_assign(editor=editor, articles=[article], annotators=[annotator], due=future(3))
    first = Assignment.objects.get()

    result = articles_assign(
        editor=editor, articles=[article], annotators=[annotator], due=future(9)
    )

    assert (result.created, result.updated) == (0, 1)
    again = Assignment.objects.get()
    assert again.pk == first.pk and again.due == future(9)


def test_a_whole_import_batch_can_be_assigned(editor, annotator):
    batch = ImportBatchFactory()
    ArticleFactory.create_batch(3, import_batch=batch)
    ArticleFactory()  # another batch's

    result = articles_assign(
        editor=editor, articles=assignments.batch_articles(batch), annotators=[annotator]
    )

    assert result.articles == 3
    assert set(Assignment.objects.values_list("article__import_batch", flat=True)) == {batch.pk}


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "researcher"])
def test_only_editors_assign(persona, request, annotator, article):
    with pytest.raises(PermissionDenied):
        articles_assign(
            editor=request.getfixturevalue(persona), articles=[article], annotators=[annotator]
        )
    assert not Assignment.objects.exists()


def test_a_person_without_the_role_cannot_be_assigned(editor, researcher, reviewer, article):
    with pytest.raises(AssignmentError, match="ruth may not annotate"):
        articles_assign(editor=editor, articles=[article], annotators=[researcher])
    with pytest.raises(AssignmentError, match="ruth may not review"):
        articles_assign(editor=editor, articles=[article], reviewers=[researcher])
    assert not Assignment.objects.exists()


def test_nobody_annotates_and_reviews_the_same_article(editor, article):
    both = UserFactory(username="erin", role=Role.EDITOR)  # may annotate and review
    with pytest.raises(AssignmentError, match="four-eyes"):
        articles_assign(editor=editor, articles=[article], annotators=[both], reviewers=[both])

    articles_assign(editor=editor, articles=[article], annotators=[both])
    with pytest.raises(AssignmentError, match="erin is already the annotator"):
        articles_assign(editor=editor, articles=[article], reviewers=[both])
    assert Assignment.objects.count() == 1


def test_nothing_to_assign_is_refused(editor, annotator, article):
    with pytest.raises(AssignmentError, match="at least one article"):
        articles_assign(editor=editor, articles=[], annotators=[annotator])
    with pytest.raises(AssignmentError, match="at least one annotator or reviewer"):
        articles_assign(editor=editor, articles=[article])
    with pytest.raises(AssignmentError, match="past"):
        articles_assign(editor=editor, articles=[article], annotators=[annotator], due=future(-1))


def test_the_database_refuses_the_same_assignment_twice(editor, annotator, article):
    Assignment.objects.create(article=article, assignee=annotator, role=AssignmentRole.ANNOTATOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            article=article, assignee=annotator, role=AssignmentRole.ANNOTATOR
        )


def test_assigned_people_are_told_once_each(
    editor, annotator, reviewer, django_capture_on_commit_callbacks
):
    articles = ArticleFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        articles_assign(
            editor=editor, articles=articles, annotators=[annotator], reviewers=[reviewer]
        )

    told = Notification.objects.filter(kind=NotificationKind.ASSIGNED)
    assert sorted(told.values_list("recipient__username", "text")) == [
        ("anna", "3 articles to annotate"),
        ("rita", "3 articles to review"),
    ]


def test_unassigning_removes_only_the_named_roles(editor, annotator, reviewer, article):
    articles_assign(editor=editor, articles=[article], annotators=[annotator], reviewers=[reviewer])

    removed = articles_unassign(editor=editor, articles=[article], annotators=[annotator])

    assert removed == 1
    assert list(Assignment.objects.values_list("assignee__username", "role")) == [
        ("rita", "reviewer")
    ]


# ---- The assign form on the article list ----


def test_the_list_offers_the_assign_form_to_editors_only(client_for, editor, annotator):
    ArticleFactory()

    as_editor = client_for(editor).get(LIST)
    assert 'id="assign-form"' in as_editor.text
    assert f'name="annotators" value="{annotator.pk}"' in as_editor.text

    as_annotator = client_for(annotator).get(LIST)
    assert 'id="assign-form"' not in as_annotator.text
    assert 'name="article"' not in as_annotator.text


def test_an_editor_assigns_the_ticked_articles(client_for, editor, annotator, reviewer):
    ticked, other = ArticleFactory.create_batch(2)

    response = client_for(editor).post(
        ASSIGN + "?assigned=unassigned&sort=title",
        {
            "article": [ticked.pk],
            "annotators": [annotator.pk],
            "reviewers": [reviewer.pk],
            "due": future().isoformat(),
            "action": "assign",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == LIST + "?assigned=unassigned&sort=title"
    assert set(Assignment.objects.values_list("article_id", "assignee__username")) == {
        (ticked.pk, "anna"),
        (ticked.pk, "rita"),
    }
    page = client_for(editor).get(response["Location"])
    assert "Assigned 1 article to anna, rita, due" in page.text


def test_an_editor_assigns_an_import_batch(client_for, editor, annotator):
    batch = ImportBatchFactory()
    ArticleFactory.create_batch(2, import_batch=batch)

    response = client_for(editor).post(
        ASSIGN, {"batch": batch.pk, "annotators": [annotator.pk], "action": "assign"}
    )

    assert response.status_code == 302
    assert Assignment.objects.count() == 2


def test_an_editor_unassigns_from_the_list(client_for, editor, annotator, article):
    articles_assign(editor=editor, articles=[article], annotators=[annotator])

    response = client_for(editor).post(
        ASSIGN, {"article": [article.pk], "annotators": [annotator.pk], "action": "unassign"}
    )

    assert response.status_code == 302
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "researcher", "outsider"])
def test_other_roles_may_not_assign(persona, request, client_for, annotator, article):
    response = client_for(request.getfixturevalue(persona)).post(
        ASSIGN, {"article": [article.pk], "annotators": [annotator.pk], "action": "assign"}
    )

    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_assign_rejects_get(client_for, editor):
    assert client_for(editor).get(ASSIGN).status_code == 405


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"article": ["²"], "action": "assign"}, "An article id must be a whole number"),
        ({"article": ["1"], "annotators": ["٣"], "action": "assign"}, "is not a valid value"),
        ({"article": ["1"], "due": "tomorrow", "action": "assign"}, "Enter a valid date"),
        ({"article": ["1"], "action": "delete"}, "is neither assign nor unassign"),
        ({"batch": "99999", "action": "assign"}, "That import batch does not exist"),
    ],
)
def test_bad_input_is_400_with_the_reason_and_writes_nothing(
    client_for, editor, annotator, data, message
):
    response = client_for(editor).post(ASSIGN, data)

    assert response.status_code == 400
    assert message in response.text
    assert not Assignment.objects.exists()


def test_a_refused_assignment_is_422_with_the_reason(client_for, editor, annotator, article):
    response = client_for(editor).post(ASSIGN, {"article": [article.pk], "action": "assign"})

    assert response.status_code == 422
    assert "Choose at least one annotator or reviewer." in response.text


def test_ticked_articles_and_a_batch_together_are_refused(client_for, editor, annotator, article):
    batch = ImportBatchFactory()
    response = client_for(editor).post(
        ASSIGN,
        {
            "article": [article.pk],
            "batch": batch.pk,
            "annotators": [annotator.pk],
            "action": "assign",
        },
    )

    assert response.status_code == 400
    assert "not both" in response.text
    assert not Assignment.objects.exists()


# ---- Filters and sorting ----


def titles(response) -> list[str]:
    return [article.title for article in response.context["page"].object_list]


def test_assigned_to_me_lists_only_my_articles_with_the_due_date(client_for, editor, annotator):
    mine, _other = ArticleFactory(title="Mine"), ArticleFactory(title="Other")
    articles_assign(editor=editor, articles=[mine], annotators=[annotator], due=future())

    response = client_for(annotator).get(LIST, {"assigned": "me"})

    assert titles(response) == ["Mine"]
    assert f"you, due {future():%Y-%m-%d}" in response.text


def test_unassigned_lists_articles_without_an_annotator(client_for, editor, annotator, reviewer):
    taken, reviewed_only, free = (ArticleFactory(title=t) for t in ("Taken", "Reviewed", "Free"))
    articles_assign(editor=editor, articles=[taken], annotators=[annotator])
    articles_assign(editor=editor, articles=[reviewed_only], reviewers=[reviewer])

    response = client_for(editor).get(LIST, {"assigned": "unassigned", "sort": "title"})

    assert titles(response) == ["Free", "Reviewed"]


def test_filters_by_state_publisher_dates_and_progress(client_for, annotator):
    drafted = ArticleFactory(title="Drafted", publisher="Daily Post", published=date(2024, 5, 1))
    AnnotationFactory(article=drafted)
    done = ArticleFactory(title="Done", publisher="Evening Star", published=date(2024, 6, 1))
    AnnotationFactory(article=done, state=State.REJECTED, reviewer=UserFactory(role=Role.REVIEWER))
    ArticleFactory(title="Untouched", publisher="Daily Post", published=date(2023, 1, 1))
    client = client_for(annotator)

    def listed(**query):
        return titles(client.get(LIST, {"sort": "title", **query}))

    assert listed(state="draft") == ["Drafted"]
    assert listed(state="rejected") == ["Done"]
    assert listed(publisher="daily") == ["Drafted", "Untouched"]
    assert listed(published_from="2024-01-01") == ["Done", "Drafted"]
    assert listed(published_from="2024-05-15", published_to="2024-12-31") == ["Done"]
    assert listed(progress="not_started") == ["Untouched"]
    assert listed(progress="in_progress") == ["Drafted"]
    assert listed(progress="done") == ["Done"]


def test_sorts_by_title_date_progress_and_due(client_for, editor, annotator):
    b = ArticleFactory(title="B", published=date(2024, 1, 1))
    a = ArticleFactory(title="A", published=date(2024, 3, 1))
    c = ArticleFactory(title="C", published=date(2024, 2, 1))
    reviewer = UserFactory(role=Role.REVIEWER)
    AnnotationFactory(article=a, state=State.REJECTED, reviewer=reviewer)
    AnnotationFactory(article=c)
    articles_assign(editor=editor, articles=[c], annotators=[annotator], due=future(2))
    articles_assign(editor=editor, articles=[b], annotators=[annotator], due=future(5))
    client = client_for(annotator)

    assert titles(client.get(LIST)) == ["A", "C", "B"]
    assert titles(client.get(LIST, {"sort": "oldest"})) == ["B", "C", "A"]
    assert titles(client.get(LIST, {"sort": "title"})) == ["A", "B", "C"]
    assert titles(client.get(LIST, {"sort": "most_annotated"}))[2] == "B"
    assert titles(client.get(LIST, {"sort": "due"})) == ["C", "B", "A"]


@pytest.mark.parametrize(
    "query",
    [{"published_from": "2024-13-01"}, {"sort": "random"}, {"state": "lost"}, {"q": "a\x00b"}],
)
def test_a_bad_filter_is_400_with_the_reason(client_for, annotator, query):
    ArticleFactory()
    response = client_for(annotator).get(LIST, query)

    assert response.status_code == 400
    assert 'role="alert"' in response.text or "NUL" in response.text


def test_the_end_date_before_the_start_is_refused(client_for, annotator):
    response = client_for(annotator).get(
        LIST, {"published_from": "2024-05-01", "published_to": "2024-01-01"}
    )

    assert response.status_code == 400
    assert "The end date is before the start date." in response.text


def test_pagination_keeps_the_filters(client_for, annotator):
    ArticleFactory.create_batch(30, publisher="Daily Post")

    response = client_for(annotator).get(LIST, {"publisher": "Daily", "sort": "title"})

    assert "?publisher=Daily&amp;sort=title&amp;page=2" in response.text


def test_the_filtered_list_for_an_editor_costs_a_bounded_number_of_queries(
    client_for, editor, annotator, reviewer, django_assert_max_num_queries
):
    articles = ArticleFactory.create_batch(40, publisher="Daily Post")
    for article in articles:
        AnnotationFactory(article=article, kind=Kind.NUMBER, phrase="30 percent")
    others = [UserFactory(role=Role.ANNOTATOR) for _ in range(5)]
    articles_assign(editor=editor, articles=articles, annotators=[annotator, *others])
    articles_assign(editor=editor, articles=articles[:20], reviewers=[reviewer])
    client = client_for(editor)
    query = {
        "publisher": "daily",
        "state": "draft",
        "progress": "in_progress",
        "sort": "least_done",
    }

    # Session, user, groups (header), two permission lookups, the unread count, the page
    # count, the page, its assignments, annotators, reviewers, batches.
    with django_assert_max_num_queries(12):
        response = client.get(LIST, query)
    assert response.status_code == 200 and len(response.context["page"].object_list) == 25
    with django_assert_max_num_queries(12):
        client.get(LIST, {**query, "assigned": "me", "sort": "due", "page": "2"})


def test_the_filtered_list_for_an_annotator_costs_the_same_as_before(
    client_for, editor, annotator, django_assert_max_num_queries
):
    articles = ArticleFactory.create_batch(30)
    articles_assign(editor=editor, articles=articles, annotators=[annotator], due=future())
    client = client_for(annotator)

    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"assigned": "me", "sort": "due", "state": "draft"})
    assert response.status_code == 200
