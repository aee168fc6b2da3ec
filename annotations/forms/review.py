"""Forms of the review screens: queue filters, decisions, sources and evidence.

They parse and type-check what the browser sends; the rules (who, which state, what a
verification needs) stay in `workflow.py`, so a form never refuses what the workflow
would allow or the other way round.
"""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from ..inputs import IdField, id_problem
from ..models import Article, Kind, Source, SourceKind, Stance, State, Verdict
from ..sources import SourceDetails, normalise_url


class AgeFilter:
    """Age buckets of waiting items, by time since submission."""

    CHOICES = [
        ("", "Any age"),
        ("day", "Less than a day"),
        ("week", "1 to 7 days"),
        ("older", "More than 7 days"),
    ]

    @staticmethod
    def apply(queryset, age: str):
        now = timezone.now()
        day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)
        if age == "day":
            return queryset.filter(submitted_at__gt=day_ago)
        if age == "week":
            return queryset.filter(submitted_at__lte=day_ago, submitted_at__gt=week_ago)
        if age == "older":
            return queryset.filter(submitted_at__lte=week_ago)
        return queryset


class IdChoiceField(forms.ModelChoiceField):
    """A choice of object by id, the id parsed strictly first: Django's own lookup would
    read "٣" as 3 (another object than the one shown) and let "²" reach the database."""

    def to_python(self, value):
        if value not in self.empty_values and id_problem(str(value).strip()) is not None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class ArticleChoiceField(IdChoiceField):
    def label_from_instance(self, obj):
        return obj.title if len(obj.title) <= 70 else obj.title[:67] + "…"


class QueueFilterForm(forms.Form):
    """Filters of the waiting list; the same fields ride along with "Take next"."""

    kind = forms.ChoiceField(choices=[("", "All kinds"), *Kind.choices], required=False)
    article = ArticleChoiceField(
        queryset=Article.objects.none(),
        required=False,
        empty_label="All articles",
        error_messages={"invalid_choice": "Nothing from that article is waiting."},
    )
    annotator = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="All annotators",
        to_field_name="username",
        error_messages={"invalid_choice": "Nothing by that annotator is waiting."},
    )
    age = forms.ChoiceField(choices=AgeFilter.CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what has waiting items is worth offering.
        waiting = {"annotations__state": State.SUBMITTED}
        self.fields["article"].queryset = (
            Article.objects.filter(**waiting).distinct().order_by("title", "id").only("id", "title")
        )
        self.fields["annotator"].queryset = (
            get_user_model().objects.filter(**waiting).distinct().order_by("username")
        )

    def filter(self, queryset):
        """Apply the filters. An invalid one (the last item of that article taken meanwhile,
        a hand-made url) matches nothing: dropping it would widen the queue, and "take next
        matching" would take an item the reviewer did not ask for."""
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("article"):
            queryset = queryset.filter(article=data["article"])
        if data.get("annotator"):
            queryset = queryset.filter(author=data["annotator"])
        return AgeFilter.apply(queryset, data.get("age", ""))

    def as_query(self) -> dict:
        """The filters as given, as GET parameters for the links and forms that carry them
        from the queue through the item page and back. Not validated here (that costs
        queries on every item page): `filter` validates where they are applied."""
        return {name: self.data[name] for name in self.fields if self.data.get(name)}


class PrefixedIdsForm(forms.Form):
    """The item page holds several forms: each gets its own element ids."""

    id_prefix = "id"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s" if self.id_prefix else False)
        super().__init__(*args, **kwargs)


def version_field() -> IdField:
    """The version the page showed, parsed strictly (a stale one is refused by the workflow)."""
    return IdField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": "The form has no version: reload the page and retry."},
    )


class VersionForm(PrefixedIdsForm):
    """Take and release: the version the page showed (a stale one is refused)."""

    id_prefix = ""  # rendered twice on a page (take, release): hidden, no id needed

    version = version_field()


