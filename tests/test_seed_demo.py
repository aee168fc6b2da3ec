import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotations.models import Article

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_user_per_role_and_the_demo_corpus(capsys):
    call_command("seed_demo")

    users = get_user_model().objects.prefetch_related("groups")
    roles = {group.name for user in users for group in user.groups.all()}
    assert roles == {"annotator", "reviewer", "editor", "researcher"}
    assert Article.objects.count() >= 3
    output = capsys.readouterr().out
    assert "http://127.0.0.1:8000/login/" in output
    anna_password = next(
        line.split()[-1] for line in output.splitlines() if line.strip().startswith("anna ")
    )
    assert users.get(username="anna").check_password(anna_password)


def test_seed_demo_leaves_a_database_with_users_alone(capsys, annotator):
    call_command("seed_demo")

    assert Article.objects.count() == 0
    assert get_user_model().objects.count() == 1
    assert "no demo data added" in capsys.readouterr().out
