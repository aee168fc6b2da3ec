import pytest

pytestmark = pytest.mark.django_db


def test_roles_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) == {
        "annotator",
        "reviewer",
        "editor",
        "researcher",
    }
