"""`manage.py index_matches`: index every annotation waiting for the "seen before" index."""

from django.core.management.base import BaseCommand

from annotations.matching import index_all


class Command(BaseCommand):
    help = (
        "Index the annotations queued for matching (after the migration that adds matching, "
        "or a bulk write); lookups index only a small batch each."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Indexed {index_all()} annotations for matching.")
