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
    all: the article list's figures, kept exact by database triggers (migration 0010).

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

    # The assistant's proposal this began as (None: marked by hand): the export's `origin`.
    suggestion = models.ForeignKey(
        "Suggestion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annotations",
    )
    # The article's annotations_version when this annotation was created, and when what the
    # annotate screen draws of it last changed (its list row, or its underlines: a lane can
    # move when a neighbour changes). The live update sends a screen only what changed since
    # the version it shows: one indexed query, withdrawn annotations included.
    created_version = models.PositiveBigIntegerField(default=0, editable=False)
    changed_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["article_id", "start", "-end", "id"]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="annotation_queue_idx"),
            models.Index(fields=["article", "start"], name="annotation_article_start_idx"),
            models.Index(fields=["state", "decided_at", "id"], name="annotation_export_idx"),
            models.Index(fields=["article", "changed_version"], name="annotation_changed_idx"),
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
    # The evidence this one was copied from ("seen before": another annotation's review).
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="copies"
    )
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


def _sealed():
    """A Review that is the first decision of a double-review round waiting for its second."""
    return models.Exists(
        DoubleReviewRound.objects.filter(first=models.OuterRef("pk"), status=RoundStatus.WAITING)
    )


class ReviewQuerySet(models.QuerySet):
    def unsealed(self):
        """All but the sealed first decisions of items in double review that wait for their
        second reviewer (`DoubleReviewRound`): what anybody may read."""
        return self.exclude(_sealed())

    def visible_to(self, user):
        """The reviews `user` may read: the unsealed ones, and the sealed first decisions
        they gave themselves."""
        return self.exclude(_sealed() & ~Q(reviewer=user))


class Review(models.Model):
    """One reviewer decision. The history is kept; the latest decides."""

    annotation = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    rationale = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

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
    COMMENTED = "commented", "Commented"
    # Double review (`DoubleReviewRound`): the first of two decisions (its outcome is
    # sealed until the second, so the entry does not say it), two that differ, and an
    # editor's decision on them.
    FIRST_REVIEW = "first_review", "First review given"
    DISPUTED = "disputed", "Reviewers disagree"
    SETTLED = "settled", "Settled by an editor"


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


# ---- Teams: who works on which article, what they are told, what they say (issue 12) ----


