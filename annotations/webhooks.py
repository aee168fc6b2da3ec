"""Webhooks: signed JSON deliveries of Workbench events to URLs editors register.

The path of one event (see docs/interop.md, "Webhooks", for receivers):

1. A domain function calls `events.emit` inside its transaction; after commit,
   `deliveries_create` writes one WebhookDelivery per active endpoint subscribed to the
   event, holding the exact JSON body, and enqueues `tasks.webhook_deliver` for each.
2. `delivery_attempt` claims a due delivery (one conditional UPDATE, so two workers never
   send it twice at once), POSTs the body with its HMAC-SHA256 signature, and records the
   outcome. A 2xx is success. Anything else (another status, a redirect, a timeout, a
   refused address) is retried after 1 min, 5 min, 30 min, 2 h and 8 h (`RETRY_DELAYS`):
   six attempts over about ten and a half hours, then the delivery ends as failed. A
   retry is enqueued for its time when the task backend can defer; `deliveries_send_due`
   (the `send_webhooks` command, from cron or the worker) sends whatever is due anyway.
3. The admin lists every delivery read-only, with a "retry now" action.

Addresses are checked twice: when an endpoint is saved (`url_problem`: http or https, no
credentials, no private name or address) and when it is sent to, on the addresses its
host resolves to at that moment; the connection then goes to the address that was checked
(no second lookup a DNS rebinding could answer differently). Private, loopback, link-local
and other non-public addresses are refused unless `WEBHOOK_ALLOW_PRIVATE_TARGETS` is on
(development and tests: receivers on 127.0.0.1).
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .exporters import pseudonym
from .models import (
    VERDICT_RATINGS,
    Annotation,
    Article,
    DeliveryStatus,
    ImportBatch,
    Review,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .text import utf16_offsets

SIGNATURE_HEADER = "X-Workbench-Signature-256"
EVENT_HEADER = "X-Workbench-Event"
DELIVERY_HEADER = "X-Workbench-Delivery"
USER_AGENT = "Workbench-Webhooks/1"

# The wait before each retry; one attempt more than delays, then the delivery has failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Characters of a failed response's body kept in last_error: enough to read the reason.
ERROR_EXCERPT = 300
# Host names that name this machine or a private network whatever DNS says.
PRIVATE_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")


class WebhookRefused(ValueError):
    """A target the webhooks will not send to; the message says why."""


# ---- Signing ----


def new_secret() -> str:
    """A fresh endpoint secret: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: "sha256=" and the hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute over the raw bytes, compare in constant time."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


# ---- Addresses ----


def _allow_private() -> bool:
    return settings.WEBHOOK_ALLOW_PRIVATE_TARGETS


