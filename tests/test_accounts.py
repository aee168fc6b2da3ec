"""Login, logout and login throttling."""

import pytest
from django.urls import reverse

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
