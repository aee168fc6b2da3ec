"""The comment form: the text, checked for what can be stored; the rules are comments.py's."""

from django import forms

from ..comments import MAX_LENGTH
from ..inputs import text_problem


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a comment; @name notifies"}),
        error_messages={"required": "Write something first."},
    )

    def clean_body(self):
        body = self.cleaned_data["body"]
        if (problem := text_problem(body)) is not None:
            raise forms.ValidationError(f"The comment {problem}.")
        return body