class Decision:
    VERIFY = "verify"
    REJECT = "reject"
    SEND_BACK = "send_back"
    # The same decision, then the next item matching the queue's filters, in one click.
    VERIFY_THEN_NEXT = "verify_then_next"
    REJECT_THEN_NEXT = "reject_then_next"
    THEN_NEXT = {VERIFY_THEN_NEXT: VERIFY, REJECT_THEN_NEXT: REJECT}
    CHOICES = [
        (VERIFY, "Verify"),
        (REJECT, "Reject"),
        (SEND_BACK, "Send back"),
        (VERIFY_THEN_NEXT, "Verify & take next"),
        (REJECT_THEN_NEXT, "Reject & take next"),
    ]


def verdict_choices():
    def label(verdict: Verdict) -> str:
        rating = verdict.rating
        return f"{verdict.label} ({rating}/5)" if rating else f"{verdict.label} (no rating)"

    return [("", "Choose a verdict…"), *((v.value, label(v)) for v in Verdict)]


# A verdict that was given but is not on the scale: say so, rather than "choose one".
UNKNOWN_VERDICT = (
    "“%(value)s” is not one of the allowed verdicts: "
    + ", ".join(verdict.value for verdict in Verdict)
    + "."
)


class DecisionForm(PrefixedIdsForm):
    """Verdict and rationale, and which button was pressed (verify, reject, send back)."""

    id_prefix = "decision"

    version = version_field()
    decision = forms.ChoiceField(
        choices=Decision.CHOICES,
        error_messages={
            "invalid_choice": "“%(value)s” is not a decision: verify or reject (and take "
            "next), or send back."
        },
    )
    verdict = forms.ChoiceField(
        choices=verdict_choices,
        required=False,
        error_messages={"invalid_choice": UNKNOWN_VERDICT},
    )
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required to reject or send back: the annotator reads it.",
    )

    def clean(self):
        """`decision` is verify, reject or send back; `take_next` says whether to go on."""
        data = super().clean()
        decision = data.get("decision")
        data["take_next"] = decision in Decision.THEN_NEXT
        data["decision"] = Decision.THEN_NEXT.get(decision, decision)
        return data


class SettleForm(DecisionForm):
    """An editor's final decision on a disputed item (double review): the same fields."""

    id_prefix = "settle"


class SourceForm(PrefixedIdsForm):
    """A new source. An already known url (in any spelling) gives the existing source."""

    id_prefix = "source"

    url = forms.CharField(
        max_length=1000, label="Url", widget=forms.URLInput(attrs={"placeholder": "https://…"})
    )
    title = forms.CharField(
        max_length=500,
        required=False,
        help_text="Optional: without a title, the source is labelled by its address.",
    )
    publisher = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.OTHER)
    accessed = forms.DateField(
        required=False, label="Date accessed", widget=forms.DateInput(attrs={"type": "date"})
    )
    archived_url = forms.CharField(
        max_length=1000,
        required=False,
        label="Archived copy url",
        widget=forms.URLInput(attrs={"placeholder": "https://web.archive.org/…"}),
    )

    def clean_url(self):
        return normalise_url(self.cleaned_data["url"])

    def details(self) -> SourceDetails:
        return SourceDetails(**self.cleaned_data)


class EvidenceForm(PrefixedIdsForm):
    """An evidence item: the chosen source, a stance, what was found there and where."""

    id_prefix = "evidence"

    source = IdChoiceField(
        queryset=Source.objects.all(),
        error_messages={
            "required": "Choose a source (search above) or add a new one first.",
            "invalid_choice": "That source no longer exists: search again.",
        },
    )
    stance = forms.ChoiceField(
        choices=Stance.choices, widget=forms.RadioSelect, initial=Stance.SUPPORTS
    )
    excerpt = forms.CharField(
        required=False,
        label="Excerpt or figure found in the source",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    locator = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "page 4, table 2…"}),
    )
