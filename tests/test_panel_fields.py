"""The side panel's form fields drawn by `field_group`, `field_widget` and `field_errors`
(annotations/templatetags/fragments.py) are the HTML Django's own form templates draw for the
same fields: same elements, attributes, values, options, labels, help texts and errors
(compared as parsed HTML: only white space between elements differs). Fields they do not
draw are left to Django."""

import pytest
from django import forms
from django.test.html import parse_html

from annotations.forms.annotate import (
    ATTRIBUTE_FORMS,
    FAST_RENDERER,
    CreateForm,
    attributes_form,
)
from annotations.models import Kind
from annotations.templatetags.fragments import (
    _drawn,
    _environment,
    create_fields,
    field_errors,
)
from tests.factories import AnnotationFactory


def drawn_by_panel(field) -> list:
    """The field group, the widget alone and the errors, as the panel's template draws them."""
    template = _environment().from_string(
        "{{ field_group(field) }}|{{ field_widget(field) }}|{{ field_errors(field.errors) }}"
    )
    return [parse_html(part) for part in template.render(field=field).split("|")]


def drawn_by_django(field) -> list:
    return [parse_html(str(part)) for part in (field.as_field_group(), field, field.errors)]


def assert_drawn_the_same(form) -> None:
    names = list(form.fields)
    assert names
    for name in names:
        field = form[name]
        assert drawn_by_panel(field) == drawn_by_django(field), name


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(Kind))
def test_a_new_spans_fields_are_drawn_as_django_draws_them(kind):
    """A blank span, with the suggestions read from its text where there are some."""
    phrase = {Kind.NUMBER: "30 percent", Kind.QUOTATION: "exports rose 30 percent"}.get(
        kind, "exports rose 30 percent"
    )
    annotation = AnnotationFactory(kind=kind, phrase=phrase)
    form = attributes_form(annotation)
    assert all(_drawn(form[name]) is not None for name in form.fields)
    assert_drawn_the_same(form)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (Kind.NUMBER, {"version": "3", "number_value": "5.184E+11", "number_unit": "US$",
                       "number_scale": "billion", "number_counts": "<exports> & “more”"}),
        (Kind.NUMBER, {"version": "x", "number_value": "twelve", "number_unit": "u" * 41}),
        (Kind.QUOTATION, {"version": "2", "speaker": "Ana O'Neil", "speech_type": "reported"}),
        (Kind.QUOTATION, {"version": "2", "speech_type": "shouted"}),
        (Kind.CLAIM, {"version": "1", "claimant": "the ministry", "check_worthy": "true"}),
        (Kind.CLAIM, {"version": "1", "check_worthy": "false"}),
        (Kind.CLAIM, {}),
    ],
)  # fmt: skip
def test_filled_in_and_refused_fields_are_drawn_as_django_draws_them(kind, data):
    """Values to escape, selected options, and errors (with aria-invalid and the error's id
    in aria-describedby) as a refused save shows them."""
    form = ATTRIBUTE_FORMS[kind](data)
    form.is_valid()
    assert_drawn_the_same(form)


def test_the_forms_own_errors_are_drawn_as_django_draws_them():
    form = ATTRIBUTE_FORMS[Kind.CLAIM]({"version": "1"})
    form.is_valid()
    form.add_error(None, "Someone else changed this <span> meanwhile.")
    drawn = str(field_errors(form.non_field_errors()))
    assert "errorlist nonfield" in drawn
    assert parse_html(drawn) == parse_html(str(form.non_field_errors()))


class EveryWidget(forms.Form):
    """Widgets and options the panel's forms do not use today, and ones left to
    Django (a checkbox and radio buttons, templates of their own)."""

    default_renderer = FAST_RENDERER
    required_css_class = "required"

    title = forms.CharField(max_length=20, help_text="As <em>written</em>.")
    count = forms.IntegerField(min_value=0)
    mail = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"id": "own-id"}))
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    grouped = forms.ChoiceField(
        choices=[
            ("Trade", [("exports", "Exports"), ("imports", "Imports")]),
            ("other", "Other & <more>"),
        ]
    )
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    flag = forms.BooleanField(required=False)
    pick = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A"), ("b", "B")])


@pytest.mark.parametrize("bound", [False, True])
def test_every_widget_the_panel_draws_is_drawn_as_django_draws_it(bound):
    data = {"title": "x" * 30, "count": "-1", "note": "a\n<b>", "grouped": "imports",
            "several": ["b"], "secret": "s", "hidden": "h"}  # fmt: skip
    form = EveryWidget(data) if bound else EveryWidget(initial={"note": "first", "title": "t"})
    form.is_valid()
    assert_drawn_the_same(form)
    drawn = {name for name in form.fields if _drawn(form[name]) is not None}
    # Checkboxes and radio buttons have templates of their own: Django draws them.
    assert drawn == set(form.fields) - {"flag", "pick"}


def test_the_label_suffix_and_a_field_without_an_id_are_drawn_as_django_draws_them():
    form = EveryWidget(auto_id=False, label_suffix=":")
    assert_drawn_the_same(form)
    form = EveryWidget(label_suffix=" →")
    assert_drawn_the_same(form)


def test_the_create_boxs_blank_fields_are_drawn_once_as_a_blank_form_draws_them():
    blank = create_fields(None)
    assert blank is create_fields(None)  # drawn once per process
    assert parse_html(blank) == parse_html(create_fields(CreateForm(article=None)))
    form = CreateForm(article=None)
    for name in ("start", "end", "exact"):
        assert parse_html(str(form[name])) in parse_html(blank)
    assert "errorlist" not in blank
