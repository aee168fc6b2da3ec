"""Forms of the article list: its filters and sorting, and the editors' assign form.

The filters parse what the query string says and apply it to the list's QuerySet; the
assign form parses ids strictly (`inputs`) and leaves the rules to `assignments.py`.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Cast, NullIf

from ..inputs import check_text, id_problem
from ..models import Article, Assignment, AssignmentRole, ImportBatch, State
from .review import IdChoiceField


class Progress:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CHOICES = [
        ("", "Any progress"),
        (NOT_STARTED, "Not started"),
        (IN_PROGRESS, "In progress"),
        (DONE, "Done (everything decided)"),
    ]


class Sort:
    NEWEST = ""
    OLDEST = "oldest"
    TITLE = "title"
    LEAST_DONE = "least_done"
    MOST_DONE = "most_done"
    MOST_ANNOTATED = "most_annotated"
    DUE = "due"
    CHOICES = [
        (NEWEST, "Newest first"),
        (OLDEST, "Oldest first"),
        (TITLE, "Title A–Z"),
        (LEAST_DONE, "Least verified first"),
        (MOST_DONE, "Most verified first"),
        (MOST_ANNOTATED, "Most annotations first"),
        (DUE, "My due date first"),
    ]


class Assigned:
    ME = "me"
    UNASSIGNED = "unassigned"
    CHOICES = [("", "Anyone's"), (ME, "Assigned to me"), (UNASSIGNED, "No annotator assigned")]


STATE_CHOICES = [("", "Any state")] + [
    (state.value, f"Has {state.label.lower()} items") for state in State if state != State.WITHDRAWN
]
# Verified share of the live annotations; articles without any sort as 0.
VERIFIED_SHARE = Cast(F("counts__verified"), FloatField()) / NullIf(F("counts__total"), 0)


class ArticleFilterForm(forms.Form):
    """The list's filters and order, from the query string (all optional)."""

    q = forms.CharField(required=False, max_length=200)
    assigned = forms.ChoiceField(choices=Assigned.CHOICES, required=False)
    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)
    publisher = forms.CharField(required=False, max_length=200)
    published_from = forms.DateField(required=False)
    published_to = forms.DateField(required=False)
    progress = forms.ChoiceField(choices=Progress.CHOICES, required=False)
    sort = forms.ChoiceField(choices=Sort.CHOICES, required=False)

    def clean_q(self):
        return check_text(self.cleaned_data["q"].strip(), name="The search")

    def clean_publisher(self):
        return check_text(self.cleaned_data["publisher"].strip(), name="The publisher")

    def clean(self):
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", "The end date is before the start date.")
        return data

    def apply(self, articles, user):
        """Filter and order `articles` (the list's QuerySet) for `user`. Call after
        is_valid(); each article gets `mine` (assigned to `user`) and `my_due`."""
        data = self.cleaned_data
        my_assignments = Assignment.objects.filter(article=OuterRef("pk"), assignee=user)
        articles = articles.annotate(
            mine=Exists(my_assignments),
            my_due=Subquery(
                my_assignments.filter(due__isnull=False).order_by("due").values("due")[:1]
            ),
        )
        if data["q"]:
            articles = articles.filter(title__icontains=data["q"])
        if data["assigned"] == Assigned.ME:
            articles = articles.filter(mine=True)
        elif data["assigned"] == Assigned.UNASSIGNED:
            annotators = Assignment.objects.filter(
                article=OuterRef("pk"), role=AssignmentRole.ANNOTATOR
            )
            articles = articles.exclude(Exists(annotators))
        if data["state"]:
            articles = articles.filter(**{f"counts__{data['state']}__gt": 0})
        if data["publisher"]:
            articles = articles.filter(publisher__icontains=data["publisher"])
        if data["published_from"]:
            articles = articles.filter(published__gte=data["published_from"])
        if data["published_to"]:
            articles = articles.filter(published__lte=data["published_to"])
        undecided = Q(counts__draft__gt=0) | Q(counts__submitted__gt=0) | Q(counts__in_review__gt=0)
        if data["progress"] == Progress.NOT_STARTED:
            articles = articles.filter(counts__total=0)
        elif data["progress"] == Progress.IN_PROGRESS:
            articles = articles.filter(counts__total__gt=0).filter(undecided)
        elif data["progress"] == Progress.DONE:
            articles = articles.filter(counts__total__gt=0).exclude(undecided)
        return articles.order_by(*self.ordering())

    def ordering(self) -> list:
        newest = [F("published").desc(nulls_last=True), "-id"]
        match self.cleaned_data["sort"]:
            case Sort.OLDEST:
                return [F("published").asc(nulls_last=True), "id"]
            case Sort.TITLE:
                return ["title", "id"]
            case Sort.LEAST_DONE:
                return [VERIFIED_SHARE.asc(nulls_first=True), *newest]
            case Sort.MOST_DONE:
                return [VERIFIED_SHARE.desc(nulls_last=True), *newest]
            case Sort.MOST_ANNOTATED:
                return [F("counts__total").desc(), *newest]
            case Sort.DUE:
                return [F("my_due").asc(nulls_last=True), *newest]
        return newest

    def as_query(self) -> dict:
        """The valid filters as GET parameters (for pagination links and the way back
        after assigning)."""
        if not self.is_valid():
            return {}
        return {
            name: self.data[name]
            for name in self.fields
            if self.cleaned_data.get(name) not in (None, "")
        }

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(
            self.cleaned_data.get(name) not in (None, "") for name in self.fields if name != "sort"
        )


class UserIdsField(forms.ModelMultipleChoiceField):
    """People chosen by id, each id parsed strictly (Django's own lookup reads "٣" as 3)."""

    def clean(self, value):
        for raw in value or []:
            if id_problem(str(raw).strip()) is not None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": raw},
                )
        return super().clean(value)

    def label_from_instance(self, obj):
        return obj.get_username()


class AssignAction:
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    CHOICES = [(ASSIGN, "Assign"), (UNASSIGN, "Unassign")]


class AssignForm(forms.Form):
    """Which articles (ticked in the list, or an import batch), to whom, by when."""

    article = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    batch = IdChoiceField(
        queryset=ImportBatch.objects.all(),
        required=False,
        error_messages={"invalid_choice": "That import batch does not exist."},
    )
    annotators = UserIdsField(queryset=get_user_model().objects.all(), required=False)
    reviewers = UserIdsField(queryset=get_user_model().objects.all(), required=False)
    due = forms.DateField(required=False)
    action = forms.ChoiceField(
        choices=AssignAction.CHOICES,
        error_messages={"invalid_choice": "“%(value)s” is neither assign nor unassign."},
    )

    def clean_article(self):
        raw = self.cleaned_data["article"] or []
        for value in raw:
            if (problem := id_problem(value)) is not None:
                raise forms.ValidationError(f"An article id {problem}.")
        return sorted({int(value) for value in raw})

    def clean(self):
        data = super().clean()
        if data.get("article") and data.get("batch") is not None:
            raise forms.ValidationError(
                "Tick articles or choose an import batch, not both.", code="ambiguous"
            )
        return data

    def articles(self):
        """The articles meant: those ticked, or else the whole batch."""
        data = self.cleaned_data
        if data["article"]:
            return Article.objects.filter(pk__in=data["article"])
        if data["batch"] is not None:
            return Article.objects.filter(import_batch=data["batch"])
        return Article.objects.none()
