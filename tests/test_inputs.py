"""The strict request-input parsers: ids, versions and text, and the 400 page they lead to."""

import pytest
from django import forms

from annotations.inputs import (
    MAX_ID,
    BadInput,
    IdField,
    check_text,
    parse_id,
    parse_optional_id,
)


@pytest.mark.parametrize("raw", ["0", "7", "0042", str(MAX_ID), 12])
def test_parse_id_accepts_ascii_digits_within_bigint(raw):
    assert parse_id(raw, name="id") == int(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " 7",
        "7 ",
        "-1",
        "+1",
        "1.0",
        "1e3",
        "²",
        "٣",
        "７",
        str(MAX_ID + 1),
        "9" * 40,
        None,
        True,
        -1,
    ],
)
def test_parse_id_refuses_everything_else_naming_the_input(raw):
    with pytest.raises(BadInput, match="^version "):
        parse_id(raw, name="version")


def test_parse_optional_id_treats_missing_as_none():
    assert parse_optional_id(None, name="a") is None
    assert parse_optional_id("", name="a") is None
    with pytest.raises(BadInput):
        parse_optional_id("²", name="a")


@pytest.mark.parametrize("text", ["a\x00b", "lone \ud800 surrogate", "\udfff"])
def test_check_text_refuses_nul_and_lone_surrogates(text):
    with pytest.raises(BadInput, match="^q contains"):
        check_text(text, name="q")


def test_check_text_accepts_real_unicode():
    text = "Party 🎉 中国 “quotes” e\u0301"
    assert check_text(text, name="q") == text


class VersionForm(forms.Form):
    version = IdField()


@pytest.mark.parametrize("raw", ["²", "٣", "-1", str(MAX_ID + 1)])
def test_id_field_refuses_what_int_would_accept_or_crash_on(raw):
    form = VersionForm({"version": raw})
    assert not form.is_valid()
    assert "version" in form.errors


def test_id_field_parses_a_version():
    form = VersionForm({"version": " 12 "})
    assert form.is_valid()
    assert form.cleaned_data["version"] == 12


def test_bad_input_is_answered_400_with_its_message(rf):
    from annotations.views.site import bad_request

    response = bad_request(rf.get("/"), BadInput("version must be a whole number."))
    assert response.status_code == 400
    assert b"version must be a whole number." in response.content
