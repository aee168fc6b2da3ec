"""Comments: the thread on an annotation, @mentions that notify, kept in the history."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from annotations import comments
from annotations.comments import CommentError, comment_add, mentioned_names
from annotations.models import Comment, HistoryAction, HistoryEntry, Notification, State
from annotations.policy import Role

from .factories import AnnotationFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def annotation(annotator):
    return AnnotationFactory(author=annotator)


def url(annotation):
    return reverse("comments", args=[annotation.pk])


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("@rita please check", ["rita"]),
        ("thanks @anna.", ["anna"]),
        ("@rita and @otto, and @rita again", ["rita", "otto"]),
        ("mail anna@example.org", []),
        ("(@rita) @a.b-c_d+e", ["rita", "a.b-c_d+e"]),
        ("no mention @ all", []),
    ],
)
def test_mentions_are_read_from_the_text(body, names):
    assert mentioned_names(body) == names


def test_a_mention_notifies_and_emails_that_person(
    annotation, reviewer, other_annotator, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        result = comment_add(
            annotation_id=annotation.pk, user=reviewer, body="@otto is this the speaker?"
        )

    assert [user.username for user in result.notified] == ["otto"]
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    # otto is mentioned; anna, the author, hears of a comment on her annotation.
    assert kinds == {("otto", "mention"), ("anna", "comment")}
    [message] = mail.outbox  # only the mention is e-mailed
    assert message.to == ["otto@example.org"]
    assert "rita mentioned you on a claim" in message.subject
    assert "@otto is this the speaker?" in message.body
    assert f"?a={annotation.pk}" in message.body


def test_a_comment_is_kept_in_the_history_without_changing_the_annotation(annotation, reviewer):
    version = annotation.version
    comment_add(annotation_id=annotation.pk, user=reviewer, body="Looks right.")

    entry = HistoryEntry.objects.get(annotation=annotation)
    assert (entry.action, entry.actor, entry.comment) == (
        HistoryAction.COMMENTED,
        reviewer,
        "Looks right.",
    )
    annotation.refresh_from_db()
    assert annotation.version == version


def test_unknown_names_and_people_off_the_team_are_not_notified(annotation, reviewer, researcher):
    result = comment_add(
        annotation_id=annotation.pk, user=reviewer, body="@nobody @ruth @rita see this"
    )

    assert result.unknown == ["nobody", "ruth"]  # rita, the writer herself, is neither
    assert result.notified == []
    assert not Notification.objects.filter(kind="mention").exists()


def test_the_author_mentioning_someone_is_not_told_of_their_own_comment(
    annotation, annotator, reviewer
):
    comment_add(annotation_id=annotation.pk, user=annotator, body="@rita done")

    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("rita", "mention")
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Write something first."), ("x" * 5001, "at most 5000"), ("a\x00b", "NUL")],
)
def test_a_bad_comment_is_refused_and_writes_nothing(annotation, reviewer, body, message):
    with pytest.raises(CommentError, match=message):
        comment_add(annotation_id=annotation.pk, user=reviewer, body=body)
    assert not Comment.objects.exists() and not HistoryEntry.objects.exists()


def test_a_withdrawn_annotation_takes_no_comments(annotator, reviewer):
    withdrawn = AnnotationFactory(author=annotator, state=State.WITHDRAWN)
    with pytest.raises(PermissionDenied, match="withdrawn"):
        comment_add(annotation_id=withdrawn.pk, user=reviewer, body="Why?")
    assert not Comment.objects.exists()


def test_too_many_mentions_are_refused(annotation, reviewer):
    body = " ".join(f"@user{n}" for n in range(11))
    with pytest.raises(CommentError, match="at most 10 people"):
        comment_add(annotation_id=annotation.pk, user=reviewer, body=body)


# ---- The view ----


@pytest.mark.parametrize("persona", ["annotator", "other_annotator", "reviewer", "editor"])
def test_the_team_reads_the_thread(persona, request, client_for, annotation):
    comment_add(
        annotation_id=annotation.pk, user=request.getfixturevalue("reviewer"), body="Hi @anna"
    )

    response = client_for(request.getfixturevalue(persona)).get(url(annotation), headers=HTMX)

    assert response.status_code == 200
    assert '<span class="mention">@anna</span>' in response.text
    assert "<html" not in response.text  # the fragment for htmx


def test_without_htmx_the_thread_is_a_page(client_for, annotation, reviewer):
    response = client_for(reviewer).get(url(annotation))

    assert response.status_code == 200 and "<html" in response.text
    assert f'id="comments-{annotation.pk}"' in response.text


@pytest.mark.parametrize("persona", ["researcher", "outsider"])
def test_others_may_not_read_or_write(persona, request, client_for, annotation):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(url(annotation)).status_code == 403
    assert client.post(url(annotation), {"body": "hello"}).status_code == 403
    assert not Comment.objects.exists()


def test_the_view_rejects_other_methods(client_for, annotation, reviewer):
    assert client_for(reviewer).put(url(annotation)).status_code == 405


def test_a_missing_annotation_is_404(client_for, reviewer):
    assert client_for(reviewer).get(reverse("comments", args=[999999])).status_code == 404


def test_posting_with_htmx_answers_the_thread_and_says_who_was_told(
    client_for, annotation, reviewer, other_annotator
):
    response = client_for(reviewer).post(
        url(annotation), {"body": "@otto @ghost have a look"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Notified otto." in response.text
    assert "Nobody was notified for @ghost" in response.text
    assert "historyChanged" in response["HX-Trigger"]
    assert Comment.objects.get().author == reviewer


def test_posting_without_htmx_redirects_to_the_thread(client_for, annotation, reviewer):
    response = client_for(reviewer).post(url(annotation), {"body": "Fine."})

    assert response.status_code == 302 and response["Location"] == url(annotation)


@pytest.mark.parametrize(("body", "status"), [("", 422), ("   ", 422), ("x" * 5001, 422)])
def test_a_bad_post_is_refused_with_the_reason(client_for, annotation, reviewer, body, status):
    response = client_for(reviewer).post(url(annotation), {"body": body}, headers=HTMX)

    assert response.status_code == status
    assert 'role="alert"' in response.text
    assert not Comment.objects.exists()


def test_the_review_item_and_the_annotate_panel_load_the_thread(client_for, annotation, reviewer):
    client = client_for(reviewer)
    item = client.get(reverse("review_item", args=[annotation.pk]))
    panel = client.get(
        reverse("article_detail", args=[annotation.article_id]), {"a": annotation.pk}
    )

    for response in (item, panel):
        assert f'hx-get="{url(annotation)}" hx-trigger="load"' in response.text


def test_the_review_history_lists_the_comment(client_for, annotation, reviewer):
    comment_add(annotation_id=annotation.pk, user=reviewer, body="Source is Table 2.")

    response = client_for(reviewer).get(reverse("review_item", args=[annotation.pk]))

    assert "Commented" in response.text and "Source is Table 2." in response.text


def test_the_thread_costs_the_same_queries_with_many_comments(
    client_for, annotation, reviewer, django_assert_max_num_queries
):
    for n in range(30):
        comment_add(annotation_id=annotation.pk, user=UserFactory(role=Role.REVIEWER), body=f"#{n}")
    client = client_for(reviewer)

    # Session, user, two permission lookups, the annotation, the thread.
    with django_assert_max_num_queries(6):
        response = client.get(url(annotation), headers=HTMX)
    assert response.text.count('class="comment"') == 30


def test_the_thread_is_in_order_oldest_first(annotation, reviewer, annotator):
    comment_add(annotation_id=annotation.pk, user=reviewer, body="first")
    comment_add(annotation_id=annotation.pk, user=annotator, body="second")

    assert [c.body for c in comments.thread(annotation)] == ["first", "second"]
