"""`manage.py demo_double_annotation`: two demo annotators annotate demo articles blind.

For trying out the agreement pages and adjudication on the demo corpus (after
`seed_demo`): the first articles are marked for blind double annotation, and each of the
two annotators marks what the suggestion engines propose, each skipping a different few
and drawing some claim boundaries a word shorter, then submits everything. Deterministic
(seeded per article), and it goes through the workflow functions like a person would.
Articles where either annotator already has annotations are left alone.
"""

import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations import workflow
from annotations.models import Annotation, Article, Kind
from annotations.policy import Role
from annotations.suggest import propose_all
from annotations.visibility import blind_mark

# (chance of skipping a proposal, chance of ending a claim one word early), per annotator.
HABITS = ((0.12, 0.0), (0.2, 0.35))


class Command(BaseCommand):
    help = "Have two annotators annotate the first demo articles independently (blind)."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=6)
        parser.add_argument("--annotators", nargs=2, default=["anna", "arno"])

    def handle(self, *args, **options):
        users = get_user_model().objects
        try:
            annotators = [users.get(username=name) for name in options["annotators"]]
        except get_user_model().DoesNotExist:
            raise CommandError("Run seed_demo first (or name two existing annotators).") from None
        editor = users.filter(groups__name=Role.EDITOR.value).order_by("pk").first()
        if editor is None:
            raise CommandError("No editor to mark the articles as blind: run seed_demo first.")
        articles = list(Article.objects.order_by("pk")[: options["articles"]])
        done = set(
            Annotation.objects.filter(article__in=articles, author__in=annotators).values_list(
                "article_id", flat=True
            )
        )
        articles = [article for article in articles if article.pk not in done]
        blind_mark(articles=Article.objects.filter(pk__in=[a.pk for a in articles]),
                   annotators=2, editor=editor)  # fmt: skip
        spans = 0
        for article in articles:
            proposals = propose_all(article.body)
            for annotator, habits in zip(annotators, HABITS, strict=True):
                spans += self._annotate(article, annotator, proposals, habits)
        self.stdout.write(
            f"{len(articles)} articles annotated blind by {' and '.join(options['annotators'])}"
            f" ({spans} spans submitted)."
        )

    def _annotate(self, article, annotator, proposals, habits) -> int:
        skip, shorten = habits
        chance = random.Random(f"{article.pk}:{annotator.username}")
        created = 0
        with transaction.atomic():
            for proposal in proposals:
                if chance.random() < skip:
                    continue
                start, end = proposal.start, proposal.end
                if proposal.kind == Kind.CLAIM and chance.random() < shorten:
                    cut = article.body.rfind(" ", start, end - 1)
                    end = cut if cut > start else end
                try:
                    workflow.annotation_create(
                        article=article, author=annotator, kind=proposal.kind, start=start,
                        end=end, exact=article.body[start:end],
                        attributes={name: value for name, value in proposal.attributes.items()
                                    if name in workflow.KIND_FIELDS[Kind(proposal.kind)]},
                        confirm_duplicate=True,
                    )  # fmt: skip
                except workflow.WorkflowError:
                    continue  # a span the workflow refuses (a split grapheme): a person would too
                created += 1
            workflow.annotations_submit_all(article=article, user=annotator, confirm_unsaved=True)
        return created
