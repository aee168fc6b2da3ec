"""The Django admin: the editors' queue, and a read-mostly view of everything else.

Nothing here writes around a rule. Annotations are read-only; changing one is an admin
action (send back, reopen, release) that calls the workflow function for each item and
reports every refusal. Reviews, history and evidence are read-only records. An article's
body and checksum cannot change; sources are saved under their normalised url; tokens are
revoked, never edited or deleted; and a non-superuser cannot grant superuser powers.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django_tasks_db.models import DBTaskResult

from . import double_review, policy, visibility, webhooks, workflow
from .inputs import BadInput, parse_id
from .models import (
    Annotation,
    ApiToken,
    Article,
    Evidence,
    HistoryEntry,
    ImportBatch,
    Job,
    Review,
    Source,
    State,
    Suggestion,
    Verdict,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .sources import normalise_url, title_from_url

EXCERPT_LENGTH = 60

# The admin is the editors' desk: name it, and put the queue first (templates/admin/index.html).
admin.site.site_header = "Workbench administration"
admin.site.site_title = "Workbench admin"
admin.site.index_title = "Editors' desk"


def _excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _reason(error: Exception) -> str:
    if isinstance(error, BadInput):
        return str(error)
    if isinstance(error, workflow.WorkflowError):
        return " ".join(error.messages)
    return str(error) or "not allowed."


def _is_changelist(request) -> bool:
    match = request.resolver_match
    return bool(match and match.url_name and match.url_name.endswith("_changelist"))


class ReadOnlyAdminMixin:
    """Records nobody edits here: they are written by the workflow, the importer, or not at all."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


# ---- Import batches and articles ----


class TeamWorkActions:
    """Admin actions marking articles (or an import batch's articles) for blind double
    annotation (`visibility.blind_mark`) or double review (`double_review`), like the
    article's agreement page."""

    actions = ["mark_blind_2", "mark_blind_3", "end_blind", "double_review_on", "double_review_off"]

    def has_set_blind_permission(self, request):
        return policy.allows(request.user, policy.Action.SET_BLIND)

    def has_set_double_review_permission(self, request):
        return policy.allows(request.user, policy.Action.SET_DOUBLE_REVIEW)

    def _articles_of(self, queryset):
        if queryset.model is Article:
            return queryset
        return Article.objects.filter(import_batch__in=queryset)

    def _mark(self, request, queryset, annotators: int):
        marked = visibility.blind_mark(
            articles=self._articles_of(queryset), annotators=annotators, editor=request.user
        )
        self.message_user(
            request, f"{marked} article(s) marked for {annotators} independent annotators."
        )

    @admin.action(description="Blind double annotation: 2 annotators", permissions=["set_blind"])
    def mark_blind_2(self, request, queryset):
        self._mark(request, queryset, 2)

    @admin.action(description="Blind annotation: 3 annotators", permissions=["set_blind"])
    def mark_blind_3(self, request, queryset):
        self._mark(request, queryset, 3)

    @admin.action(description="End blind annotation", permissions=["set_blind"])
    def end_blind(self, request, queryset):
        ended = visibility.blind_unmark(articles=self._articles_of(queryset), editor=request.user)
        self.message_user(request, f"Blind annotation ended on {ended} article(s).")

    @admin.action(
        description="Double review on: two independent decisions per item",
        permissions=["set_double_review"],
    )
    def double_review_on(self, request, queryset):
        marked = double_review.double_review_mark(
            articles=self._articles_of(queryset), editor=request.user
        )
        self.message_user(request, f"Double review on for {marked} article(s).")

    @admin.action(description="Double review off", permissions=["set_double_review"])
    def double_review_off(self, request, queryset):
        ended = double_review.double_review_unmark(
            articles=self._articles_of(queryset), editor=request.user
        )
        self.message_user(request, f"Double review off for {ended} article(s).")