def _address_problem(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    return (
        f"{address} is a private, loopback or otherwise non-public address "
        "(WEBHOOK_ALLOW_PRIVATE_TARGETS allows those)"
    )


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook target, or None (checked when an endpoint is saved;
    what a host name resolves to is checked again at every delivery)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"This is not a valid URL ({error})."
    if parts.scheme not in ("http", "https"):
        return "A webhook URL must start with http:// or https://."
    if not parts.hostname:
        return "A webhook URL needs a host name."
    if parts.username is not None or parts.password is not None:
        return "Put no user name or password in the URL: deliveries are signed instead."
    if port == 0:
        return "Port 0 cannot be reached."
    if _allow_private():
        return None
    host = parts.hostname.lower().rstrip(".")
    if host == "localhost" or host.endswith(PRIVATE_NAMES):
        return f"{host} names this machine or a private network: refused."
    try:
        problem = _address_problem(host)
    except ValueError:
        return None  # a host name: its addresses are checked when sending
    return f"Refused: {problem}." if problem else None


def _resolve(host: str, port: int) -> tuple[int, str]:
    """(address family, address) to connect to: the first the host resolves to, after
    checking every one of them (a name with one private address among public ones is
    refused: which one a client gets is not ours to choose)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise WebhookRefused(f"{host} does not resolve ({error}).") from None
    if not _allow_private():
        for _family, _type, _proto, _name, sockaddr in found:
            if (problem := _address_problem(sockaddr[0])) is not None:
                raise WebhookRefused(f"{host} resolves to {problem}.")
    family, _type, _proto, _name, sockaddr = found[0]
    return family, sockaddr[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, with the URL's host in Host."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Like _PinnedHTTPConnection, with TLS verified against the URL's host name."""

    def __init__(self, host, port, *, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST `body`; (status code, "") on a 2xx, else (status code or None, why)."""
    problem = url_problem(url)
    if problem is not None:
        return None, problem
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _family, address = _resolve(parts.hostname, port)
    except WebhookRefused as refusal:
        return None, str(refusal)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(
            parts.hostname, port, address=address, timeout=timeout,
            context=ssl.create_default_context(),
        )  # fmt: skip
    else:
        connection = _PinnedHTTPConnection(parts.hostname, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(ERROR_EXCERPT).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"[:ERROR_EXCERPT] or "connection failed"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, ""
    if 300 <= response.status < 400:
        return response.status, f"HTTP {response.status}: redirects are not followed."
    return response.status, f"HTTP {response.status}: {excerpt}".strip()


# ---- Events to deliveries ----


def _iri(name: str, pk: int) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(name, args=[pk])


def _timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _article_summary(article: Article) -> dict:
    return {
        "id": article.pk,
        "iri": _iri("article_detail", article.pk),
        "title": article.title,
        "url": article.url or None,
    }


def annotation_summary(annotation_id: int) -> dict | None:
    """What a receiver needs to know of an annotation after a decision: its span and
    kind, its state, the latest review, annotator and reviewer as the export's
    pseudonymous ids. None if it no longer exists."""
    annotation = Annotation.objects.select_related("article").filter(pk=annotation_id).first()
    if annotation is None:
        return None
    article = annotation.article
    review = Review.objects.filter(annotation=annotation).order_by("-created_at", "-id").first()
    start16, end16 = utf16_offsets(article.body, annotation.start, annotation.end)
    return {
        "id": annotation.pk,
        "iri": _iri("annotate_panel", annotation.pk),
        "kind": annotation.kind,
        "state": annotation.state,
        "version": annotation.version,
        "article": _article_summary(article),
        "span": {
            "start": annotation.start,
            "end": annotation.end,
            "start_utf16": start16,
            "end_utf16": end16,
            "exact": annotation.exact,
            "prefix": annotation.prefix,
            "suffix": annotation.suffix,
        },
        "review": None
        if review is None
        else {
            "outcome": review.outcome,
            "verdict": review.verdict or None,
            "rating": VERDICT_RATINGS.get(review.verdict) if review.verdict else None,
            "rationale": review.rationale or None,
            "at": _timestamp(review.created_at),
            "reviewer": pseudonym(review.reviewer_id),
        },
        "annotator": pseudonym(annotation.author_id),
        "decided_at": _timestamp(annotation.decided_at),
    }


def batch_summary(batch_id: int) -> dict | None:
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return None
    articles = batch.articles.only("pk", "title", "url").order_by("pk")
    return {
        "batch": {
            "id": batch.pk,
            "filename": batch.filename,
            "format": batch.format,
            "imported_count": batch.imported_count,
            "duplicate_count": batch.duplicate_count,
        },
        "articles": [_article_summary(article) for article in articles],
    }


def event_payload(event: str, data: dict) -> dict | None:
    """The event's own part of the body, read now (after commit); None if its subject is
    gone (nothing to tell)."""
    if event == WebhookEvent.ARTICLES_IMPORTED:
        return batch_summary(data["batch_id"])
    annotation = annotation_summary(data["annotation_id"])
    return None if annotation is None else {"annotation": annotation}


def deliveries_create(*, event: str, data: dict, occurred_at: datetime) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to `event`, and a task to send each.

    Runs after the event's transaction committed (`events.emit`). One query when nobody
    listens; otherwise the payload is built once and signed per endpoint on sending.
    """
    endpoints = [
        endpoint for endpoint in WebhookEndpoint.objects.active() if event in endpoint.events
    ]
    if not endpoints:
        return []
    payload = event_payload(event, data)
    if payload is None:
        return []
    now = timezone.now()
    deliveries = []
    for endpoint in endpoints:
        delivery_uuid = uuid.uuid4()
        body = {"id": str(delivery_uuid), "event": event, "time": _timestamp(occurred_at)}
        deliveries.append(
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                uuid=delivery_uuid,
                body=json.dumps(body | payload, ensure_ascii=False, separators=(",", ":")),
                next_attempt_at=now,
            )
        )
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            _enqueue_on_commit(delivery.pk)
    return deliveries


def _enqueue_on_commit(delivery_id: int, run_after: datetime | None = None) -> None:
    def enqueue():
        from .tasks import webhook_deliver

        task = webhook_deliver
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return  # `deliveries_send_due` sends it when it is due
            task = task.using(run_after=run_after)
        task.enqueue(delivery_id)

    transaction.on_commit(enqueue, robust=True)


# ---- Attempts ----


def _lease() -> timedelta:
    """How long an attempt may take before another sender may consider it lost."""
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 60)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send the delivery if it is due, record the outcome, plan a retry; its status after.

    The claim is one UPDATE on a due row: a second sender finds nothing to claim. The
    request is sent outside any transaction (no row stays locked while a receiver thinks).
    """
    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.due(now)
        .filter(pk=delivery_id)
        .update(
            status=DeliveryStatus.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            next_attempt_at=now + _lease(),
        )
    )
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    if not claimed:
        return delivery.status
    endpoint = delivery.endpoint
    body = delivery.body.encode("utf-8")
    if endpoint.active:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.uuid),
            SIGNATURE_HEADER: sign(endpoint.secret, body),
        }
        status_code, error = _post(endpoint.url, body, headers)
    else:
        status_code, error = None, "The endpoint was deactivated."
    return _record_outcome(delivery, status_code, error, now=now)


def _record_outcome(delivery: WebhookDelivery, status_code, error: str, *, now) -> str:
    fields = {"last_status_code": status_code, "last_error": error}
    if not error:
        fields |= {"status": DeliveryStatus.SUCCEEDED, "delivered_at": now, "next_attempt_at": None}
    elif delivery.attempts < MAX_ATTEMPTS and delivery.endpoint.active:
        retry_at = now + RETRY_DELAYS[delivery.attempts - 1]
        fields |= {"status": DeliveryStatus.RETRYING, "next_attempt_at": retry_at}
    else:
        fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    with transaction.atomic():
        # Only the claim this attempt made: a "retry now" meanwhile keeps its own plan.
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts
        ).update(**fields)
        if updated and fields["status"] == DeliveryStatus.RETRYING:
            _enqueue_on_commit(delivery.pk, run_after=fields["next_attempt_at"])
    return fields["status"]


def deliveries_send_due(*, now: datetime | None = None, limit: int = 100) -> list[str]:
    """Attempt every delivery due at `now` (oldest first, at most `limit`); their statuses."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.due(now).order_by("next_attempt_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:limit])
    return [delivery_attempt(delivery_id=delivery_id, now=now) for delivery_id in ids]


def deliveries_retry_now(delivery_ids) -> int:
    """Make the deliveries due at once (failed ones get one more attempt) and enqueue
    them; those delivered or being sent are left alone. How many were planned."""
    now = timezone.now()
    with transaction.atomic():
        planned = list(
            WebhookDelivery.objects.filter(pk__in=list(delivery_ids))
            .exclude(status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.SENDING])
            .values_list("pk", flat=True)
        )
        # A failed delivery gets one attempt more: failing again, it stays failed.
        WebhookDelivery.objects.filter(pk__in=planned).update(
            status=DeliveryStatus.RETRYING, next_attempt_at=now
        )
        for delivery_id in planned:
            _enqueue_on_commit(delivery_id)
    return len(planned)
