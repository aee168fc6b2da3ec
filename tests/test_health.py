"""Liveness and readiness probes: no login, never cached, cheap, and honest about the database."""

from datetime import timedelta

import pytest
from django.db import OperationalError, ProgrammingError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from annotations import jobs, tasks
from annotations.views import site


def test_healthz_answers_without_login_or_the_database(client):
    # No django_db mark: any database access here would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database_and_the_queue_in_two_queries(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "queue": {"waiting": 0, "oldest_waiting_seconds": 0},
    }
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_the_backlog_of_the_queue(client, editor):
    tasks.export_file.enqueue(1)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))

    queue = client.get("/readyz").json()["queue"]

    assert queue["waiting"] == 1
    assert 299 <= queue["oldest_waiting_seconds"] <= 301


@pytest.mark.django_db
def test_readyz_is_503_with_the_reason_when_the_database_does_not_answer(client, monkeypatch):
    class DeadCursor:
        def __enter__(self):
            raise OperationalError("connection refused at db.internal:5432")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(site.connection, "cursor", DeadCursor)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": "The database does not answer (OperationalError).",
    }


@pytest.mark.django_db
def test_readyz_is_503_when_the_queue_table_is_missing(client, monkeypatch):
    def no_table(now=None):
        raise ProgrammingError('relation "django_tasks_db_dbtaskresult" does not exist')

    monkeypatch.setattr(jobs, "queue_state", no_table)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["reason"] == "The job queue is not reachable (ProgrammingError)."


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_accept_only_get(client, path):
    assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_probes_over_plain_http_are_not_redirected_to_https(client, settings):
    """A load balancer probes the app server directly, over HTTP; pages still redirect."""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/login/").status_code == 301
