"""Notifications: made where the workflow decides, e-mailed after commit, listed, marked read."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from annotations import notifications, workflow
from annotations.models import Notification, NotificationKind, State, Verdict

from .factories import AnnotationFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PAGE = reverse("notifications")
READ = reverse("notifications_read")


@pytest.fixture
def held(annotator, reviewer):
    """An annotation of anna's that rita holds for review, with evidence."""
    annotation = AnnotationFactory(
        author=annotator, state=State.SUBMITTED, submitted_at=timezone.now()
    )
    annotation = workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)
    EvidenceFactory(annotation=annotation, added_by=reviewer)
    return annotation


def decide(outcome, held, reviewer):
    common = {"annotation_id": held.pk, "reviewer": reviewer, "version": held.version}
    if outcome == "sent_back":
        return workflow.annotation_send_back(**common, comment="Span too long: mark the figure.")
    if outcome == "rejected":
        return workflow.annotation_reject(**common, rationale="Not a claim.")
    return workflow.annotation_verify(**common, verdict=Verdict.ACCURATE, rationale="Table 2.")


@pytest.mark.parametrize(
    ("outcome", "reason", "subject"),
    [
        ("sent_back", "Span too long: mark the figure.", "rita sent your claim in"),
        ("rejected", "Not a claim.", "rita rejected your claim in"),
        ("verified", "Table 2.", "rita verified your claim in"),
    ],
)
def test_a_decision_notifies_the_author_in_the_app_and_by_email(
    outcome, reason, subject, held, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        decide(outcome, held, reviewer)

    notification = Notification.objects.get()
    assert (notification.recipient.username, notification.kind) == ("anna", outcome)
    assert (notification.actor.username, notification.annotation_id) == ("rita", held.pk)
    assert notification.text == reason
    assert notification.emailed_at is not None
    [message] = mail.outbox
    assert message.to == ["anna@example.org"]
    assert subject in message.subject
    assert reason in message.body
    assert f"/review/{held.pk}/" in message.body


def test_no_email_leaves_before_the_decision_commits(held, reviewer, settings):
    settings.TASKS = IMMEDIATE
    decide("rejected", held, reviewer)  # the test's transaction never commits

    assert Notification.objects.count() == 1
    assert mail.outbox == []


def test_a_refused_decision_notifies_nobody(held, other_reviewer):
    with pytest.raises(PermissionDenied):
        decide("rejected", held, other_reviewer)  # rita holds it, not rolf

    assert not Notification.objects.exists()


def test_the_email_is_sent_once_even_if_its_task_runs_twice(
    held, reviewer, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        decide("verified", held, reviewer)
    notification = Notification.objects.get()

    assert notifications.email_send(notification_id=notification.pk) == "sent"
    assert (
        notifications.email_send(notification_id=notification.pk) == "already sent or not e-mailed"
    )
    assert len(mail.outbox) == 1


def test_assignments_and_plain_comments_are_not_emailed(annotator, editor):
    note = Notification.objects.create(
        recipient=annotator, kind=NotificationKind.ASSIGNED, actor=editor, text="2 articles"
    )

    assert notifications.email_send(notification_id=note.pk) == "already sent or not e-mailed"
    assert mail.outbox == []


def test_a_person_without_an_address_gets_no_email(held, reviewer, annotator):
    annotator.email = ""
    annotator.save()
    decide("rejected", held, reviewer)

    note = Notification.objects.get()
    assert notifications.email_send(notification_id=note.pk) == "no address"
    assert mail.outbox == []


# ---- The count in the navigation ----


def test_the_navigation_shows_the_unread_count(client_for, annotator, editor):
    Notification.objects.create(recipient=annotator, kind=NotificationKind.ASSIGNED, actor=editor)
    Notification.objects.create(recipient=annotator, kind=NotificationKind.ASSIGNED, actor=editor)

    response = client_for(annotator).get(reverse("article_list"))

    assert 'title="2 unread">2<span class="visually-hidden"> unread</span>' in response.text


def test_the_unread_count_is_cached_and_dropped_on_change(
    annotator, editor, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert notifications.unread_count(annotator) == 0
    with django_assert_num_queries(0):
        assert notifications.unread_count(annotator) == 0
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_many(
            [Notification(recipient=annotator, kind=NotificationKind.COMMENT, actor=editor)]
        )
    assert notifications.unread_count(annotator) == 1
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notifications_mark_read(user=annotator)
    assert notifications.unread_count(annotator) == 0


# ---- The page ----


def test_the_page_lists_my_notifications_only(client_for, held, reviewer, other_annotator):
    decide("sent_back", held, reviewer)
    Notification.objects.create(recipient=other_annotator, kind=NotificationKind.ASSIGNED)

    response = client_for(held.author).get(PAGE)

    assert response.status_code == 200
    assert "rita sent your claim in" in response.text
    assert "Span too long: mark the figure." in response.text
    assert len(response.context["page"].object_list) == 1


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "editor", "researcher", "outsider"])
def test_everyone_logged_in_has_the_page(persona, request, client_for):
    assert client_for(request.getfixturevalue(persona)).get(PAGE).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(PAGE).status_code == 302
    assert client.post(READ).status_code == 302


def test_the_page_rejects_post_and_marking_rejects_get(client_for, annotator):
    client = client_for(annotator)
    assert client.post(PAGE).status_code == 405
    assert client.get(READ).status_code == 405


def test_mark_one_read_leaves_the_others(client_for, annotator, other_annotator):
    first = Notification.objects.create(recipient=annotator, kind=NotificationKind.ASSIGNED)
    second = Notification.objects.create(recipient=annotator, kind=NotificationKind.ASSIGNED)
    theirs = Notification.objects.create(recipient=other_annotator, kind=NotificationKind.ASSIGNED)
    client = client_for(annotator)

    assert client.post(READ, {"notification": first.pk}).status_code == 302
    client.post(READ, {"notification": theirs.pk})  # someone else's: ignored

    assert set(Notification.objects.unread().values_list("pk", flat=True)) == {second.pk, theirs.pk}
    client.post(READ)
    assert list(Notification.objects.unread().values_list("pk", flat=True)) == [theirs.pk]


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "x"])
def test_a_bad_id_is_400_and_marks_nothing(client_for, annotator, raw):
    Notification.objects.create(recipient=annotator, kind=NotificationKind.ASSIGNED)

    response = client_for(annotator).post(READ, {"notification": raw})

    assert response.status_code == 400
    assert Notification.objects.unread().count() == 1


def test_the_page_costs_the_same_queries_with_many_notifications(
    client_for, annotator, reviewer, django_assert_max_num_queries
):
    for _ in range(40):
        annotation = AnnotationFactory(author=annotator)
        Notification.objects.create(
            recipient=annotator,
            kind=NotificationKind.MENTION,
            actor=reviewer,
            annotation=annotation,
            article=annotation.article,
            text="@anna look",
        )
    UserFactory.create_batch(3)
    client = client_for(annotator)

    # Session, user, groups, two permission lookups, unread count, page count, page.
    with django_assert_max_num_queries(8):
        response = client.get(PAGE)
    assert len(response.context["page"].object_list) == 30
    with django_assert_max_num_queries(8):
        client.get(PAGE, {"page": "2"})