@admin.register(ImportBatch)
class ImportBatchAdmin(TeamWorkActions, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "filename",
        "format",
        "imported_by",
        "created_at",
        "imported_count",
        "duplicate_count",
    )
    list_filter = ("format", ("imported_by", admin.RelatedOnlyFieldListFilter), "created_at")
    list_select_related = ("imported_by",)
    search_fields = ("filename", "file_checksum")


@admin.register(Article)
class ArticleAdmin(TeamWorkActions, admin.ModelAdmin):
    list_display = (
        "title",
        "publisher",
        "published",
        "language",
        "annotation_count",
        "import_batch",
    )
    list_filter = ("language", "published", ("import_batch", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("import_batch",)
    search_fields = ("title", "publisher", "url")
    fields = (
        "title",
        "publisher",
        "url",
        "published",
        "language",
        "supersedes",
        "import_batch",
        "checksum",
        "annotations_version",
        "created_at",
        "body",
    )
    # The body is what every offset points into: it never changes (a database trigger
    # refuses it too). A corrected text is imported as a new article that supersedes this one.
    readonly_fields = ("body", "checksum", "import_batch", "annotations_version", "created_at")
    raw_id_fields = ("supersedes",)

    def get_queryset(self, request):
        # The counters the database keeps (ArticleCounts): no aggregate over annotations.
        queryset = super().get_queryset(request).select_related("counts")
        return queryset.defer("body") if _is_changelist(request) else queryset

    @admin.display(description="live annotations", ordering="counts__total")
    def annotation_count(self, article):
        return article.counts.total

    def has_add_permission(self, request):
        return False  # articles come in through the importer, which normalises the body

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.annotations.exists():
            return False  # its annotations point into it
        return super().has_delete_permission(request, obj)


# ---- Annotations: the editors' queue ----


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fk_name = "annotation"
    fields = ("source", "stance", "excerpt", "locator", "added_by", "created_at", "removed_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "added_by")


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ("created_at", "reviewer", "outcome", "verdict", "rationale")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


class HistoryInline(ReadOnlyInline):
    model = HistoryEntry
    fields = ("at", "actor", "action", "from_state", "to_state", "changes", "comment")
    readonly_fields = fields
    verbose_name = "history entry"
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class LatestVerdictFilter(admin.SimpleListFilter):
    title = "verdict"
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return Verdict.choices

    def queryset(self, request, queryset):
        if self.value() in Verdict.values:
            return queryset.filter(latest_verdict=self.value())
        return queryset


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="The annotator and the history show it.",
    )


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The editors' queue. Every field is read-only: a change is an action, checked by the
    workflow like anywhere else (attributes are the author's to edit, on the annotate screen)."""

    list_display = (
        "id",
        "article_title",
        "kind",
        "excerpt",
        "state",
        "author",
        "reviewer",
        "verdict",
        "age",
    )
    list_display_links = ("id", "excerpt")
    list_filter = (
        "state",
        "kind",
        LatestVerdictFilter,
        ("author", admin.RelatedOnlyFieldListFilter),
        ("reviewer", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("exact", "article__title", "author__username", "speaker", "claimant")
    list_select_related = ("article", "author", "reviewer")
    ordering = ("-submitted_at", "-id")
    list_per_page = 50
    inlines = (EvidenceInline, ReviewInline, HistoryInline)
    actions = ("send_back", "reopen", "release")

    def get_fieldsets(self, request, obj=None):
        attributes = workflow.KIND_FIELDS.get(obj.kind, []) if obj else workflow.ATTRIBUTE_FIELDS
        return (
            (None, {"fields": ("article", "kind", "state", "version", "author", "reviewer")}),
            ("Span", {"fields": ("start", "end", "exact", "prefix", "suffix")}),
            ("Attributes", {"fields": attributes}),
            (
                "Times",
                {"fields": ("created_at", "updated_at", "submitted_at", "taken_at", "decided_at")},
            ),
        )

    # The queue's states read oldest first (who has waited or held longest); the rest newest first.
    QUEUE_ORDERING = {
        State.SUBMITTED: ("submitted_at", "id"),
        State.IN_REVIEW: ("taken_at", "id"),
    }

    def get_ordering(self, request):
        return self.QUEUE_ORDERING.get(request.GET.get("state__exact"), self.ordering)

    def view_on_site(self, annotation):
        return reverse("review_item", args=[annotation.pk])

    def get_queryset(self, request):
        latest = Review.objects.filter(annotation=OuterRef("pk")).order_by("-created_at", "-id")
        return (
            super()
            .get_queryset(request)
            .defer("article__body")
            .annotate(latest_verdict=Subquery(latest.values("verdict")[:1]))
        )

    @admin.display(description="article", ordering="article__title")
    def article_title(self, annotation):
        return _excerpt(annotation.article.title, 50)

    @admin.display(description="text", ordering="exact")
    def excerpt(self, annotation):
        return _excerpt(annotation.exact)

    @admin.display(description="verdict", ordering="latest_verdict")
    def verdict(self, annotation):
        return Verdict(annotation.latest_verdict).label if annotation.latest_verdict else "—"

    @admin.display(description="age", ordering="submitted_at")
    def age(self, annotation):
        return timesince(annotation.submitted_at or annotation.created_at)

    # Custom action permissions: the same ones the review screens require.
    def has_review_permission(self, request):
        return request.user.has_perm(policy.REVIEW_PERMISSION)

    def has_reopen_permission(self, request):
        return request.user.has_perm(policy.REOPEN_PERMISSION)

    def _apply_each(self, request, queryset, verb: str, change) -> None:
        """Run `change(annotation)` per item; report successes and each refusal with its reason."""
        done = 0
        for annotation in queryset.select_related("article"):
            try:
                change(annotation)
            except (
                workflow.WorkflowError,
                workflow.StaleVersion,
                PermissionDenied,
                BadInput,
            ) as error:
                self.message_user(
                    request,
                    f"Not {verb} #{annotation.pk} ({annotation}): {_reason(error)}",
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                f"{verb.capitalize()} {done} annotation{'s' if done != 1 else ''}.",
                messages.SUCCESS,
            )

    def _ask_reason(self, request, queryset, *, action: str, title: str, apply):
        """The intermediate page asking for a reason; on confirmation, apply to each item."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            apply(form.cleaned_data["reason"])
            return None  # back to the changelist, with the messages
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "action": action,
            "annotations": queryset.select_related("article", "author", "reviewer"),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/annotations/annotation/action_reason.html", context)

    @staticmethod
    def _version(request, annotation) -> int:
        """The version shown on the confirmation page: a change made since then is refused.

        Missing (an action applied without the page) means the current one; anything but
        digits is refused for this item (BadInput, reported like a workflow refusal).
        """
        name = f"version_{annotation.pk}"
        if name not in request.POST:
            return annotation.version
        return parse_id(request.POST[name], name=f"The version of #{annotation.pk}")

    @admin.action(description="Send back to the author (with a reason)", permissions=["review"])
    def send_back(self, request, queryset):
        def send_back_one(annotation, reason):
            with transaction.atomic():
                version = self._version(request, annotation)
                if annotation.state == State.SUBMITTED:
                    # A waiting item is taken first: both steps obey the four-eyes rule.
                    annotation = workflow.annotation_take(
                        annotation_id=annotation.pk, reviewer=request.user, version=version
                    )
                    version = annotation.version
                workflow.annotation_send_back(
                    annotation_id=annotation.pk,
                    reviewer=request.user,
                    version=version,
                    comment=reason,
                )

        return self._ask_reason(
            request,
            queryset,
            action="send_back",
            title="Send back to the author",
            apply=lambda reason: self._apply_each(
                request, queryset, "sent back", lambda a: send_back_one(a, reason)
            ),
        )

    @admin.action(description="Reopen for review (with a reason)", permissions=["reopen"])
    def reopen(self, request, queryset):
        def reopen_one(annotation, reason):
            workflow.annotation_reopen(
                annotation_id=annotation.pk,
                editor=request.user,
                version=self._version(request, annotation),
                reason=reason,
            )

        return self._ask_reason(
            request,
            queryset,
            action="reopen",
            title="Reopen for review",
            apply=lambda reason: self._apply_each(
                request, queryset, "reopened", lambda a: reopen_one(a, reason)
            ),
        )

    @admin.action(description="Release to the queue", permissions=["review"])
    def release(self, request, queryset):
        self._apply_each(
            request,
            queryset,
            "released",
            lambda a: workflow.annotation_release(
                annotation_id=a.pk, user=request.user, version=a.version
            ),
        )


# ---- Sources, evidence, reviews, history ----


class SourceAdminForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ("url", "title", "publisher", "kind", "accessed", "archived_url")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As on the review screen: an untitled source is labelled by its address.
        self.fields["title"].required = False
        self.fields["title"].help_text = "Optional: without one, the url's host and path."

    def clean_url(self):
        # Stored normalised, so the unique check below catches the same url spelt differently.
        return normalise_url(self.cleaned_data["url"])

    def clean(self):
        data = super().clean()
        if not (data.get("title") or "").strip() and data.get("url"):
            data["title"] = title_from_url(data["url"])
        return data


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceAdminForm
    list_display = ("title", "url", "publisher", "kind", "accessed", "evidence_count")
    list_filter = ("kind", "accessed")
    search_fields = ("title", "url", "publisher")
    readonly_fields = ("created_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_total=Count("evidence"))

    @admin.display(description="evidence", ordering="evidence_total")
    def evidence_count(self, source):
        return source.evidence_total

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Evidence is added and removed on the review screen, by the reviewer holding the item."""

    list_display = (
        "annotation",
        "source",
        "stance",
        "locator",
        "added_by",
        "created_at",
        "removed",
    )
    list_filter = ("stance", ("removed_at", admin.EmptyFieldListFilter))
    list_select_related = ("annotation", "source", "added_by")
    search_fields = ("source__title", "source__url", "excerpt", "annotation__exact")

    @admin.display(description="removed", boolean=True)
    def removed(self, evidence):
        return evidence.removed_at is not None


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "annotation_id",
        "reviewer",
        "outcome",
        "verdict",
        "rationale_excerpt",
        "created_at",
    )
    list_filter = ("outcome", "verdict", ("reviewer", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("reviewer",)
    search_fields = ("rationale", "reviewer__username", "annotation__exact")

    @admin.display(description="rationale")
    def rationale_excerpt(self, review):
        return _excerpt(review.rationale)


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "annotation_id", "actor", "action", "from_state", "to_state")
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter), "at")
    list_select_related = ("actor",)
    search_fields = ("comment", "actor__username", "annotation__exact")


# ---- API tokens ----


class ActiveTokenFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (the secret is shown once); here they are revoked."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (ActiveTokenFilter, ("user", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay, to show who could export what and when

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        from .tokens import token_revoke

        for token in queryset:
            token_revoke(token_id=token.pk, user=request.user)
        self.message_user(request, f"Revoked {len(queryset)} token(s).", messages.SUCCESS)


# ---- Users: editors manage the accounts of annotators, reviewers and researchers ----

User = get_user_model()


class WorkbenchUserAdmin(UserAdmin):
    """Superusers manage every account. Editors manage annotators', reviewers' and
    researchers' accounts, giving only those roles (`policy.account_change_denied`): never
    a staff or superuser account, never their own, never staff status or permissions."""

    # Set only by superusers: what makes an account staff, or powerful beyond its roles.
    SUPERUSER_FIELDS = ("is_staff", "is_superuser", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [*self.SUPERUSER_FIELDS, "last_login", "date_joined"]
        return readonly

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or policy.account_change_denied(request.user, obj) is None

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = policy.assignable_roles(request.user).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, WorkbenchUserAdmin)


# ---- Webhooks: endpoints editors register, and the log of every delivery ----


class WebhookEndpointForm(forms.ModelForm):
    """Events as checkboxes; the URL checked by the webhooks' own rules (scheme, no
    credentials, no private address unless allowed); a new endpoint gets a fresh secret,
    an existing one keeps its secret unless a new one is typed."""

    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        required=False,
        min_length=16,
        max_length=WebhookEndpoint._meta.get_field("secret").max_length,
        help_text="Key of the HMAC-SHA256 signature (at least 16 characters). Copy it to the "
        "receiver now. Leave empty on an existing endpoint to keep its secret.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "events", "secret", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and not self.is_bound:
            self.initial["secret"] = webhooks.new_secret()
        if self.instance.pk is not None:
            self.initial["secret"] = ""

    def clean_url(self):
        url = self.cleaned_data["url"]
        if (problem := webhooks.url_problem(url)) is not None:
            raise forms.ValidationError(problem)
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"].strip()
        if not secret:
            if self.instance.pk is None:
                raise forms.ValidationError("A new endpoint needs a secret.")
            return self.instance.secret
        return secret


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "event_list", "active", "created_by", "created_at")
    list_filter = ("active",)
    list_select_related = ("created_by",)
    search_fields = ("url", "description")

    @admin.display(description="events")
    def event_list(self, endpoint):
        return ", ".join(endpoint.events)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log: read-only, with "retry now" (the retry rules of webhooks.py apply)."""

    list_display = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event", ("endpoint", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("endpoint",)
    search_fields = ("uuid", "endpoint__url", "last_error")
    fields = (
        "endpoint",
        "event",
        "uuid",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "created_at",
        "body",
    )
    readonly_fields = fields
    actions = ("retry_now",)

    def has_retry_permission(self, request):
        return request.user.has_perm("annotations.change_webhookdelivery")

    @admin.action(description="Retry the selected deliveries now", permissions=["retry"])
    def retry_now(self, request, queryset):
        planned = webhooks.deliveries_retry_now(queryset.values_list("pk", flat=True))
        left = queryset.count() - planned
        message = f"{planned} deliver{'y' if planned == 1 else 'ies'} planned now."
        if left:
            message += f" {left} left alone (delivered, or being sent)."
        self.message_user(request, message, messages.SUCCESS)


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Background jobs: status, progress, attempts and why one failed. Read-only: a job
    changes only through its worker. The attempts themselves (with tracebacks) are the
    task results of django-tasks-db, linked from each job for superusers."""

    list_display = (
        "__str__",
        "kind",
        "status",
        "created_by",
        "created_at",
        "progress",
        "attempts",
        "finished_at",
    )
    list_filter = ("kind", "status", ("created_by", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("created_by",)
    search_fields = ("progress_label", "error", "file_name", "task_id")
    fields = (
        ("kind", "status"),
        ("created_by", "created_at"),
        ("started_at", "finished_at"),
        ("progress_done", "progress_total", "progress_label"),
        ("attempts", "next_attempt_at"),
        "error",
        "task_link",
        "params",
        "result",
        ("file_name", "file_size", "content_type", "expires_at"),
    )
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else (row,))
    ]

    @admin.display(description="progress")
    def progress(self, job):
        percent = job.percent
        return f"{percent}%" if percent is not None else job.progress_label

    @admin.display(description="latest attempt")
    def task_link(self, job):
        if not job.task_id:
            return "—"
        meta = DBTaskResult._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[job.task_id])
        return format_html('<a href="{}">{}</a>', url, job.task_id)


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The assistant's proposals: read-only (annotators accept or dismiss them on the
    annotate screen), to see what an engine version proposed and what became of it."""

    list_display = ("excerpt", "kind", "engine", "engine_version", "score", "status", "decided_by")
    list_filter = ("status", "kind", "engine", "engine_version")
    list_select_related = ("decided_by",)
    search_fields = ("exact",)
    raw_id_fields = ("article",)

    @admin.display(description="text")
    def excerpt(self, suggestion):
        return _excerpt(suggestion.exact)
