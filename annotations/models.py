"""The Workbench domain: articles, annotations on them, sources, evidence, reviews, history.

Invariants live in the database (check constraints, unique constraints, and triggers for
the two rules that span tables: an article body never changes, and an annotation's exact
text is the body's slice). The domain functions in `workflow.py` check them again first so
that users get a clear message rather than an IntegrityError.
"""

import hashlib
from decimal import Context, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length


class Kind(models.TextChoices):
    CLAIM = "claim", "Claim"
    NUMBER = "number", "Number"
    QUOTATION = "quotation", "Quotation"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Verdict(models.TextChoices):
    """The verdict scale; `rating` maps it to schema.org ClaimReview (best 5, worst 1)."""

    ACCURATE = "accurate", "Accurate"
    MOSTLY_ACCURATE = "mostly_accurate", "Mostly accurate"
    MISLEADING = "misleading", "Misleading"
    MOSTLY_INACCURATE = "mostly_inaccurate", "Mostly inaccurate"
    INACCURATE = "inaccurate", "Inaccurate"
    UNVERIFIABLE = "unverifiable", "Unverifiable"

    @property
    def rating(self) -> int | None:
        return VERDICT_RATINGS[self]


VERDICT_RATINGS = {
    Verdict.ACCURATE: 5,
    Verdict.MOSTLY_ACCURATE: 4,
    Verdict.MISLEADING: 3,
    Verdict.MOSTLY_INACCURATE: 2,
    Verdict.INACCURATE: 1,
    Verdict.UNVERIFIABLE: None,
}


class SpeechType(models.TextChoices):
    DIRECT = "direct", "Direct"
    REPORTED = "reported", "Reported"


class SourceKind(models.TextChoices):
    PRIMARY = "primary", "Primary document"
    STATISTICS = "statistics", "Official statistics"
    NEWS = "news", "News report"
    TRANSCRIPT = "transcript", "Transcript"
    OTHER = "other", "Other"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    CONTEXT = "context", "Context"


class ReviewOutcome(models.TextChoices):
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    SENT_BACK = "sent_back", "Sent back"


