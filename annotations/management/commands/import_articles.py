"""`manage.py import_articles FILE… [--format F] [--publisher NAME]`: import article files.

Each file is imported on its own, all or nothing; the report of each is printed (articles
imported, duplicates skipped, errors with line numbers) and the command exits non-zero if
any file was refused, after trying the others.
"""

from django.core.management.base import BaseCommand, CommandError

from annotations.importers import Format, ImportFailed, import_path


class Command(BaseCommand):
    help = "Import articles from news dumps, plain text or JSON Lines files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=[choice.value for choice in Format],
            help="Skip detection (by default: .jsonl/.ndjson files and files whose first line "
            "is a JSON object are JSON Lines, a file with “Continue reading” lines a dump, "
            "anything else one plain-text article).",
        )
        parser.add_argument(
            "--publisher", default="", help="Publisher of the articles that name none."
        )

    def handle(self, *args, files, file_format, publisher, **options):
        verbose = options["verbosity"] >= 2
        failed = []
        for name in files:
            try:
                report = import_path(name, file_format=file_format, publisher=publisher)
            except ImportFailed as failure:
                failed.append(name)
                self.stderr.write(f"{name}: refused, nothing imported.")
                for error in failure.errors:
                    self.stderr.write(f"  {error}")
                continue
            self.stdout.write(
                f"{name} ({report.format}): imported {len(report.imported)}, "
                f"skipped {_count(len(report.duplicates), 'duplicate')}."
            )
            if verbose:
                for article in report.imported:
                    self.stdout.write(f"  + {article.title}")
                for title in report.duplicates:
                    self.stdout.write(f"  = {title} (duplicate)")
        if failed:
            raise CommandError(
                f"{len(failed)} of {_count(len(files), 'file')} refused: {', '.join(failed)}"
            )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
