"""factory-boy factories for every model; personas get their role through `role=`."""

import random

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotations import models
from annotations.policy import Role
from annotations.text import quote_context, snap_to_words

DEFAULT_BODY = (
    "The minister said “exports rose 30 percent to US$518.4 billion” in 2024.\n\n"
    "More than 200 projects were built, officials said."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        """UserFactory(role="reviewer") puts the user in that role's group."""
        if create and extracted:
            user.groups.add(Group.objects.get(name=Role(extracted).value))
            if extracted == Role.EDITOR:
                user.is_staff = True
                user.save(update_fields=["is_staff"])


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ImportBatch

    filename = "fixture.txt"
    format = "text"
    file_checksum = factory.Sequence(lambda n: f"{n:064x}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Article

    title = factory.Sequence(lambda n: f"Article {n}")
    body = factory.Sequence(lambda n: f"{DEFAULT_BODY}\n\nArticle number {n}.")
    publisher = "Example News"
    url = factory.Sequence(lambda n: f"https://news.example.org/articles/{n}")
    published = factory.Faker("date_between", start_date="-2y", end_date="today")
    language = "en"


class AnnotationFactory(factory.django.DjangoModelFactory):
    """A span of the article; pass `phrase=` to anchor it on the first occurrence of a phrase."""

    class Meta:
        model = models.Annotation
        exclude = ("phrase",)

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory, role=Role.ANNOTATOR)
    kind = models.Kind.CLAIM
    phrase = "exports rose 30 percent"
    start = factory.LazyAttribute(lambda a: a.article.body.index(a.phrase))
    end = factory.LazyAttribute(lambda a: a.start + len(a.phrase))
    exact = factory.LazyAttribute(lambda a: a.article.body[a.start : a.end])
    prefix = factory.LazyAttribute(lambda a: quote_context(a.article.body, a.start, a.end)[0])
    suffix = factory.LazyAttribute(lambda a: quote_context(a.article.body, a.start, a.end)[1])
    state = models.State.DRAFT


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    url = factory.Sequence(lambda n: f"https://stats.example.org/tables/{n}")
    title = factory.Sequence(lambda n: f"Trade statistics table {n}")
    publisher = "Statistics Office"
    kind = models.SourceKind.STATISTICS


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence

    annotation = factory.SubFactory(AnnotationFactory)
    source = factory.SubFactory(SourceFactory)
    stance = models.Stance.SUPPORTS
    excerpt = "Exports: +30.1 %"
    locator = "Table 2"
    added_by = factory.SubFactory(UserFactory, role=Role.REVIEWER)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Review

    annotation = factory.SubFactory(AnnotationFactory)
    reviewer = factory.SubFactory(UserFactory, role=Role.REVIEWER)
    outcome = models.ReviewOutcome.VERIFIED
    verdict = models.Verdict.ACCURATE
    rationale = "Matches the official table."


class HistoryEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.HistoryEntry

    annotation = factory.SubFactory(AnnotationFactory)
    actor = factory.SelfAttribute("annotation.author")
    action = models.HistoryAction.CREATED
    to_state = models.State.DRAFT


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ApiToken

    user = factory.SubFactory(UserFactory, role=Role.RESEARCHER)
    name = "analysis script"
    prefix = factory.Sequence(lambda n: f"wbt_{n:06d}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")


def verified_annotation(**kwargs) -> models.Annotation:
    """A verified annotation with one evidence item and its review, as the workflow leaves it."""
    from django.utils import timezone

    reviewer = kwargs.pop("reviewer", None) or UserFactory(role=Role.REVIEWER)
    verdict = kwargs.pop("verdict", models.Verdict.ACCURATE)
    now = timezone.now()
    annotation = AnnotationFactory(
        state=models.State.VERIFIED,
        reviewer=reviewer,
        submitted_at=now,
        taken_at=now,
        decided_at=now,
        **kwargs,
    )
    EvidenceFactory(annotation=annotation, added_by=reviewer)
    ReviewFactory(annotation=annotation, reviewer=reviewer, verdict=verdict)
    return annotation


# ---- Annotations made through the workflow, as the screens make them (history included) ----

PHRASE = "exports rose 30 percent"


def workflow_draft(
    author,
    *,
    kind=models.Kind.CLAIM,
    phrase=PHRASE,
    article=None,
    confirm_duplicate=False,
    **attributes,
):
    """A draft created by `workflow.annotation_create` on the first occurrence of `phrase`
    (`confirm_duplicate=True` for the same author, phrase and kind again in one article)."""
    from annotations import workflow

    article = article or ArticleFactory()
    start = article.body.index(phrase)
    return workflow.annotation_create(
        article=article,
        author=author,
        kind=kind,
        start=start,
        end=start + len(phrase),
        exact=phrase,
        attributes=attributes,
        confirm_duplicate=confirm_duplicate,
    )


def workflow_submitted(author, **kwargs):
    """A draft, then submitted: waiting in the review queue."""
    from annotations import workflow

    annotation = workflow_draft(author, **kwargs)
    return workflow.annotation_submit(
        annotation_id=annotation.pk, user=author, version=annotation.version
    )


def workflow_in_review(author, reviewer, **kwargs):
    """Submitted, then taken by `reviewer`."""
    from annotations import workflow

    annotation = workflow_submitted(author, **kwargs)
    return workflow.annotation_take(
        annotation_id=annotation.pk, reviewer=reviewer, version=annotation.version
    )


def overlapping_annotations(article, authors, count, *, seed=7, longest=120):
    """`count` random overlapping word-aligned spans of every kind, in one bulk insert.

    Used by the query-count tests and by bench/bench_annotate.py (the 1,000-span page).
    """
    rng = random.Random(seed)
    body = article.body
    annotations = []
    for index in range(count):
        start = rng.randrange(0, len(body) - 2)
        start, end = snap_to_words(body, start, min(len(body), start + rng.randrange(3, longest)))
        if start == end:
            start, end = 0, 3
        prefix, suffix = quote_context(body, start, end)
        annotations.append(
            models.Annotation(
                article=article,
                author=authors[index % len(authors)],
                kind=models.Kind.values[index % 3],
                start=start,
                end=end,
                exact=body[start:end],
                prefix=prefix,
                suffix=suffix,
            )
        )
    models.Annotation.objects.bulk_create(annotations, batch_size=500)
    return annotations
