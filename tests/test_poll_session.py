"""The live-update poll's one-query fast path honours the session's auth hash."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.urls import reverse

pytestmark = pytest.mark.django_db


def poll_url(article):
    return reverse("annotate_poll", args=[article.pk])


def page_url(article):
    return reverse("article_detail", args=[article.pk])


def test_a_password_change_ends_the_fast_path(client_for, annotator, article):
    client = client_for(annotator)
    client.get(page_url(article))  # the session is in the cache, as on a real screen
    seen = {"v": article.annotations_version}
    assert client.get(poll_url(article), seen).status_code == 204

    annotator.set_password("a new password elsewhere")
    annotator.save()

    response = client.get(poll_url(article), seen)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(page_url(article)).status_code == 302  # the session is gone


def test_a_session_without_its_hash_is_not_answered_204(client_for, annotator, article):
    client = client_for(annotator)
    session = client.session
    del session[HASH_SESSION_KEY]
    session.save()

    response = client.get(poll_url(article), {"v": article.annotations_version})

    assert response.status_code == 302


def test_a_hash_made_with_a_fallback_key_still_polls(client_for, annotator, article, settings):
    """After a key rotation the old key is a fallback: the full path accepts and renews it."""
    old_key = settings.SECRET_KEY
    client = client_for(annotator)  # the session hash is made with the old key
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]

    seen = {"v": article.annotations_version}
    assert client.get(poll_url(article), seen).status_code == 204
    assert client.get(poll_url(article), seen).status_code == 204


def test_the_unchanged_poll_still_costs_one_query(
    client_for, annotator, article, django_assert_num_queries
):
    client = client_for(annotator)
    client.get(page_url(article))
    with django_assert_num_queries(1) as queries:
        response = client.get(poll_url(article), {"v": article.annotations_version})
    assert response.status_code == 204
    sql = queries.captured_queries[0]["sql"]
    assert "annotations_version" in sql and "password" in sql