def body_checksum(body: str) -> str:
    """SHA-256 of the normalised body: the identity used to skip duplicate imports."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class ExactDecimalField(models.DecimalField):
    """A DecimalField that keeps every digit on SQLite too.

    SQLite gives a `decimal` column NUMERIC affinity and keeps 15 significant digits of
    anything longer (12345678901234567890 came back as 12345678901234600000), which broke
    the export's exact-decimal promise. On SQLite this field is TEXT holding one canonical
    form, fixed point with exactly `decimal_places` decimals ("518400000000.0000000000"),
    so equal values are equal strings and lookups by value still work. PostgreSQL keeps
    its exact `numeric(max_digits, decimal_places)`. Only equality lookups are meaningful
    on the text column (nothing sorts or compares values in the database).
    """

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "text"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "sqlite" and value is not None:
            return canonical_decimal_text(value, self.max_digits, self.decimal_places)
        return value


def canonical_decimal_text(value: Decimal, max_digits: int, decimal_places: int) -> str:
    """`value` as SQLite's number columns store it: fixed point, `decimal_places` decimals.

    Raises decimal.InvalidOperation when the value needs more than `max_digits` digits
    (forms refuse such values first, with DecimalField's own message).
    """
    exact = Decimal(value).quantize(
        Decimal(1).scaleb(-decimal_places), context=Context(prec=max_digits)
    )
    return format(exact.copy_abs() if exact.is_zero() else exact, "f")


class ImportBatch(models.Model):
    """One imported file: what it was, who brought it, and the report shown afterwards."""

    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=20)
    file_checksum = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    imported_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"{self.filename} ({self.imported_count} imported)"


class ArticleQuerySet(models.QuerySet):
    def with_counts(self):
        """Each article's annotation counts per kind and per state (`article.counts.claim`,
        `.draft`, `.total`, …) in the same query, from the counters the database keeps
        (`ArticleCounts`): no aggregation over annotations, so a page of articles costs the
        same whatever the number of annotations (and counting the articles joins nothing)."""
        return self.select_related("counts")


class Article(models.Model):
    """A news article. Its body is normalised at import and never changes afterwards:
    every annotation offset points into it (a corrected text is a new article)."""

    title = models.CharField(max_length=500)
    body = models.TextField()
    checksum = models.CharField(max_length=64, unique=True, editable=False)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=20, default="en")
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    # Bumped on every annotation change in the article: the live-update poll compares it.
    annotations_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
        ]
        permissions = [("import_articles", "Can import articles")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.pk is None:
            self.checksum = body_checksum(self.body)
        else:
            stored = Article.objects.filter(pk=self.pk).values_list("body", flat=True).first()
            if stored is not None and stored != self.body:
                raise ValueError("An article's body cannot change after import.")
        super().save(*args, **kwargs)

    @property
    def body_utf16_length(self) -> int:
        return len(self.body.encode("utf-16-le")) // 2


class ArticleCounts(models.Model):
    """How many annotations an article has, per kind (live ones), per state, and live in
    all: the article list's figures, kept exact by database triggers (migration 0004).

    Triggers rather than code in workflow.py, because they hold for every write path: the
    workflow's saves, `QuerySet.update()` (submit all), `bulk_create`, the admin, a data
    migration, a psql session. Every article gets its row when it is inserted. Only the
    triggers write here (never a model save, which could write stale figures back).
    A migration that rebuilds annotations_annotation on SQLite drops its triggers and must
    create these again, as 0003 does for 0002's.
    """

    # The counters' field names.
    COUNTERS = (*Kind.values, *State.values, "total")

    article = models.OneToOneField(
        Article,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="counts",
        editable=False,
    )
    # Live (not withdrawn) annotations of each kind.
    claim = models.PositiveIntegerField(db_default=0, editable=False)
    number = models.PositiveIntegerField(db_default=0, editable=False)
    quotation = models.PositiveIntegerField(db_default=0, editable=False)
    # Annotations in each state, withdrawn included.
    draft = models.PositiveIntegerField(db_default=0, editable=False)
    submitted = models.PositiveIntegerField(db_default=0, editable=False)
    in_review = models.PositiveIntegerField(db_default=0, editable=False)
    verified = models.PositiveIntegerField(db_default=0, editable=False)
    rejected = models.PositiveIntegerField(db_default=0, editable=False)
    withdrawn = models.PositiveIntegerField(db_default=0, editable=False)
    # Live annotations.
    total = models.PositiveIntegerField(db_default=0, editable=False)

    class Meta:
        verbose_name_plural = "article counts"

    def __str__(self):
        return f"{self.total} live annotations in article {self.article_id}"


class AnnotationQuerySet(models.QuerySet):
    def live(self):
        """Everything but withdrawn annotations (those stay only for the history)."""
        return self.exclude(state=State.WITHDRAWN)

    def waiting(self):
        """Submitted items nobody has taken yet, oldest first: the review queue."""
        return self.filter(state=State.SUBMITTED).order_by("submitted_at", "id")

    def verified(self):
        return self.filter(state=State.VERIFIED)


class Annotation(models.Model):
    """A span [start, end) of an article body, in Unicode code points (Python indices)."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="annotations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)

    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    # Optimistic concurrency: every change sends the version it was based on.
    version = models.PositiveIntegerField(default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_annotations",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    # Number attributes.
    number_value = ExactDecimalField(max_digits=40, decimal_places=10, null=True, blank=True)
    number_unit = models.CharField(max_length=40, blank=True, help_text="Unit or currency")
    number_scale = models.CharField(max_length=40, blank=True, help_text="Scale as written")
    number_qualifier = models.CharField(max_length=40, blank=True)
    number_counts = models.CharField(max_length=200, blank=True, help_text="What it counts")

    # Quotation attributes.
    speaker = models.CharField(max_length=200, blank=True)
    speech_type = models.CharField(max_length=20, choices=SpeechType.choices, blank=True)
    attribution_start = models.PositiveIntegerField(null=True, blank=True)
    attribution_end = models.PositiveIntegerField(null=True, blank=True)

    # Claim attributes.
    claimant = models.CharField(max_length=200, blank=True)
    check_worthy = models.BooleanField(null=True, blank=True)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["article_id", "start", "-end", "id"]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="annotation_queue_idx"),
            models.Index(fields=["article", "start"], name="annotation_article_start_idx"),
            models.Index(fields=["state", "decided_at", "id"], name="annotation_export_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="annotation_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("exact")),
                name="annotation_exact_matches_span_length",
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.NUMBER)
                | Q(
                    number_value__isnull=True,
                    number_unit="",
                    number_scale="",
                    number_qualifier="",
                    number_counts="",
                ),
                name="annotation_number_fields_only_on_numbers",
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.QUOTATION)
                | Q(speaker="", speech_type="", attribution_start__isnull=True),
                name="annotation_quotation_fields_only_on_quotations",
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.CLAIM) | Q(claimant="", check_worthy__isnull=True),
                name="annotation_claim_fields_only_on_claims",
            ),
            models.CheckConstraint(
                condition=Q(attribution_start__isnull=True, attribution_end__isnull=True)
                | Q(attribution_start__lt=F("attribution_end")),
                name="annotation_attribution_span_valid",
            ),
            # Four-eyes rule: nobody reviews their own annotation.
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("author")),
                name="annotation_reviewer_is_not_author",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[State.IN_REVIEW, State.VERIFIED, State.REJECTED])
                | Q(reviewer__isnull=False),
                name="annotation_reviewed_states_have_reviewer",
            ),
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="annotation_state_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="annotation_kind_valid"),
        ]
        permissions = [
            ("review_annotation", "Can take, verify, reject and send back annotations"),
            ("reopen_annotation", "Can reopen verified annotations"),
            ("export_verified", "Can export verified annotations"),
        ]

    def __str__(self):
        excerpt = self.exact if len(self.exact) <= 60 else self.exact[:57] + "…"
        return f"{self.get_kind_display()}: {excerpt}"

    @property
    def is_live(self) -> bool:
        return self.state != State.WITHDRAWN


