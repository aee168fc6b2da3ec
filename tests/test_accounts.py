"""Login, logout and login throttling."""

import uuid

import pytest
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from annotations.views.accounts import (
    client_address,
    failure_counters,
    login_failure_count,
    login_refused_for,
)

from .factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_login_page_is_public(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.text


def test_login_with_the_right_password_opens_the_article_list(client, annotator):
    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("article_list")


def test_login_with_a_wrong_password_shows_an_error(client, annotator):
    response = client.post(reverse("login"), {"username": "anna", "password": "nope"})

    assert response.status_code == 200
    assert "enter a correct username and password" in response.text


def test_login_is_throttled_after_repeated_failures(client, settings, annotator):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "anna", "password": "nope"})

    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_a_successful_login_clears_earlier_failures(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(username="bea")
    for _ in range(2):
        client.post(reverse("login"), {"username": "bea", "password": "nope"})
    client.post(reverse("login"), {"username": "bea", "password": PASSWORD})
    client.logout()

    for _ in range(2):
        client.post(reverse("login"), {"username": "bea", "password": "nope"})
    response = client.post(reverse("login"), {"username": "bea", "password": PASSWORD})

    assert response.status_code == 302


def test_logout_needs_post(client_for, annotator):
    client = client_for(annotator)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_every_page_sends_a_content_security_policy(client):
    response = client.get(reverse("login"))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


def test_the_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


# ---- throttling: per username and address, and per address ----


def log_in(client, username, password, address="127.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_owner_logs_in_from_their_address_while_someone_else_guesses(
    client, settings, annotator
):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(10):
        log_in(client, "anna", "guess", address="203.0.113.9")

    assert log_in(client, "anna", PASSWORD, address="203.0.113.9").status_code == 429
    response = log_in(client, "anna", PASSWORD, address="198.51.100.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(annotator.pk)


def test_one_address_trying_many_usernames_is_refused_by_the_longer_address_limit(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    UserFactory(username="bea")
    for name in ("ann", "bob", "cid", "dan"):
        log_in(client, name, "guess", address="203.0.113.9")

    refused = log_in(client, "bea", PASSWORD, address="203.0.113.9")
    assert refused.status_code == 429
    assert "Try again in 60 minutes" in refused.text
    assert log_in(client, "bea", PASSWORD, address="198.51.100.7").status_code == 302


def test_logging_in_does_not_reset_the_addresss_count(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    UserFactory(username="bea")
    for name in ("ann", "bob"):
        log_in(client, name, "guess")
    assert log_in(client, "bea", PASSWORD).status_code == 302
    client.logout()

    log_in(client, "cid", "guess")
    assert log_in(client, "bea", PASSWORD).status_code == 429


def test_a_username_is_counted_as_typed_whatever_its_case_and_spaces(settings):
    same = failure_counters("Anna ", "203.0.113.9")[0].key
    assert same == failure_counters("anna", "203.0.113.9")[0].key
    assert same != failure_counters("anna", "198.51.100.7")[0].key


def test_the_address_counter_is_shared_by_every_username():
    assert failure_counters("anna", "::1")[1] == failure_counters("bob", "::1")[1]
    assert failure_counters("anna", "::1")[1].key == "login-failures:address:::1"


def test_a_posted_username_never_makes_a_long_or_spaced_cache_key():
    key = failure_counters("x y\n\x00" * 200, "203.0.113.9")[0].key
    assert len(key) < 80 and key.isprintable() and " " not in key


@pytest.mark.parametrize(
    "proxies, forwarded, address",
    [
        (0, "198.51.100.7", "10.0.0.1"),  # no proxy: the header is the client's to forge
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the forged left part is ignored
        (2, "198.51.100.7, 10.0.0.5", "198.51.100.7"),
        (1, "not-an-address", "unknown"),
        (1, "", "unknown"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    rf, settings, proxies, forwarded, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.post("/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == address


def test_two_workers_share_the_failure_count_through_redis(settings):
    """Two cache clients stand for two worker processes: what one counts, the other sees."""
    prefix = f"workbench-test-{uuid.uuid4().hex}"
    workers = [RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": prefix}) for _ in range(2)]
    settings.LOGIN_FAILURE_LIMIT = 3
    try:
        for attempt in range(3):
            login_failure_count("anna", "203.0.113.9", cache=workers[attempt % 2])
        assert login_refused_for("anna", "203.0.113.9", cache=workers[0]) is not None
        assert login_refused_for("anna", "203.0.113.9", cache=workers[1]) is not None
        assert login_refused_for("anna", "198.51.100.7", cache=workers[1]) is None
    finally:
        workers[0].delete_many([c.key for c in failure_counters("anna", "203.0.113.9")])
