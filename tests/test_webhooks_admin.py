"""Webhooks in the admin: editors register endpoints (URLs checked, a secret generated),
and read the delivery log, read-only, with "retry now"."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone

from annotations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

ADD = reverse("admin:annotations_webhookendpoint_add")
DELIVERIES = reverse("admin:annotations_webhookdelivery_changelist")


@pytest.fixture(autouse=True)
def _queue_without_sending(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # as in production


def endpoint(**fields):
    return WebhookEndpoint.objects.create(
        **{
            "url": "https://hooks.example.org/in",
            "secret": "x" * 24,
            "events": [WebhookEvent.ANNOTATION_VERIFIED],
            **fields,
        }
    )


def delivery(target, **fields):
    import uuid

    return WebhookDelivery.objects.create(
        endpoint=target,
        event=WebhookEvent.ANNOTATION_VERIFIED,
        uuid=uuid.uuid4(),
        body='{"event":"annotation.verified"}',
        **fields,
    )


def test_the_add_form_offers_a_fresh_secret(client_for, editor):
    first = client_for(editor).get(ADD).context["adminform"].form.initial["secret"]
    second = client_for(editor).get(ADD).context["adminform"].form.initial["secret"]
    assert len(first) >= 40 and first != second


def test_an_editor_registers_an_endpoint_for_chosen_events(client_for, editor):
    response = client_for(editor).post(
        ADD,
        {
            "url": "https://hooks.example.org/workbench",
            "description": "Newsroom dashboard",
            "events": ["annotation.verified", "articles.imported"],
            "secret": "a-secret-of-twenty-chars",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = WebhookEndpoint.objects.get()
    assert saved.events == ["annotation.verified", "articles.imported"]
    assert (saved.secret, saved.created_by) == ("a-secret-of-twenty-chars", editor)


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://127.0.0.1:8000/hook", "non-public"),
        ("http://169.254.169.254/latest", "non-public"),
        ("http://localhost/hook", "private network"),
        ("ftp://hooks.example.org/", "http:// or https://"),
    ],
)
def test_private_targets_are_refused_when_registering(client_for, editor, url, message):
    response = client_for(editor).post(
        ADD, {"url": url, "events": ["annotation.verified"], "secret": "s" * 20, "active": "on"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_a_short_secret_or_no_event_is_refused(client_for, editor):
    response = client_for(editor).post(
        ADD, {"url": "https://hooks.example.org/in", "events": [], "secret": "short"}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"events", "secret"}


def test_changing_an_endpoint_keeps_its_secret_unless_a_new_one_is_typed(client_for, editor):
    target = endpoint()
    url = reverse("admin:annotations_webhookendpoint_change", args=[target.pk])
    page = client_for(editor).get(url)
    assert "x" * 24 not in page.content.decode()  # never shown again
    data = {"url": target.url, "events": ["annotation.rejected"], "secret": "", "active": "on"}
    assert client_for(editor).post(url, data).status_code == 302
    target.refresh_from_db()
    assert (target.secret, target.events) == ("x" * 24, ["annotation.rejected"])


def test_the_delivery_log_lists_attempts_and_is_read_only(
    client_for, editor, django_assert_max_num_queries
):
    target = endpoint()
    for _ in range(20):
        delivery(target, status=DeliveryStatus.FAILED, attempts=6, last_error="HTTP 500: boom")
    client = client_for(editor)
    with django_assert_max_num_queries(12):
        response = client.get(DELIVERIES)
    assert response.status_code == 200
    one = WebhookDelivery.objects.first()
    url = reverse("admin:annotations_webhookdelivery_change", args=[one.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "HTTP 500: boom" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.post(url, {"status": "succeeded"}).status_code == 403
    assert client.get(reverse("admin:annotations_webhookdelivery_add")).status_code == 403


def test_retry_now_plans_the_failed_deliveries_and_leaves_delivered_ones(
    client_for, editor, django_capture_on_commit_callbacks
):
    target = endpoint()
    failed = delivery(target, status=DeliveryStatus.FAILED, attempts=6)
    done = delivery(
        target, status=DeliveryStatus.SUCCEEDED, attempts=1, delivered_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(
            DELIVERIES,
            {"action": "retry_now", "index": 0, ACTION_CHECKBOX_NAME: [failed.pk, done.pk]},
            follow=True,
        )
    assert "1 delivery planned now. 1 left alone (delivered, or being sent)." in (
        response.content.decode()
    )
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.RETRYING
    assert [result.args for result in default_task_backend.results] == [[failed.pk]]


def test_other_roles_do_not_reach_the_webhook_admin(client_for, annotator, researcher):
    for user in (annotator, researcher):
        assert client_for(user).get(ADD).status_code == 302  # the admin's login page
