"""Background jobs (django.tasks): each a few lines that call a domain function.

Arguments are JSON-serialisable ids; the work and its rules live in the domain modules.
"""

from django.tasks import task

# ---- Webhooks (issue 11): sending one delivery; see annotations/webhooks.py ----


@task
def webhook_deliver(delivery_id: int) -> str:
    """Attempt one webhook delivery if it is due; its status afterwards."""
    from . import webhooks

    return webhooks.delivery_attempt(delivery_id=delivery_id)


@task
def webhooks_send_due() -> int:
    """Attempt every delivery whose time has come (retries included); how many."""
    from . import webhooks

    return len(webhooks.deliveries_send_due())
