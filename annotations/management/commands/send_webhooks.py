"""`manage.py send_webhooks`: attempt every webhook delivery that is due (retries included).

The task queue sends deliveries as they happen and, when its backend can defer, each
retry at its time. This command catches up on the rest (a backend without deferral, a
worker that was down): run it from cron every minute or so.
"""

from django.core.management.base import BaseCommand

from annotations.webhooks import deliveries_send_due


class Command(BaseCommand):
    help = "Attempt every webhook delivery whose time has come."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many (100)")

    def handle(self, *args, limit, **options):
        statuses = deliveries_send_due(limit=limit)
        self.stdout.write(f"Attempted {len(statuses)} deliveries.")
