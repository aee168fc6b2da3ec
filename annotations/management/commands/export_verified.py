"""`manage.py export_verified`: stream verified annotations to a file or standard output.

The bytes are the endpoint's (`ExportStream.iter_bytes`), end line of JSON Lines included,
so a file written here passes the completeness check of docs/export.md.
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.exporters import FORMATS, stream_export
from annotations.forms.export import ExportFilterForm
from annotations.models import Kind, Verdict


class Command(BaseCommand):
    help = (
        "Export verified annotations as the research format (json, jsonl), W3C Web "
        "Annotation (w3c) or schema.org ClaimReview (claimreview), streamed in constant memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=list(FORMATS), default="json")
        parser.add_argument(
            "--since", help="Verified at or after: 2025-01-31 or 2025-01-31T14:00:00Z"
        )
        parser.add_argument("--kind", choices=Kind.values)
        parser.add_argument("--verdict", choices=Verdict.values)
        parser.add_argument("--article", type=int, help="Only this article's annotations (id)")
        parser.add_argument("--output", help="File to write (default: standard output)")

    def handle(self, *args, **options):
        # The endpoint's form parses the filters, so both accept exactly the same values.
        form = ExportFilterForm(
            data={name: options[name] for name in ("since", "kind", "verdict", "article")}
        )
        if not form.is_valid():
            problems = "; ".join(
                f"--{field}: {' '.join(errors)}" for field, errors in form.errors.items()
            )
            raise CommandError(problems)
        stream = stream_export(options["format"], form.filters())

        output = options["output"]
        if not output or output == "-":
            for block in stream.iter_bytes():
                self.stdout.write(block.decode("utf-8"), ending="")
            return

        # Write beside the target and rename at the end: a reader never sees half a file,
        # and a failed export leaves the previous file in place.
        target = Path(output)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                file.writelines(stream.iter_bytes())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stderr.write(f"Wrote {stream.records} records ({options['format']}) to {target}")
