"""Background tasks: each runs one attempt of a job through `jobs.job_run`, which calls
the job's domain function and finishes, retries or fails the job.

The argument is the job's id (JSON, like every task argument): what to do is on the job.
Adding one, e.g. webhook deliveries:

    WEBHOOK_RETRY = RetryPolicy(retry_on=(URLError, TimeoutError), max_attempts=8)

    @task(takes_context=True)
    def deliver_webhook(context, job_id: int) -> dict:
        return jobs.job_run(context, job_id, webhooks.delivery_work, retry=WEBHOOK_RETRY)

and `jobs.job_create(kind=JobKind.WEBHOOK, task=tasks.deliver_webhook, params=…)`.
"""

from datetime import timedelta

from django.db import InterfaceError, OperationalError
from django.tasks import task

from . import jobs
from .jobs import RetryPolicy

# Transient: the database away, restarting, locked or deadlocked, or the file storage
# failing. Not retried: a refused file (that is the import's report, not a failure) or a
# bug (the same input fails the same way). Imports resume after the files they finished;
# exports start their file again.
TRANSIENT_RETRY = RetryPolicy(
    retry_on=(OperationalError, InterfaceError, OSError),
    max_attempts=5,
    first_delay=timedelta(seconds=15),
    max_delay=timedelta(minutes=10),
)


@task(takes_context=True)
def import_articles(context, job_id: int) -> dict:
    return jobs.job_run(
        context,
        job_id,
        jobs.import_job_work,
        retry=TRANSIENT_RETRY,
        discard=jobs.import_job_discard_uploads,
    )


@task(takes_context=True)
def export_file(context, job_id: int) -> dict:
    return jobs.job_run(context, job_id, jobs.export_job_work, retry=TRANSIENT_RETRY)


@task(takes_context=True)
def suggest_articles(context, job_id: int) -> dict:
    return jobs.job_run(context, job_id, jobs.suggest_job_work, retry=TRANSIENT_RETRY)


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


# ---- Notifications (issue 12): one e-mail per task; see annotations/notifications.py ----


@task
def notification_email(notification_id: int) -> str:
    """Send one notification's e-mail, once; "sent" or why not."""
    from . import notifications

    return notifications.email_send(notification_id=notification_id)
