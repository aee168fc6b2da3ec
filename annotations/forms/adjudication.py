"""The adjudication screen's form: which reference span to make, from which sources."""

from django import forms

from ..inputs import IdField, id_problem, text_problem
from ..models import Kind


class SourceIdsField(forms.Field):
    """One or more annotation ids, each parsed as strictly as `IdField`."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids = []
        for raw in values:
            problem = id_problem(raw.strip() if isinstance(raw, str) else raw)
            if problem is not None:
                raise forms.ValidationError(f"A source id {problem}.", code="invalid")
            ids.append(int(raw))
        return ids


class AdjudicateForm(forms.Form):
    group = IdField(required=False)
    kind = forms.ChoiceField(choices=Kind.choices)
    start = IdField()
    end = IdField()
    # The text the editor saw at those offsets (filled by the page); checked against the body.
    exact = forms.CharField(required=False, strip=False)
    sources = SourceIdsField()
    attributes_from = IdField(required=False)

    def clean_exact(self):
        exact = self.cleaned_data["exact"]
        if exact and (problem := text_problem(exact)):
            raise forms.ValidationError(f"The text {problem}.")
        return exact or None
