"""The search page's form: the query as typed and the filters, each parsed strictly."""

from django import forms

from ..inputs import text_problem
from ..models import Kind, State, Verdict
from ..search import MAX_QUERY_LENGTH, SearchFilters


class StrictTextField(forms.CharField):
    """Text that can be stored and searched: no NUL, no lone surrogate."""

    def clean(self, value):
        value = super().clean(value)
        if value and (problem := text_problem(value)) is not None:
            raise forms.ValidationError(f"This {problem}.")
        return value


class SearchForm(forms.Form):
    q = StrictTextField(
        label="Search",
        max_length=MAX_QUERY_LENGTH,
        required=False,
        help_text='Words, "a phrase", or a number: 518.4, "US$518.4 billion", '
        "value:518400000000 unit:USD",
    )
    kind = forms.ChoiceField(choices=[("", "All kinds"), *Kind.choices], required=False)
    state = forms.ChoiceField(
        choices=[("", "Any state but withdrawn"), *State.choices], required=False
    )
    verdict = forms.ChoiceField(choices=[("", "Any verdict"), *Verdict.choices], required=False)
    speaker = StrictTextField(label="Speaker or claimant", max_length=200, required=False)
    publisher = StrictTextField(max_length=200, required=False)
    published_from = forms.DateField(
        label="Published from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    published_to = forms.DateField(
        label="Published to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    FILTERS = ("kind", "state", "verdict", "speaker", "publisher", "published_from", "published_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            raise forms.ValidationError("“Published from” must not be after “Published to”.")
        return data

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(**{name: data.get(name) or _empty(name) for name in self.FILTERS})

    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.FILTERS)


def _empty(name: str):
    return None if name.startswith("published_") else ""