class AssignmentRole(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"


class AssignmentQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(assignee=user)


class Assignment(models.Model):
    """An editor asks one person to annotate (or review) one article, optionally by a date.

    Annotating stays open to everyone who may annotate: an assignment says whose work an
    article is (their "My work" page, the article list's "assigned to me"), it grants no
    permission. `annotations/assignments.py` creates and removes them.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(max_length=20, choices=AssignmentRole.choices)
    due = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due", "article_id", "id"]
        indexes = [models.Index(fields=["assignee", "role"], name="assignment_assignee_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "assignee", "role"], name="assignment_once_per_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=AssignmentRole.values), name="assignment_role_valid"
            ),
        ]
        permissions = [("assign_articles", "Can assign articles to annotators and reviewers")]

    def __str__(self):
        return f"{self.get_role_display()} {self.assignee} on article {self.article_id}"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "Articles assigned"
    SENT_BACK = "sent_back", "Sent back"
    REJECTED = "rejected", "Rejected"
    VERIFIED = "verified", "Verified"
    MENTION = "mention", "Mentioned"
    COMMENT = "comment", "Comment"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something one person is told: in the app (their notifications page and the count in
    the navigation) and, for some kinds, by e-mail. `annotations/notifications.py` makes them.

    `text` keeps what was said at the time (the reviewer's reason, the comment): the
    notification reads the same after the annotation moved on.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When its e-mail left (None: not sent, or not a kind that is e-mailed).
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient}"


class Comment(models.Model):
    """One message in an annotation's thread. Never edited or deleted: the history lists
    it (a HistoryEntry "commented" is written with it)."""

    annotation = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["annotation", "created_at"], name="comment_thread_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
        ]

    def __str__(self):
        return f"Comment by {self.author} on annotation {self.annotation_id}"


# ---- Team work: blind double annotation and adjudication (annotations/visibility.py,
# annotations/adjudication.py; agreement is computed, never stored) ----


class BlindSetting(models.Model):
    """An article marked for `annotators` independent annotators: until an annotator has
    submitted their work there, they see only their own spans (`visibility`).

    A table of its own rather than a column on the article: the article table carries
    SQLite triggers (0002, 0010) that a table rebuild would drop.
    """

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="blind_setting"
    )
    annotators = models.PositiveSmallIntegerField(
        default=2, help_text="How many people annotate the article independently"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(annotators__gte=2, annotators__lte=20),
                name="blind_setting_annotators_2_to_20",
            ),
        ]
        # The team-work permissions (held here so that no older table changes).
        permissions = [
            ("view_agreement", "Can see agreement between annotators"),
            ("adjudicate_article", "Can adjudicate annotators' spans into reference spans"),
        ]

    def __str__(self):
        return f"Blind, {self.annotators} annotators: {self.article_id}"


class DoubleReview(models.Model):
    """An article whose items each need two independent decisions by two reviewers
    (`double_review.py`). A table of its own, like `BlindSetting`, for the same reason."""

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="double_review"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Double review: {self.article_id}"


class RoundStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a second reviewer"
    DISPUTED = "disputed", "Disputed: an editor settles it"
    AGREED = "agreed", "Agreed"
    SETTLED = "settled", "Settled by an editor"
    SENT_BACK = "sent_back", "Sent back by the second reviewer"


OPEN_ROUND_STATUSES = (RoundStatus.WAITING, RoundStatus.DISPUTED)


class DoubleReviewRoundQuerySet(models.QuerySet):
    def open(self):
        """Rounds still deciding their item: waiting for the second review, or disputed."""
        return self.filter(status__in=OPEN_ROUND_STATUSES)


class DoubleReviewRound(models.Model):
    """One item's two independent decisions under double review.

    Made by the first decision (`first`; the item goes back to the queue); the second
    (`second`) either agrees, and decides the item, or differs, and the round waits for an
    editor (`settlement`). Rounds are kept once closed: they are what verdict agreement
    measures. A table of its own: annotations_annotation carries SQLite triggers that a
    table rebuild would drop.
    """

    annotation = models.ForeignKey(
        Annotation, on_delete=models.PROTECT, related_name="double_review_rounds"
    )
    status = models.CharField(
        max_length=20, choices=RoundStatus.choices, default=RoundStatus.WAITING
    )
    first = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="+")
    second = models.OneToOneField(
        Review, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settlement = models.OneToOneField(
        Review, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = DoubleReviewRoundQuerySet.as_manager()

    class Meta:
        ordering = ["annotation_id", "created_at", "id"]
        constraints = [
            # One round at a time per item.
            models.UniqueConstraint(
                fields=["annotation"],
                condition=Q(status__in=OPEN_ROUND_STATUSES),
                name="double_review_one_open_round",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="double_review_status_valid"
            ),
            # Only a waiting round lacks its second decision; only a settled one has a third.
            models.CheckConstraint(
                condition=Q(status=RoundStatus.WAITING, second__isnull=True)
                | (~Q(status=RoundStatus.WAITING) & Q(second__isnull=False)),
                name="double_review_second_unless_waiting",
            ),
            models.CheckConstraint(
                condition=Q(status=RoundStatus.SETTLED) | Q(settlement__isnull=True),
                name="double_review_settlement_only_when_settled",
            ),
        ]

    def __str__(self):
        return f"Double review of {self.annotation_id}: {self.get_status_display()}"


def open_round_of(annotation: Annotation) -> DoubleReviewRound | None:
    """The item's double-review round in progress (waiting or disputed), with its first
    review, or None. Kept on the instance: the policy and the screens ask more than once
    about one loaded annotation, for one query."""
    if annotation.pk is None:
        return None
    if not hasattr(annotation, "_open_round"):
        rounds = annotation.double_review_rounds.open()
        rounds = rounds.select_related("first__reviewer", "second__reviewer")
        annotation._open_round = rounds.first()
    return annotation._open_round


class AdjudicationSource(models.Model):
    """One annotation an adjudicated (reference) annotation came from.

    The reference is an ordinary annotation by the editor who adjudicated, reviewed like
    any other; these rows say which annotators' spans it was made from. A table of its
    own: annotations_annotation carries SQLite triggers (0003, 0010) a rebuild would drop.
    """

    annotation = models.ForeignKey(
        Annotation, on_delete=models.PROTECT, related_name="adjudication_sources"
    )
    source_annotation = models.ForeignKey(
        Annotation, on_delete=models.PROTECT, related_name="adjudicated_into"
    )

    class Meta:
        ordering = ["annotation_id", "source_annotation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["annotation", "source_annotation"], name="adjudication_source_once"
            ),
            models.CheckConstraint(
                condition=~Q(annotation=F("source_annotation")),
                name="adjudication_source_not_itself",
            ),
        ]

    def __str__(self):
        return f"{self.annotation_id} from {self.source_annotation_id}"


class Scope(models.TextChoices):
    """What an API token may be used for. A scope only narrows: the token's user must also
    be allowed the action by their role (`tokens.scopes_allowed`, `policy`)."""

    READ = "read", "Read articles, annotations and review state"
    ANNOTATE = "annotate", "Create and change annotations (and import articles, for editors)"
    REVIEW = "review", "Take, release and decide review items; add sources and evidence"
    EXPORT = "export", "Download the research export"


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
    # Space-separated `Scope` values, as OAuth writes a token's scope (RFC 6749, 3.3).
    # Tokens made before scopes existed were export tokens: "export" is their scope.
    scopes = models.CharField(max_length=100, default=Scope.EXPORT.value)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class SuggestionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=SuggestionStatus.PENDING)


class Suggestion(models.Model):
    """A span an engine of `annotations/suggest/` proposes; never an annotation until a
    person accepts it (then the annotation points back here).

    One row per (article, engine, engine version, kind, span): running an engine again adds
    nothing, and a dismissed proposal is not proposed again by the same engine version.
    `attributes` uses the Annotation field names (decimals as strings); `details` keeps what
    the model has no field for (a number's type, a range's bounds, an ISO date).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField()
    attributes = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    score = models.FloatField()
    engine = models.CharField(max_length=40)
    engine_version = models.CharField(max_length=40)
    status = models.CharField(
        max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The article's annotations_version when it was stored or decided: the annotate screen's
    # live update redraws the paragraphs of the proposals changed since the version it shows.
    changed_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["article_id", "start", "-end", "kind", "id"]
        indexes = [
            models.Index(fields=["article", "status", "start"], name="suggestion_article_idx"),
            models.Index(fields=["article", "changed_version"], name="suggestion_changed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "engine", "engine_version", "kind", "start", "end"],
                name="suggestion_once_per_engine_version",
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="suggestion_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("exact")),
                name="suggestion_exact_matches_span_length",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="suggestion_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="suggestion_score_in_unit_range"
            ),
            # Pending means undecided; a decision says who and when.
            models.CheckConstraint(
                condition=Q(
                    status=SuggestionStatus.PENDING,
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                )
                | Q(
                    ~Q(status=SuggestionStatus.PENDING),
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                ),
                name="suggestion_decision_has_who_and_when",
            ),
        ]

    def __str__(self):
        excerpt = self.exact if len(self.exact) <= 60 else self.exact[:57] + "…"
        return f"{self.get_kind_display()} proposed by {self.engine}: {excerpt}"


# ---- Webhooks: other systems told when something happens (annotations/webhooks.py) ----


class WebhookEvent(models.TextChoices):
    ANNOTATION_VERIFIED = "annotation.verified", "Annotation verified"
    ANNOTATION_REJECTED = "annotation.rejected", "Annotation rejected"
    ANNOTATION_SENT_BACK = "annotation.sent_back", "Annotation sent back"
    ARTICLES_IMPORTED = "articles.imported", "Articles imported"


class WebhookEndpointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class WebhookEndpoint(models.Model):
    """A URL that receives the chosen events, each delivery signed with its secret.

    The secret is stored as given: signing needs it (HMAC), as at GitHub or Stripe.
    """

    url = models.URLField(max_length=1000, help_text="http or https; receives a POST per event")
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=200, help_text="Key of the HMAC-SHA256 signature")
    # A list of WebhookEvent values (JSON: SQLite and PostgreSQL alike, a handful per row).
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["url", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url=""), name="webhook_url_not_empty"),
            models.CheckConstraint(condition=~Q(secret=""), name="webhook_secret_not_empty"),
        ]

    def __str__(self):
        return self.description or self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now):
        """Deliveries to attempt now: waiting for a first or next attempt whose time has
        come, and attempts whose sender vanished (a lease that ran out)."""
        return self.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.SENDING],
            next_attempt_at__lte=now,
        )


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body sent, and every attempt's outcome."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # Sent as X-Workbench-Delivery and in the body: receivers use it to ignore a repeat.
    uuid = models.UUIDField(unique=True, editable=False)
    # The raw JSON text signed and sent, identical on every attempt.
    body = models.TextField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # When the next attempt is due (while sending: when the attempt counts as lost).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(event__in=WebhookEvent.values), name="webhook_delivery_event_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SUCCEEDED) | Q(delivered_at__isnull=False),
                name="webhook_delivery_success_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint.url} ({self.get_status_display().lower()})"


