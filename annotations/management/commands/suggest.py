"""`manage.py suggest`: store the assistant's proposals for one article or for all of them."""

from django.core.management.base import BaseCommand, CommandError

from annotations.models import Article
from annotations.proposals import suggestions_refresh


class Command(BaseCommand):
    help = (
        "Run the suggestion engines (numbers, quotations with speakers, check-worthy claims) "
        "and store their proposals. Running again adds nothing; dismissed proposals are not "
        "proposed again by the same engine version."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--article", type=int, help="One article (id)")
        which.add_argument("--all", action="store_true", help="Every article")

    def handle(self, *args, **options):
        articles = Article.objects.order_by("pk")
        if options["article"] is not None:
            articles = articles.filter(pk=options["article"])
            if not articles.exists():
                raise CommandError(f"No article with id {options['article']}.")
        total = 0
        for article in articles.iterator(chunk_size=100):
            added = suggestions_refresh(article=article)
            total += added
            if options["verbosity"] >= 2:
                self.stdout.write(f"{article.pk}: {added} new proposals")
        self.stdout.write(f"Stored {total} new proposal{'s' if total != 1 else ''}.")
