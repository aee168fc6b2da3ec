"""Forms of the export screen: the filters (shared by the endpoint and the command) and tokens."""

from datetime import UTC, datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..exporters import ExportFilters
from ..models import ApiToken, Kind, Verdict


class DateOrDateTimeField(forms.Field):
    """A date (midnight in the server's time zone) or an ISO 8601 date-time.

    Scripts want "since the last run" to the second; people pick a day.
    """

    widget = forms.DateInput(attrs={"type": "date"})
    default_error_messages = {
        "invalid": "Enter a date (2025-01-31) or a date and time (2025-01-31T14:00:00Z).",
        "out_of_range": "This moment is out of range: in UTC it falls before the year 1 or "
        "after the year 9999.",
    }

    def to_python(self, value) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            parsed = value
        else:
            text = str(value).strip()
            try:
                parsed = parse_datetime(text)
                if parsed is None:
                    day = parse_date(text)
                    if day is None:
                        raise ValueError(text)
                    parsed = datetime.combine(day, time.min)
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        # In UTC, as the database and the export compare and write it: an offset can push
        # 9999-12-31T23:59:59-14:00 past the calendar, which would fail mid-stream.
        try:
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed)
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None


class ExportFilterForm(forms.Form):
    """The export filters; every field may stay empty (everything verified is exported)."""

    since = DateOrDateTimeField(required=False, label="Verified since")
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    verdict = forms.ChoiceField(required=False, choices=[("", "Any verdict"), *Verdict.choices])
    article = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # the id column's range: larger would fail in the database
        label="Article id",
        widget=forms.NumberInput(attrs={"placeholder": "any"}),
    )

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            since=data.get("since"),
            kind=data.get("kind") or None,
            verdict=data.get("verdict") or None,
            article_id=data.get("article"),
        )


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": "Token name"}
        help_texts = {"name": "What will use it, e.g. “nightly analysis script”."}
        widgets = {"name": forms.TextInput(attrs={"placeholder": "nightly analysis script"})}