class JobKind(models.TextChoices):
    """What a background job does; annotations/tasks.py has the task that runs each kind."""

    IMPORT = "import", "Import"
    EXPORT = "export", "Export file"
    SUGGEST = "suggest", "Suggestions"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    # A transient failure (the database or the storage away): another attempt is scheduled.
    RETRYING = "retrying", "Waiting to retry"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


JOB_FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class JobQuerySet(models.QuerySet):
    def unfinished(self):
        return self.exclude(status__in=JOB_FINISHED)

    def with_expired_files(self, now):
        return self.exclude(file_path="").filter(expires_at__lte=now)


class Job(models.Model):
    """One piece of background work as people see it: who asked, status, progress, report.

    The queue itself is django-tasks-db's table (one row per attempt); this row outlives
    the attempts and is what the screens and the admin show. `annotations/jobs.py` holds
    the functions that create, run, retry and finish jobs.
    """

    kind = models.CharField(max_length=20, choices=JobKind.choices)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What to do: JSON-serialisable, read by the job's function (files, format, filters).
    params = models.JSONField(default=dict, blank=True)
    # What it did: the report shown when it is done (and what a resumed attempt skips).
    result = models.JSONField(default=dict, blank=True)
    # Steps done out of `progress_total` (0: not known yet), and what it is doing now.
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    progress_label = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Why it failed or is retrying, for the person who asked (the traceback is the task's).
    error = models.TextField(blank=True)
    # The django.tasks result id of the latest attempt (its row in the queue's admin).
    task_id = models.CharField(max_length=64, blank=True)
    # A file made by the job (an export): its name in the "jobs" storage, never a public URL.
    file_path = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["expires_at"], name="job_expires_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress_total=0) | Q(progress_done__lte=F("progress_total")),
                name="job_progress_within_total",
            ),
            # Finished exactly when it has a finishing time.
            models.CheckConstraint(
                condition=Q(status__in=JOB_FINISHED, finished_at__isnull=False)
                | (~Q(status__in=JOB_FINISHED) & Q(finished_at__isnull=True)),
                name="job_finished_has_time",
            ),
            models.CheckConstraint(
                condition=Q(file_path="") | Q(expires_at__isnull=False),
                name="job_file_expires",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.status in JOB_FINISHED

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, or None while the total is unknown."""
        if not self.progress_total:
            return None
        return min(100, 100 * self.progress_done // self.progress_total)


# ---- Matching and claim groups (annotations/matching.py) ----


class MatchEntry(models.Model):
    """What the matching index knows of one annotation: the normalised text it compares
    (a number's: its sentence) and, for numbers, the value and unit it must share.

    Written only by `matching.index_pending`, from the annotations that database triggers
    queue in MatchPending (migration 0015): every write path is indexed, the index is built
    one annotation at a time, never per query. A separate table, so that
    annotations_annotation is not rebuilt on SQLite (that would drop its triggers).
    """

    annotation = models.OneToOneField(
        Annotation, primary_key=True, on_delete=models.CASCADE, related_name="match_entry"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField()
    # "518400000000|usd" for a number with a value, else "".
    figure = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name_plural = "match entries"

    def __str__(self):
        return f"Match entry of annotation {self.annotation_id}"


class MatchKey(models.Model):
    """One key of an annotation in the matching index: its normalised text's, or one
    MinHash band's (`matching.match_keys`). Annotations sharing a key are candidates."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["key", "annotation"], name="match_key_idx")]
        constraints = [models.UniqueConstraint(fields=["annotation", "key"], name="match_key_once")]

    def __str__(self):
        return f"{self.key} of annotation {self.annotation_id}"


class MatchPending(models.Model):
    """An annotation whose text, kind or figure changed since it was last indexed: filled
    by triggers (migration 0015), emptied by `matching.index_pending`."""

    annotation = models.OneToOneField(
        Annotation, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name_plural = "match pending"

    def __str__(self):
        return f"Annotation {self.annotation_id} waiting to be indexed"


class ClaimGroup(models.Model):
    """Appearances of one claim, number or quotation across articles, linked by reviewers
    (`matching.claim_group_link`): the research export carries its id."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Claim group {self.pk}"


class ClaimGroupMember(models.Model):
    """One appearance in a claim group; an annotation is in at most one group."""

    group = models.ForeignKey(ClaimGroup, on_delete=models.CASCADE, related_name="members")
    annotation = models.OneToOneField(
        Annotation, on_delete=models.PROTECT, related_name="claim_group_member"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self):
        return f"Annotation {self.annotation_id} in claim group {self.group_id}"
