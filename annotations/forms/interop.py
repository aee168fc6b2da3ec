"""The "other tools" screen's forms: a file of another tool to import, and what to export."""

from django import forms
from django.core.exceptions import ValidationError

from ..interop import EXPORT_FORMATS, ExportScope, InteropError, InteropFormat, OffsetUnit
from ..interop import parse_label_map as parse_pairs

FORMAT_CHOICES = [
    (InteropFormat.LABEL_STUDIO.value, "Label Studio JSON export"),
    (InteropFormat.DOCCANO.value, "doccano JSON Lines export"),
    (InteropFormat.W3C.value, "W3C Web Annotations (JSON-LD)"),
]
OFFSET_CHOICES = [
    ("", "As the format counts (recommended)"),
    (OffsetUnit.CODE_POINTS.value, "Code points"),
    (OffsetUnit.UTF16.value, "UTF-16 code units"),
    (OffsetUnit.GRAPHEMES.value, "Grapheme clusters (doccano's option)"),
]


class InteropImportForm(forms.Form):
    file = forms.FileField(label="File", error_messages={"required": "Choose a file to import."})
    file_format = forms.ChoiceField(choices=FORMAT_CHOICES, label="Format")
    label_map = forms.CharField(
        label="Labels",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "ORG=claim\nMONEY=number"}),
        help_text="One LABEL=kind per line (claim, number or quotation). Labels named claim, "
        "number, quotation or quote, and money, percent, quantity, cardinal, need none.",
    )
    offsets = forms.ChoiceField(choices=OFFSET_CHOICES, required=False, label="Offsets count")
    skip_invalid = forms.BooleanField(
        required=False,
        label="Import the valid records and leave out the others",
        help_text="Otherwise one refused record refuses the whole file.",
    )

    def clean_label_map(self):
        lines = [line for line in self.cleaned_data["label_map"].splitlines() if line.strip()]
        try:
            return parse_pairs(lines)
        except InteropError as error:
            raise ValidationError(str(error)) from None


class InteropExportForm(forms.Form):
    """The query of a download: which annotations; `article` narrows to one article."""

    scope = forms.ChoiceField(
        choices=[
            (ExportScope.VERIFIED.value, "Verified annotations"),
            (ExportScope.ALL.value, "Every live annotation (editors)"),
        ],
        required=False,
    )

    def clean_scope(self):
        return self.cleaned_data["scope"] or ExportScope.VERIFIED.value


EXPORT_CHOICES = [(str(name), fmt.label) for name, fmt in EXPORT_FORMATS.items()]
