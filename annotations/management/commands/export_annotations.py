"""`manage.py export_annotations --format label-studio|doccano [--all] [--output FILE]`.

Verified annotations (every live one with --all) in another tool's format, one record per
article, streamed. Written beside the target and renamed at the end, like export_verified.
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand

from annotations.interop import EXPORT_FORMATS, ExportScope, stream_interop_export


class Command(BaseCommand):
    help = "Export annotations as Label Studio JSON or doccano JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="file_format", required=True, choices=[str(f) for f in EXPORT_FORMATS]
        )
        parser.add_argument(
            "--all",
            dest="every",
            action="store_true",
            help="Every live annotation (drafts to decided; never withdrawn ones), not only "
            "the verified ones.",
        )
        parser.add_argument("--article", type=int, help="Only this article (id)")
        parser.add_argument("--output", help="File to write (default: standard output)")

    def handle(self, *args, file_format, every, article, output, **options):
        scope = ExportScope.ALL if every else ExportScope.VERIFIED
        stream = stream_interop_export(file_format, scope, article_id=article)
        if not output or output == "-":
            for piece in stream:
                self.stdout.write(piece, ending="")
            return
        target = Path(output)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
                file.writelines(stream)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stderr.write(f"Wrote {scope.value} annotations ({file_format}) to {target}")
