"""`manage.py import_annotations FILE --format label-studio|doccano|w3c --author NAME`.

Imports another tool's annotations as drafts by the named author (see docs/interop.md),
prints the report of every record that was not imported whole, and exits non-zero when
the file was refused (nothing is written then).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from annotations.interop import (
    InteropError,
    InteropFormat,
    OffsetUnit,
    import_annotations_path,
    parse_label_map,
)


class Command(BaseCommand):
    help = "Import Label Studio, doccano or W3C Web Annotation files as draft annotations."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--format", dest="file_format", required=True, choices=list(InteropFormat)
        )
        parser.add_argument(
            "--author",
            required=True,
            help="User name of the author of the drafts (someone who may annotate).",
        )
        parser.add_argument(
            "--map",
            dest="label_map",
            action="append",
            default=[],
            metavar="LABEL=kind",
            help="What a label of the file means: claim, number or quotation (repeatable). "
            "claim, number, quotation, quote, and money/percent/quantity/cardinal need none.",
        )
        parser.add_argument(
            "--offsets",
            choices=list(OffsetUnit),
            help="What the file's offsets count (default: Label Studio code points, checked "
            "against each span's text; doccano UTF-16 units; W3C code points).",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the records that pass and report the others, instead of refusing "
            "the whole file.",
        )

    def handle(self, *args, file, file_format, author, label_map, offsets, skip_invalid, **options):
        user = get_user_model().objects.filter(username=author).first()
        if user is None:
            raise CommandError(f"--author: there is no user named {author!r}.")
        try:
            report = import_annotations_path(
                file,
                file_format=file_format,
                author=user,
                label_map=parse_label_map(label_map),
                offsets=offsets,
                skip_invalid=skip_invalid,
            )
        except InteropError as error:
            raise CommandError(str(error)) from None
        except PermissionDenied as denied:
            raise CommandError(f"--author {author}: {denied}") from None
        verbose = options["verbosity"] >= 2
        for problem in report.file_errors:
            self.stderr.write(f"{report.filename}: {problem}")
        for record in report.records:
            lines = [*(f"  refused: {error}" for error in record.errors)]
            lines += [f"  skipped: {reason}" for reason in record.skipped]
            lines += [f"  note: {note}" for note in record.notes]
            if lines or verbose:
                self.stderr.write(f"{report.filename}, {record.location}: {_outcome(record)}")
                for line in lines:
                    self.stderr.write(line)
        if not report.ok:
            raise CommandError(f"{report.filename}: {report.summary()}")
        self.stdout.write(f"{report.filename} ({report.format}): {report.summary()}")


def _outcome(record) -> str:
    if record.errors:
        return "refused"
    article = (
        f"article {record.article_id} ({record.article_status})"
        if record.article_id
        else "no article"
    )
    return f"{article}, {record.created} created, {record.duplicates} already there"
