"""Webhooks against a local receiver (a threaded http.server on a free loopback port).

The receiver checks every signature with the endpoint's secret, as a real one would, and
answers what the test tells it to. Time is passed to the sending functions (`now=`), so
retries are tested without waiting and without asserting timings.
"""

import hashlib
import hmac
import json
import socket
import threading
from collections import deque
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone

from annotations import webhooks, workflow
from annotations.importers import import_file
from annotations.models import (
    DeliveryStatus,
    Stance,
    Verdict,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

from .factories import SourceFactory, workflow_in_review

pytestmark = pytest.mark.django_db

SECRET = "a-receiver-secret-of-some-length"
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


class Receiver:
    """What the local receiver saw, and the statuses it will answer (then `default`)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: deque[int] = deque()
        self.default = 200
        self.url = ""

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            signature = self.headers.get(webhooks.SIGNATURE_HEADER, "")
            state.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                    "signature_valid": hmac.compare_digest(expected, signature),
                }
            )
            status = state.statuses.popleft() if state.statuses else state.default
            answer = b"ok" if status < 300 else b"boom"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/workbench?source=test"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.TASKS = IMMEDIATE
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


def endpoint_for(receiver, *events, **fields):
    return WebhookEndpoint.objects.create(
        url=receiver.url,
        secret=SECRET,
        events=[str(event) for event in (events or WebhookEvent.values)],
        **fields,
    )


def verify(annotation, reviewer):
    workflow.evidence_add(
        annotation_id=annotation.pk, user=reviewer, source=SourceFactory(), stance=Stance.SUPPORTS
    )
    annotation.refresh_from_db()
    return workflow.annotation_verify(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version,
        verdict=Verdict.MOSTLY_ACCURATE,
        rationale="Matches table 2.",
    )


# ---- Delivering ----


def test_a_verified_annotation_is_delivered_signed_to_the_receiver(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    endpoint_for(receiver, WebhookEvent.ANNOTATION_VERIFIED)
    annotation = workflow_in_review(annotator, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        verify(annotation, reviewer)

    [request] = receiver.requests
    assert request["signature_valid"]
    assert request["path"] == "/hooks/workbench?source=test"
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers[webhooks.EVENT_HEADER] == "annotation.verified"
    delivery = WebhookDelivery.objects.get()
    assert headers[webhooks.DELIVERY_HEADER] == str(delivery.uuid)
    body = json.loads(request["body"])
    assert body["id"] == str(delivery.uuid)
    assert body["event"] == "annotation.verified"
    assert body["time"].endswith("Z")
    summary = body["annotation"]
    assert (summary["id"], summary["kind"], summary["state"]) == (
        annotation.pk,
        "claim",
        "verified",
    )
    assert summary["span"]["exact"] == annotation.exact
    assert summary["review"]["verdict"] == "mostly_accurate"
    assert summary["review"]["rating"] == 4
    assert summary["annotator"].startswith("anon_")  # pseudonymous, never the name
    assert "anna" not in request["body"].decode()
    assert request["body"] == delivery.body.encode()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_each_endpoint_gets_only_the_events_it_chose(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    endpoint_for(receiver, WebhookEvent.ANNOTATION_REJECTED, WebhookEvent.ANNOTATION_SENT_BACK)
    rejected = workflow_in_review(annotator, reviewer)
    sent_back = workflow_in_review(annotator, reviewer, phrase="More than 200 projects")
    verified = workflow_in_review(annotator, reviewer, phrase="officials said")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.annotation_reject(
            annotation_id=rejected.pk, reviewer=reviewer, version=rejected.version,
            rationale="Not a claim.",
        )  # fmt: skip
        workflow.annotation_send_back(
            annotation_id=sent_back.pk, reviewer=reviewer, version=sent_back.version,
            comment="Take the whole sentence.",
        )  # fmt: skip
        verify(verified, reviewer)

    events = [(body["event"], body["annotation"]["id"]) for body in receiver.bodies]
    assert sorted(events) == [
        ("annotation.rejected", rejected.pk),
        ("annotation.sent_back", sent_back.pk),
    ]
    assert all(request["signature_valid"] for request in receiver.requests)


def test_an_inactive_endpoint_gets_nothing(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    endpoint_for(receiver, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        verify(workflow_in_review(annotator, reviewer), reviewer)
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0


def test_an_article_import_announces_the_batch_and_its_articles(
    receiver, editor, django_capture_on_commit_callbacks
):
    endpoint_for(receiver, WebhookEvent.ARTICLES_IMPORTED)
    from io import BytesIO

    lines = b'{"title": "One", "body": "First text."}\n{"title": "Two", "body": "Second."}\n'
    with django_capture_on_commit_callbacks(execute=True):
        report = import_file(BytesIO(lines), filename="two.jsonl", imported_by=editor)
    [body] = receiver.bodies
    assert body["event"] == "articles.imported"
    assert body["batch"]["id"] == report.batch.pk
    assert body["batch"]["filename"] == "two.jsonl"
    assert [article["title"] for article in body["articles"]] == ["One", "Two"]
    assert body["articles"][0]["iri"].endswith(f"/articles/{report.imported[0].pk}/")

    with django_capture_on_commit_callbacks(execute=True):
        import_file(BytesIO(lines), filename="two.jsonl", imported_by=editor)
    assert len(receiver.requests) == 1  # nothing new, nothing announced


def test_a_rolled_back_transaction_sends_nothing(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    endpoint_for(receiver)
    annotation = workflow_in_review(annotator, reviewer)

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            verify(annotation, reviewer)
            raise Boom
    assert callbacks == []
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0
    # The same decision, committed: one delivery (the receiver works).
    with django_capture_on_commit_callbacks(execute=True):
        verify(workflow_in_review(annotator, reviewer, phrase="officials said"), reviewer)
    assert len(receiver.requests) == 1


# ---- Retrying ----


def _dispatch(receiver, annotator, reviewer, capture) -> WebhookDelivery:
    endpoint_for(receiver, WebhookEvent.ANNOTATION_VERIFIED)
    with capture(execute=True):
        verify(workflow_in_review(annotator, reviewer), reviewer)
    return WebhookDelivery.objects.get()


def test_a_500_is_retried_with_backoff_until_it_succeeds(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    receiver.statuses.extend([500, 500])
    delivery = _dispatch(receiver, annotator, reviewer, django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("retrying", 1, 500)
    assert delivery.last_error == "HTTP 500: boom"
    first_retry = delivery.next_attempt_at
    assert first_retry == delivery.last_attempt_at + webhooks.RETRY_DELAYS[0]

    # Before its time nothing is sent.
    assert webhooks.deliveries_send_due(now=first_retry - timedelta(seconds=1)) == []
    assert len(receiver.requests) == 1

    assert webhooks.deliveries_send_due(now=first_retry) == ["retrying"]
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == first_retry + webhooks.RETRY_DELAYS[1]

    assert webhooks.deliveries_send_due(now=delivery.next_attempt_at) == ["succeeded"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 3, "")
    assert len(receiver.requests) == 3
    # Every attempt sends the same bytes with the same signature and delivery id.
    assert len({request["body"] for request in receiver.requests}) == 1
    assert all(request["signature_valid"] for request in receiver.requests)
    assert len({request["headers"][webhooks.DELIVERY_HEADER] for request in receiver.requests}) == 1


def test_a_delivery_that_keeps_failing_ends_as_failed(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    receiver.default = 503
    delivery = _dispatch(receiver, annotator, reviewer, django_capture_on_commit_callbacks)
    now = delivery.next_attempt_at
    while True:
        statuses = webhooks.deliveries_send_due(now=now)
        if not statuses:
            break
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            break
        now = delivery.next_attempt_at
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS == 6
    assert delivery.last_error == "HTTP 503: boom"
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 6
    # A failed delivery is never attempted again on its own.
    assert webhooks.deliveries_send_due(now=now + timedelta(days=30)) == []


def test_the_schedule_waits_longer_each_time():
    delays = [delay.total_seconds() for delay in webhooks.RETRY_DELAYS]
    assert delays == sorted(delays) and len(set(delays)) == len(delays)
    assert delays[0] == 60


def test_a_refused_connection_and_a_redirect_are_failures_with_their_reason(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    receiver.statuses.append(302)
    delivery = _dispatch(receiver, annotator, reviewer, django_capture_on_commit_callbacks)
    assert delivery.last_error == "HTTP 302: redirects are not followed."
    assert delivery.status == "retrying"

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: the connection is refused
        WebhookEndpoint.objects.update(url=f"http://127.0.0.1:{port}/")
        webhooks.deliveries_send_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 2
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error


def test_a_retry_is_enqueued_for_its_time_when_the_backend_can_defer(
    receiver, annotator, reviewer, settings, django_capture_on_commit_callbacks
):
    receiver.default = 500
    delivery = _dispatch(receiver, annotator, reviewer, django_capture_on_commit_callbacks)
    settings.TASKS = DUMMY  # can defer: the worker will run the retry at its time
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliveries_send_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    [result] = default_task_backend.results
    assert result.task.name == "webhook_deliver"
    assert result.args == [delivery.pk]
    assert result.task.run_after == delivery.next_attempt_at


def test_a_delivery_being_sent_is_not_sent_twice(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = DUMMY  # recorded, not sent yet
    endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        verify(workflow_in_review(annotator, reviewer), reviewer)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    # Another worker claimed it a moment ago: its lease runs.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, next_attempt_at=now + timedelta(minutes=2)
    )
    assert webhooks.delivery_attempt(delivery_id=delivery.pk, now=now) == "sending"
    assert receiver.requests == []
    # A sender that vanished: once the lease ran out, the delivery is due again.
    assert webhooks.delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(minutes=3)) == (
        "succeeded"
    )
    assert len(receiver.requests) == 1


def test_retry_now_gives_a_failed_delivery_one_more_attempt(
    receiver, annotator, reviewer, django_capture_on_commit_callbacks
):
    delivery = _dispatch(receiver, annotator, reviewer, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=6, next_attempt_at=None, delivered_at=None
    )
    receiver.default = 500
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.deliveries_retry_now([delivery.pk]) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 7)  # tried once, failed again
    receiver.default = 200
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliveries_retry_now([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.deliveries_retry_now([delivery.pk]) == 0  # delivered: left alone


# ---- Signatures ----


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    body = b'{"event":"annotation.verified","id":"x"}'
    header = webhooks.sign("s3cret", body)
    assert header == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert webhooks.signature_matches("s3cret", body, header)
    assert not webhooks.signature_matches("other", body, header)
    assert not webhooks.signature_matches("s3cret", body + b" ", header)
    assert not webhooks.signature_matches("s3cret", body, None)


# ---- Addresses (SSRF) ----


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8000/hook", "non-public"),
        ("http://10.1.2.3/hook", "non-public"),
        ("http://192.168.0.10/hook", "non-public"),
        ("http://169.254.169.254/latest/meta-data/", "non-public"),
        ("http://[::1]/hook", "non-public"),
        ("http://[::ffff:127.0.0.1]/hook", "non-public"),
        ("http://localhost:8000/hook", "private network"),
        ("http://printer.local/hook", "private network"),
        ("ftp://hooks.example.org/", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("https://user:pw@hooks.example.org/", "no user name or password"),
        ("https:///no-host", "host name"),
    ],
)
def test_private_and_odd_urls_are_refused_in_production(settings, url, reason):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    assert reason in webhooks.url_problem(url)


def test_public_urls_are_accepted_and_private_ones_only_when_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    assert webhooks.url_problem("https://hooks.example.org/workbench") is None
    assert webhooks.url_problem("http://93.184.215.14:8080/x") is None
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert webhooks.url_problem("http://127.0.0.1:8000/hook") is None


def _resolving(monkeypatch, name: str, address: str):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == name:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", getaddrinfo)


def test_a_name_that_resolves_to_a_private_address_is_refused_when_sending(
    receiver, annotator, reviewer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    _resolving(monkeypatch, "hooks.example.org", "10.0.0.7")
    WebhookEndpoint.objects.create(
        url="http://hooks.example.org/in", secret=SECRET, events=WebhookEvent.values
    )
    with django_capture_on_commit_callbacks(execute=True):
        verify(workflow_in_review(annotator, reviewer), reviewer)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    assert "hooks.example.org resolves to 10.0.0.7" in delivery.last_error
    assert receiver.requests == []


def test_the_request_goes_to_the_address_that_was_checked(
    receiver, annotator, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    """The host name is resolved once, checked, and connected to by that address (no
    second lookup for DNS rebinding to answer); the Host header keeps the name."""
    port = receiver.url.split(":")[2].split("/")[0]
    _resolving(monkeypatch, "receiver.test", "127.0.0.1")
    WebhookEndpoint.objects.create(
        url=f"http://receiver.test:{port}/in", secret=SECRET, events=WebhookEvent.values
    )
    with django_capture_on_commit_callbacks(execute=True):
        verify(workflow_in_review(annotator, reviewer), reviewer)
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"receiver.test:{port}"
    assert request["signature_valid"]
