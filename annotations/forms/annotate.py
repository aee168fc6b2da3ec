"""Forms of the annotate screen: make a span, edit its attributes, change its kind, move it.

The forms only parse and validate what the browser sent; every change goes through the
functions in `workflow.py`, which check the policy, the version and the span again.
"""

from django import forms

from ..models import Annotation, Kind, SpeechType
from ..numbers import read_number, suggest_speaker, suggest_speech_type
from ..text import locate
from ..workflow import KIND_FIELDS

NUDGES = {
    "start:-1": ("start", -1),
    "start:1": ("start", 1),
    "end:-1": ("end", -1),
    "end:1": ("end", 1),
}


class CreateForm(forms.Form):
    """A new span: the kind comes from the button pressed (or the c/n/q key).

    With JavaScript the browser sends the selection's code-point offsets and its text;
    without, the annotator types or pastes the text and the first occurrence is used.
    """

    kind = forms.ChoiceField(choices=Kind.choices)
    start = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    # strip=False: the span's text is compared with the article character for character.
    exact = forms.CharField(
        strip=False,
        label="Selected text",
        widget=forms.Textarea(
            attrs={
                "rows": 1,
                "spellcheck": "false",
                "placeholder": "Select text in the article, or paste it here",
            }
        ),
        error_messages={"required": "Select some text in the article first."},
    )

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean_exact(self):
        # Browsers send a textarea's line breaks as CRLF; the body has only LF (normalised
        # at import), so this cannot change which text is meant.
        exact = self.cleaned_data["exact"].replace("\r\n", "\n")
        if not exact.strip():
            raise forms.ValidationError("Select some text in the article first.")
        return exact

    def clean(self):
        cleaned = super().clean()
        exact = cleaned.get("exact")
        if exact and (cleaned.get("start") is None or cleaned.get("end") is None):
            located = locate(self.article.body, exact)
            if located is None:
                self.add_error("exact", "This text does not appear in the article.")
            else:
                cleaned["start"], cleaned["end"] = located
        return cleaned


class FigureField(forms.DecimalField):
    """A decimal that may be written with thousands separators: "518,400,000,000"."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.replace(",", "").split())
        return super().to_python(value)


class AttributesForm(forms.Form):
    """Base of the per-kind forms; `changes()` is what `annotation_update` receives."""

    kind: Kind
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in KIND_FIELDS[self.kind] if name in self.fields
        }


class NumberAttributesForm(AttributesForm):
    kind = Kind.NUMBER
    number_value = FigureField(
        max_digits=40, decimal_places=10, required=False, label="Value",
        help_text="The full figure: 518400000000 for “US$518.4 billion”.",
    )  # fmt: skip
    number_unit = forms.CharField(max_length=40, required=False, label="Unit or currency")
    number_scale = forms.CharField(max_length=40, required=False, label="Scale as written")
    number_qualifier = forms.CharField(max_length=40, required=False, label="Qualifier")
    number_counts = forms.CharField(max_length=200, required=False, label="What it counts")


class QuotationAttributesForm(AttributesForm):
    kind = Kind.QUOTATION
    speaker = forms.CharField(
        max_length=200, required=False, label="Speaker", help_text="As written in the article."
    )
    speech_type = forms.ChoiceField(
        choices=[("", "Not set"), *SpeechType.choices], required=False, label="Speech"
    )


class CheckWorthySelect(forms.NullBooleanSelect):
    """Yes / No / not decided yet (stored as True / False / None)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Not decided"), ("true", "Yes"), ("false", "No")]


class ClaimAttributesForm(AttributesForm):
    kind = Kind.CLAIM
    claimant = forms.CharField(max_length=200, required=False, label="Claimant")
    check_worthy = forms.NullBooleanField(
        required=False, label="Check-worthy", widget=CheckWorthySelect
    )


ATTRIBUTE_FORMS = {
    Kind.NUMBER: NumberAttributesForm,
    Kind.QUOTATION: QuotationAttributesForm,
    Kind.CLAIM: ClaimAttributesForm,
}


def suggested_attributes(annotation: Annotation) -> dict:
    """What the text says about the span's attributes (read from the article around it)."""
    body = annotation.article.body
    if annotation.kind == Kind.NUMBER:
        return read_number(annotation.exact, annotation.prefix, annotation.suffix).attributes()
    speaker = suggest_speaker(body, annotation.start, annotation.end)
    if annotation.kind == Kind.QUOTATION:
        return {
            "speaker": speaker,
            "speech_type": suggest_speech_type(body, annotation.start, annotation.end),
        }
    return {"claimant": speaker}


def attributes_form(annotation: Annotation, data=None) -> AttributesForm:
    """The attribute form of the annotation's kind: bound to `data`, or showing its values.

    A span with no attributes yet shows suggestions read from the text instead; they are
    saved only when the annotator saves the form (`form.suggested` says so).
    """
    form_class = ATTRIBUTE_FORMS[Kind(annotation.kind)]
    if data is not None:
        form = form_class(data)
        form.suggested = False
        return form
    names = [name for name in KIND_FIELDS[Kind(annotation.kind)] if name in form_class.base_fields]
    initial = {name: getattr(annotation, name) for name in names}
    suggested = False
    if all(value in (None, "") for value in initial.values()):
        suggestions = {
            k: v for k, v in suggested_attributes(annotation).items() if v not in (None, "")
        }
        initial |= suggestions
        suggested = bool(suggestions)
    form = form_class(initial={**initial, "version": annotation.version})
    form.suggested = suggested
    return form


class KindForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, label="Kind")
    version = forms.IntegerField(widget=forms.HiddenInput)


class NudgeForm(forms.Form):
    """Move the span's start or end by one word; the button pressed says which way."""

    move = forms.ChoiceField(choices=[(value, value) for value in NUDGES])
    version = forms.IntegerField(widget=forms.HiddenInput)

    @property
    def edge_and_direction(self) -> tuple[str, int]:
        return NUDGES[self.cleaned_data["move"]]


class VersionForm(forms.Form):
    """Withdraw and submit carry only the version the screen showed."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class AttributionForm(forms.Form):
    """Mark (or clear) the words that attribute a quotation, e.g. "Mayor José Núñez said".

    Like a new span, the browser sends the selection's code-point offsets and its text, and
    the text must be the body's slice at those offsets.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    clear = forms.BooleanField(required=False)
    start = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear"):
            cleaned["start"] = cleaned["end"] = None
            return cleaned
        start, end, exact = cleaned.get("start"), cleaned.get("end"), cleaned.get("exact")
        if start is None or end is None or not exact:
            raise forms.ValidationError(
                "Select the words that attribute the quotation (such as “the minister said”), "
                "then mark them."
            )
        if self.article.body[start:end] != exact:
            raise forms.ValidationError(
                "The selected text does not match the article at those offsets. "
                "Reload the page and select again."
            )
        return cleaned
