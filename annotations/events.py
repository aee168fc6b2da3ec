"""Domain events, announced to the outside world only once the change they describe is saved.

`emit` is called inside the transaction that makes the change (the workflow's decisions,
an import). It registers a callback that runs after commit: a rolled-back change never
leaves this process. The callback records one webhook delivery per subscribed endpoint
and enqueues their sending as background tasks (`webhooks.deliveries_create`). It is
`robust`: a failure to record the deliveries is logged and never turns a saved change
into an error page.
"""

from functools import partial

from django.db import transaction
from django.utils import timezone


def emit(event: str, **data) -> None:
    """Announce `event` (a models.WebhookEvent) with its ids once the transaction commits.

    `data` holds ids only (JSON-serialisable); the deliveries read the rest after commit.
    """
    from . import webhooks

    occurred_at = timezone.now()
    transaction.on_commit(
        partial(webhooks.deliveries_create, event=str(event), data=data, occurred_at=occurred_at),
        robust=True,
    )
