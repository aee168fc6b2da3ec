"""Shared fixtures: personas for each role, settings for tests, and Playwright on Chromium."""

import itertools
import os
import threading
import time

import pytest
from django.conf import settings as django_settings

from annotations.policy import Role

from .factories import ArticleFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (row locks) or `sqlite` (its storage) run only on that database.

    They are deselected, not skipped: CI runs the suite on SQLite and again on PostgreSQL,
    so each runs in one of the two.
    """
    from django.db import connection

    other = "sqlite" if connection.vendor == "postgresql" else "postgres"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


# Each test's cache has a name of its own. LocMemCache keeps its entries per name for the
# life of the process, and the ids of objects (what named it before) are reused: a test
# then read a cached count left by an earlier one for a user with the same primary key.
_CACHE_NAMES = itertools.count()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    """Fast hashing, a fresh cache and an empty job storage for each test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{os.getpid()}-{next(_CACHE_NAMES)}",
        }
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "jobs": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path_factory.mktemp("job-files"), "base_url": None},
        },
    }


@pytest.fixture
def run_worker(transactional_db):
    """run_worker() runs the real worker loop of `manage.py db_worker` until no task is
    ready, in a thread of its own with its own database connection: jobs are taken from
    the queue table, run and recorded exactly as in production, and the test sees only
    what they committed. (The SQLite test database lives in memory, shared by the
    threads of this process, so a thread can reach it where another process could not.)

    Tests using it need committed data (`transactional_db`), which this fixture asks for.
    """
    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    def run(worker_id: str = "test-worker") -> None:
        failures = []

        def loop():
            try:
                Worker(
                    queue_names=["default"],
                    interval=0,
                    batch=True,
                    backend_name="default",
                    startup_delay=False,
                    max_tasks=None,
                    worker_id=worker_id,
                    excluded_queue_names=[],
                ).run()
            except BaseException as error:  # reported in the test's thread below
                failures.append(error)
            finally:
                connections.close_all()

        thread = threading.Thread(target=loop, name=worker_id)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the worker did not finish within 60 s"
        if failures:
            raise failures[0]

    return run


@pytest.fixture
def annotator(db):
    return UserFactory(username="anna", role=Role.ANNOTATOR)


@pytest.fixture
def other_annotator(db):
    return UserFactory(username="otto", role=Role.ANNOTATOR)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="rita", role=Role.REVIEWER)


@pytest.fixture
def other_reviewer(db):
    return UserFactory(username="rolf", role=Role.REVIEWER)


@pytest.fixture
def editor(db):
    return UserFactory(username="edith", role=Role.EDITOR)


@pytest.fixture
def researcher(db):
    return UserFactory(username="ruth", role=Role.RESEARCHER)


@pytest.fixture
def outsider(db):
    """Logged in, but in no role at all."""
    return UserFactory(username="olga")


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def client_for(client):
    """client_for(user) -> the test client logged in as that user."""

    def log_in(user):
        client.force_login(user)
        return client

    return log_in


# ---- Browser tests (Playwright driving Debian's Chromium) ----


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }


@pytest.fixture(scope="session")
def playwright(playwright):
    # Playwright's sync API keeps an asyncio loop running in the main thread; Django's ORM
    # (factories, live_server's flush) refuses to run then unless this is set.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield playwright
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# One lock between the live server's requests and the test's own database work.
#
# On the in-memory SQLite test database the live server's request threads use the test
# thread's connection (pytest-django passes it to them): a statement the test runs while
# a request is in a transaction becomes part of that transaction, or fails with "database
# table is locked". Pages start requests by themselves (the live update every 3 s, htmx
# `load` triggers), so a test cannot know when the server is idle. The server therefore
# answers one request at a time under this lock, and a browser test holds it whenever it
# is not waiting on Playwright: the test's factories, workflow calls and assertions on the
# database never meet a request half done, and every request the page makes is answered
# while the test waits for the browser.
DATABASE_TURN = threading.Lock()


class _OneRequestAtATime:
    """The live server's WSGI application, answering under DATABASE_TURN. The body is read
    out under the lock too: a streamed response reads the database while it is sent."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        with DATABASE_TURN:
            result = self.application(environ, start_response)
            try:
                body = list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return body


class _TestThreadTurn:
    """Holds DATABASE_TURN for the test thread except while a Playwright call waits."""

    def __init__(self):
        self.held = False
        self.owner = None

    def take(self):
        DATABASE_TURN.acquire()
        self.held, self.owner = True, threading.current_thread()

    def give_back(self):
        if self.held:
            self.held = False
            DATABASE_TURN.release()

    def around(self, call):
        turn = self

        def released_while_waiting(sync_base, *args, **kwargs):
            if not (turn.held and threading.current_thread() is turn.owner):
                return call(sync_base, *args, **kwargs)
            turn.give_back()
            try:
                return call(sync_base, *args, **kwargs)
            finally:
                turn.take()

        return released_while_waiting


_TEST_THREAD_TURN = _TestThreadTurn()


@pytest.fixture(scope="session")
def _serialised_live_server(live_server):
    """The session's live server, answering one request at a time under DATABASE_TURN,
    and Playwright's sync calls giving the turn back while they wait. So does the wait at
    the end of an event's `with` block (page.expect_response() and the like), which is not
    a call: holding the turn there, the test kept the server from sending the very answer
    it waited for whenever the request reached the server after the block's last call."""
    from playwright._impl._sync_base import EventInfo, SyncBase

    server = live_server.thread.httpd
    server.set_app(_OneRequestAtATime(server.get_app()))
    original_sync = SyncBase._sync
    original_event_value = EventInfo.value
    SyncBase._sync = _TEST_THREAD_TURN.around(original_sync)
    EventInfo.value = property(_TEST_THREAD_TURN.around(original_event_value.fget))
    yield live_server
    SyncBase._sync = original_sync
    EventInfo.value = original_event_value


@pytest.fixture
def logged_in_page(_serialised_live_server, browser):
    """logged_in_page(user) -> a new Playwright page whose session is that user's.

    The session cookie is made on the server side (force_login), so browser tests spend
    their time on the screen under test, not on the login form (tested on its own). The
    test holds the database turn (DATABASE_TURN above) from here to its end.
    """
    from django.test import Client

    live_server = _serialised_live_server
    contexts = []

    def open_as(user, viewport=None):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or {"width": 1400, "height": 900}
        )
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    _TEST_THREAD_TURN.take()
    try:
        yield open_as
    finally:
        _TEST_THREAD_TURN.give_back()
        for context in contexts:
            context.close()
        _wait_for_live_server_requests()


def _wait_for_live_server_requests(timeout: float = 15.0) -> None:
    """Let the live server finish what the closed pages asked of it before the test's data
    is flushed. Requests a page starts by itself (htmx `load` triggers, the live update)
    can still be waiting for their turn or running when the test ends; one that holds a
    transaction on the shared in-memory SQLite database makes the next test's flush fail
    with "table is locked". Closing the browser contexts ends their keep-alive
    connections, so each request thread of Django's live server ends once its request is
    answered."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def api_as(db):
    """api_as(user, scopes=None) -> an API client sending a new token of that user's."""
    from .api_client import ApiClient

    return ApiClient
