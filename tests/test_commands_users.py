import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_create_user_puts_the_user_in_the_role_and_prints_a_generated_password(capsys):
    call_command("create_user", "maria", "--role", "reviewer")

    user = get_user_model().objects.get(username="maria")
    assert list(user.groups.values_list("name", flat=True)) == ["reviewer"]
    output = capsys.readouterr().out
    password = output.split("Password (shown once): ")[1].strip()
    assert user.check_password(password)
    assert not user.is_staff


def test_create_user_makes_editors_staff_for_the_admin():
    call_command("create_user", "ed", "--role", "editor", "--password", "s3cret-pass-word")

    user = get_user_model().objects.get(username="ed")
    assert user.is_staff
    assert user.check_password("s3cret-pass-word")
    assert user.has_perm("annotations.import_articles")


def test_create_user_refuses_an_existing_name():
    call_command("create_user", "maria", "--role", "annotator", "--password", "x-long-password")

    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "maria", "--role", "reviewer")


def test_create_user_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        call_command("create_user", "maria", "--role", "admin")
    assert not get_user_model().objects.filter(username="maria").exists()
