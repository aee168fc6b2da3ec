"""The import screen's form: one or more files, an optional format and publisher."""

from django import forms
from django.core.exceptions import ValidationError

from ..importers import Format

FORMAT_CHOICES = [
    ("", "Detect from each file"),
    (Format.DUMP.value, "News dump (“Continue reading” lines)"),
    (Format.TEXT.value, "Plain text (one article, first line the title)"),
    (Format.JSONL.value, "JSON Lines (one article per line)"),
]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once. Only their presence is checked here: an empty or bad file
    is the importer's to report, by name, without stopping the other files."""

    widget = MultipleFileInput
    default_error_messages = {"required": "Choose at least one file to import."}

    def clean(self, data, initial=None):
        files = [upload for upload in (data or []) if upload]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class ImportForm(forms.Form):
    files = MultipleFileField(label="Files")
    file_format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, label="Format")
    publisher = forms.CharField(
        max_length=200,
        required=False,
        label="Publisher",
        help_text="For articles that do not name their own.",
    )
