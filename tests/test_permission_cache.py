"""The permission sets kept in the cache: no permission queries per request, and a change
of roles seen by the next request."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.permission_cache import GENERATION_KEY
from annotations.policy import Role

pytestmark = pytest.mark.django_db


def _permission_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "auth_permission" in query["sql"]]


def _fresh(user):
    """The user as the next request loads it (no per-object cache)."""
    return get_user_model().objects.get(pk=user.pk)


def test_a_second_request_reads_no_permissions(client, annotator, article):
    client.force_login(annotator)
    url = reverse("article_detail", args=[article.pk])
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(_permission_queries(first.captured_queries)) == 2  # user's and groups'
    assert _permission_queries(second.captured_queries) == []


def test_leaving_a_role_takes_effect_at_the_next_request(client, annotator, article):
    client.force_login(annotator)
    create = reverse("annotate_create", args=[article.pk])
    assert _fresh(annotator).has_perm("annotations.add_annotation")
    annotator.groups.remove(Group.objects.get(name=Role.ANNOTATOR.value))
    assert not _fresh(annotator).has_perm("annotations.add_annotation")
    answer = client.post(create, {"kind": "claim", "start": 0, "end": 12,
                                  "exact": article.body[:12]})  # fmt: skip
    assert answer.status_code == 403
    assert not article.annotations.exists()


def test_a_group_losing_a_permission_is_seen_at_once(annotator):
    assert _fresh(annotator).has_perm("annotations.add_annotation")
    group = Group.objects.get(name=Role.ANNOTATOR.value)
    group.permissions.remove(Permission.objects.get(codename="add_annotation"))
    assert not _fresh(annotator).has_perm("annotations.add_annotation")
    # Through the other side of the relation too.
    group.user_set.remove(annotator)
    assert not _fresh(annotator).has_perm("annotations.view_article")


def test_a_lost_generation_never_revives_an_old_entry(annotator):
    assert _fresh(annotator).has_perm("annotations.add_annotation")
    # Written behind the signals' back (another tool), then the generation is evicted.
    Group.objects.get(name=Role.ANNOTATOR.value).permissions.through.objects.filter(
        permission__codename="add_annotation"
    ).delete()
    cache.delete(GENERATION_KEY)
    assert not _fresh(annotator).has_perm("annotations.add_annotation")


def test_an_inactive_user_has_no_permissions_whatever_the_cache(annotator):
    assert _fresh(annotator).has_perm("annotations.add_annotation")
    get_user_model().objects.filter(pk=annotator.pk).update(is_active=False)
    assert not _fresh(annotator).has_perm("annotations.add_annotation")
