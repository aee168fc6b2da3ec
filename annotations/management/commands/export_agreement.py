"""`manage.py export_agreement [--annotators] [-o FILE]`: the agreement report (JSON), or
with --annotators every annotator's submitted spans (JSON Lines); docs/export.md."""

import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from annotations.agreement_export import agreement_report_bytes, annotator_export


class Command(BaseCommand):
    help = "Write the agreement report, or (--annotators) every annotator's submitted spans."

    def add_arguments(self, parser):
        parser.add_argument(
            "--annotators",
            action="store_true",
            help="The all-annotators export (JSON Lines) instead of the report",
        )
        parser.add_argument("-o", "--output", help="File to write (default: standard output)")

    def handle(self, *args, **options):
        now = timezone.now()
        if options["annotators"]:
            blocks = annotator_export(exported_at=now)
        else:
            blocks = [agreement_report_bytes(generated_at=now), b"\n"]
        output = open(options["output"], "wb") if options["output"] else sys.stdout.buffer
        try:
            for block in blocks:
                output.write(block)
        finally:
            if options["output"]:
                output.close()