class Source(models.Model):
    """Something a reviewer relies on; one source serves many annotations (unique url)."""

    url = models.URLField(max_length=1000, unique=True)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.OTHER)
    accessed = models.DateField(null=True, blank=True)
    archived_url = models.URLField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url=""), name="source_url_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="source_kind_valid"
            ),
        ]

    def __str__(self):
        return self.title or self.url


class EvidenceQuerySet(models.QuerySet):
    def live(self):
        return self.filter(removed_at__isnull=True)


class Evidence(models.Model):
    """Links an annotation to a source with a stance. Removing one keeps the row (history)."""

    annotation = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="evidence")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="evidence")
    stance = models.CharField(max_length=20, choices=Stance.choices)
    excerpt = models.TextField(blank=True, help_text="The excerpt or figure found in the source")
    locator = models.CharField(max_length=200, blank=True, help_text="Page, table, paragraph")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="evidence_stance_valid"
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True, removed_by__isnull=True)
                | Q(removed_at__isnull=False, removed_by__isnull=False),
                name="evidence_removal_has_who_and_when",
            ),
        ]

    def __str__(self):
        return f"{self.get_stance_display()}: {self.source}"


class Review(models.Model):
    """One reviewer decision. The history is kept; the latest decides."""

    annotation = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    rationale = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=ReviewOutcome.VERIFIED) | ~Q(verdict=""),
                name="review_verification_has_verdict",
            ),
            models.CheckConstraint(
                condition=Q(outcome=ReviewOutcome.VERIFIED) | ~Q(rationale=""),
                name="review_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(verdict="") | Q(verdict__in=Verdict.values), name="review_verdict_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} by {self.reviewer}"

    @property
    def rating(self) -> int | None:
        return VERDICT_RATINGS.get(self.verdict) if self.verdict else None


class HistoryAction(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUBMITTED = "submitted", "Submitted"
    TAKEN = "taken", "Taken for review"
    RELEASED = "released", "Released"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    SENT_BACK = "sent_back", "Sent back"
    REOPENED = "reopened", "Reopened"
    EVIDENCE_ADDED = "evidence_added", "Evidence added"
    EVIDENCE_REMOVED = "evidence_removed", "Evidence removed"


class HistoryEntry(models.Model):
    """An append-only record of one change to an annotation: who, when, what."""

    annotation = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    action = models.CharField(max_length=30, choices=HistoryAction.choices)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    # {"field": [old, new], ...} for edits; evidence ids and stances for evidence changes.
    changes = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "history entries"

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-user token for scripted exports. Only a hash of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
