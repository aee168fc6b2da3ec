"""Forms of the annotate screen: make a span, edit its attributes, change its kind, move it.

The forms only parse and validate what the browser sent; every change goes through the
functions in `workflow.py`, which check the policy, the version and the span again.
"""

from decimal import Decimal

from django import forms
from django.forms.renderers import Jinja2

from ..exporters import decimal_text
from ..inputs import IdField, text_problem
from ..models import Annotation, Kind, SpeechType
from ..text import locate
from ..workflow import KIND_FIELDS, unsaved_suggestions

# The annotate screen renders a form in the side panel with every span created or opened.
# Django's own widget templates in Jinja2 give the same HTML in about half the time of the
# template language (a tenth of a span create's CPU went to rendering these forms). Only
# these forms: the admin's widgets exist for Django templates alone.
FAST_RENDERER = Jinja2()

NUDGES = {
    "start:-1": ("start", -1),
    "start:1": ("start", 1),
    "end:-1": ("end", -1),
    "end:1": ("end", 1),
}


class ConfirmField(forms.TypedChoiceField):
    """A hidden "1" that a confirmation button sends after a warning; absent is False."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(
            choices=[("", ""), ("1", "1")], coerce=bool, empty_value=False, required=False,
            **kwargs,
        )  # fmt: skip


class CreateForm(forms.Form):
    """A new span: the kind comes from the button pressed (or the c/n/q key).

    With JavaScript the browser sends the selection's code-point offsets and its text;
    without, the annotator types or pastes the text and the first occurrence is used.
    """

    default_renderer = FAST_RENDERER
    kind = forms.ChoiceField(choices=Kind.choices)
    start = IdField(required=False, widget=forms.HiddenInput)
    end = IdField(required=False, widget=forms.HiddenInput)
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
    # Sent by "Create anyway", after the warning that the author has this very span.
    confirm_duplicate = ConfirmField()

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean_exact(self):
        # Browsers send a textarea's line breaks as CRLF; the body has only LF (normalised
        # at import), so this cannot change which text is meant.
        exact = self.cleaned_data["exact"].replace("\r\n", "\n")
        if not exact.strip():
            raise forms.ValidationError("Select some text in the article first.")
        problem = text_problem(exact)
        if problem is not None:
            raise forms.ValidationError(f"The selected text {problem}.")
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
    """A decimal that may be written with thousands separators: "518,400,000,000".

    Shown as the annotator writes it ("12", "518400000000", "0.5"), not as the column
    stores it ("12.0000000000") nor with an exponent ("5.184E+11").
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.replace(",", "").split())
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return decimal_text(value)
        return super().prepare_value(value)


class AttributesForm(forms.Form):
    """Base of the per-kind forms; `changes()` is what `annotation_update` receives."""

    default_renderer = FAST_RENDERER
    kind: Kind
    version = IdField(
        widget=forms.HiddenInput,
        error_messages={"required": "The form is missing its version: reload the page."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        """The attributes the request sent; one it did not send is left as it is."""
        return {
            name: self.cleaned_data[name]
            for name in KIND_FIELDS[self.kind]
            if name in self.fields and name in self.data
        }


# How to write a value: shown only while the field is empty or refused (`attributes_form`);
# next to a filled-in value it repeats itself under every number the annotator opens.
VALUE_HINT = "The full figure: 518400000000 for “US$518.4 billion”."


class NumberAttributesForm(AttributesForm):
    kind = Kind.NUMBER
    number_value = FigureField(
        max_digits=40, decimal_places=10, required=False, label="Value",
        help_text=VALUE_HINT,
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


def attributes_form(annotation: Annotation, data=None) -> AttributesForm:
    """The attribute form of the annotation's kind: bound to `data`, or showing its values.

    A span with no attributes yet shows suggestions read from the text instead; they are
    saved when the annotator saves or submits the form (`form.suggested` says so).
    """
    form_class = ATTRIBUTE_FORMS[Kind(annotation.kind)]
    if data is not None:
        form = form_class(data)
        form.suggested = False
    else:
        names = [n for n in KIND_FIELDS[Kind(annotation.kind)] if n in form_class.base_fields]
        initial = {name: getattr(annotation, name) for name in names}
        # The same rule as "Submit all" uses to warn about them: one place decides.
        suggestions = unsaved_suggestions(annotation)
        form = form_class(initial={**initial, **suggestions, "version": annotation.version})
        form.suggested = bool(suggestions)
    if "number_value" in form.fields:
        value = form["number_value"]  # cached by the form: the template renders this one
        if value.value() not in (None, "") and not value.errors:
            value.help_text = ""
    return form


class KindForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, label="Kind")
    version = IdField(widget=forms.HiddenInput)


class NudgeForm(forms.Form):
    """Move the span's start or end by one word; the button pressed says which way."""

    move = forms.ChoiceField(choices=[(value, value) for value in NUDGES])
    version = IdField(widget=forms.HiddenInput)

    @property
    def edge_and_direction(self) -> tuple[str, int]:
        return NUDGES[self.cleaned_data["move"]]


class VersionForm(forms.Form):
    """Withdraw and submit carry only the version the screen showed."""

    version = IdField(widget=forms.HiddenInput)


class SubmitAllForm(forms.Form):
    """Submit all my drafts; `confirm_unsaved` after the list of unsaved suggestions."""

    confirm_unsaved = ConfirmField()


class AttributionForm(forms.Form):
    """Mark (or clear) the words that attribute a quotation, e.g. "Mayor José Núñez said".

    Like a new span, the browser sends the selection's code-point offsets and its text, and
    the text must be the body's slice at those offsets.
    """

    version = IdField(widget=forms.HiddenInput)
    clear = forms.BooleanField(required=False)
    start = IdField(required=False, widget=forms.HiddenInput)
    end = IdField(required=False, widget=forms.HiddenInput)
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
