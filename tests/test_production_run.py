"""The production shape, run for real: production settings (not DEBUG) under gunicorn with
the repository's gunicorn.conf.py on a free loopback port, whitenoise's manifest static
files, Redis as the cache, and the job worker (`manage.py db_worker`) in a process of its
own, on the test database (PostgreSQL in CI's second run; on SQLite, a file copy of it,
since the in-memory test database cannot be shared with other processes).

One scenario, as a person behind the HTTPS proxy would go through it: the probes answer,
the login page is served with its static files, and an import sent to the web process is
run by the worker process.
"""

import http.client
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from annotations.policy import Role

from .factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple 42"
# Bounds for the processes to come up and for the job to be done: never reached when
# things work (they take about a second), they only keep a broken run from hanging.
START_SECONDS = 30
JOB_SECONDS = 30


def database_url(tmp_path: Path) -> str:
    """A URL of the test database that other processes can open."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
    path = tmp_path / "workbench.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    return f"sqlite:///{path}"


def production_env(tmp_path: Path, db_url: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WORKBENCH_", "SECURE_", "DJANGO_"))
        and key not in ("SECRET_KEY", "DATABASE_URL", "CACHE_URL", "PSEUDONYM_KEY")
    }
    env.update(
        {
            "WORKBENCH_ENV_FILE": "",  # production reads no .env: everything is set here
            "SECRET_KEY": "prod-test-" + uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
            "DATABASE_URL": db_url,
            # Redis, as in production; a database of its own, away from other test runs.
            "CACHE_URL": "redis://127.0.0.1:6379/3",
            "STATIC_ROOT": str(tmp_path / "static"),
            "JOB_FILES_DIR": str(tmp_path / "job-files"),
            # Every upload goes to the worker, to see the two processes work together.
            "IMPORT_BACKGROUND_BYTES": "0",
        }
    )
    return env


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped whole below
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def wait_for_port(process: subprocess.Popen, log: Path) -> int:
    """The port gunicorn bound (asked for port 0: the system picks a free one)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            return int(found[1])
        assert process.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start:\n" + log.read_text())


class Browser:
    """Just enough of a browser behind the TLS-terminating proxy: the proxy's header on
    every request, cookies kept by hand (they are Secure, so http.cookiejar would not send
    them over the plain HTTP between proxy and app server)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None, behind_proxy=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if behind_proxy:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response, content

    def origin_headers(self, path):
        origin = f"https://127.0.0.1:{self.port}"
        return {"Origin": origin, "Referer": origin + path}


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    body = "".join(parts).encode()
    for name, (filename, data) in files.items():
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def csrf_token(html: bytes) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1].decode()


def test_gunicorn_and_the_worker_serve_workbench_with_production_settings(tmp_path, settings):
    # The password must be hashed as production checks it (the test run uses fast MD5).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    editor = UserFactory(username="edith", role=Role.EDITOR)
    editor.password = make_password(PASSWORD)
    editor.save()
    env = production_env(tmp_path, database_url(tmp_path))
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr

    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web = start(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        + ["--bind", "127.0.0.1:0", "--workers", "2", "--threads", "2"],
        env,
        web_log,
    )
    worker = start(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--interval",
            "0.2",
            "--no-startup-delay",
        ],
        env,
        worker_log,
    )
    try:
        port = wait_for_port(web, web_log)
        assert "Using worker: gthread" in web_log.read_text()
        browser = Browser(port)

        # The probes answer over plain HTTP, straight from the load balancer.
        response, content = browser.request("GET", "/healthz", behind_proxy=False)
        assert (response.status, json.loads(content)) == (200, {"status": "ok"})
        response, content = browser.request("GET", "/readyz", behind_proxy=False)
        assert response.status == 200 and json.loads(content)["status"] == "ready"
        assert "no-store" in response.headers["Cache-Control"]

        # Pages need HTTPS: without the proxy's header, a redirect; with it, the page.
        response, _ = browser.request("GET", "/login/", behind_proxy=False)
        assert response.status == 301
        assert response.headers["Location"] == f"https://127.0.0.1:{port}/login/"
        response, login_page = browser.request("GET", "/login/")
        assert response.status == 200 and b'name="password"' in login_page
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
        # Static files under their hashed names, served by whitenoise.
        stylesheet = re.search(rb'href="(/static/css/workbench\.[0-9a-f]{12}\.css)"', login_page)
        assert stylesheet, login_page.decode()
        response, _ = browser.request("GET", stylesheet[1].decode())
        assert response.status == 200 and "immutable" in response.headers["Cache-Control"]

        # Log in (CSRF from the form and the cookie, the Origin the proxy passes on).
        form = f"username=edith&password={PASSWORD.replace(' ', '+')}"
        form += f"&csrfmiddlewaretoken={csrf_token(login_page)}"
        response, _ = browser.request(
            "POST",
            "/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                **browser.origin_headers("/login/"),
            },
        )
        assert response.status == 302, worker_log.read_text()
        assert "Secure" in str(response.headers.get_all("Set-Cookie"))

        # An import posted to the web process is run by the worker process.
        response, import_page = browser.request("GET", "/import/")
        assert response.status == 200
        body, content_type = multipart(
            {"csrfmiddlewaretoken": csrf_token(import_page)},
            {"files": ("news.jsonl", b'{"title": "Served", "body": "By gunicorn."}\n')},
        )
        response, _ = browser.request(
            "POST",
            "/import/",
            body=body,
            headers={"Content-Type": content_type, **browser.origin_headers("/import/")},
        )
        assert response.status == 302, web_log.read_text()
        job_path = response.headers["Location"]
        deadline = time.monotonic() + JOB_SECONDS
        while b"Imported 1, skipped 0 duplicates." not in (
            page := browser.request("GET", job_path)[1]
        ):
            assert time.monotonic() < deadline, page.decode() + worker_log.read_text()
            time.sleep(0.2)
        assert b'data-job-status="succeeded"' in page and b">Served</a>" in page
        assert "annotations.tasks.import_articles state=SUCCESSFUL" in worker_log.read_text()
    finally:
        stop(web)
        stop(worker)


def test_a_gunicorn_worker_freezes_what_it_loaded_before_it_serves():
    """gunicorn.conf.py's post_worker_init: the objects loaded at start-up are out of the
    garbage collector's walks (gc.freeze), so a full collection no longer pauses a request
    for them."""
    import gc
    import runpy

    config = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        worker = SimpleNamespace(pid=os.getpid(), log=logging.getLogger("gunicorn.error"))
        config["post_worker_init"](worker)
        assert gc.get_freeze_count() > 10_000  # Django, the apps, pytest: all loaded here
    finally:
        gc.unfreeze()


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's worker processes (Linux /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def connections_held(pid: int, port: int) -> int:
    """Established TCP connections to `port` that process `pid` holds (Linux /proc)."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            sockets.add(target[8:-1])
    held = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01" and fields[9] in sockets:
            held += 1
    return held


def test_gunicorn_spreads_kept_alive_connections_over_its_processes(tmp_path):
    """gunicorn.conf.py with workbench/worker_balance.py: connections all opened on one
    process (the other one stopped meanwhile, the worst case of the accept race) end up
    spread over both as the clients go on, each getting complete answers throughout."""
    from workbench.worker_balance import MARGIN

    env = production_env(tmp_path, database_url(tmp_path))
    log = tmp_path / "web.log"
    web = start(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        + ["--bind", "127.0.0.1:0", "--workers", "2", "--threads", "2", "--keep-alive", "30"],
        env,
        log,
    )
    clients = []
    try:
        port = wait_for_port(web, log)
        deadline = time.monotonic() + START_SECONDS
        while log.read_text().count("Worker ready to serve") < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        first, second = worker_pids(web.pid)
        os.kill(second, signal.SIGSTOP)
        try:
            for _ in range(10):
                client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                client.request("GET", "/healthz")
                assert client.getresponse().read() == b'{"status": "ok"}'
                clients.append(client)
        finally:
            os.kill(second, signal.SIGCONT)
        # Rounds of requests, each client reconnecting when told to, until a whole round
        # goes by with no connection let go.
        deadline = time.monotonic() + START_SECONDS
        rounds = 0
        while True:
            rounds += 1
            closed = 0
            for client in clients:
                client.request("GET", "/healthz")
                response = client.getresponse()
                assert response.status == 200 and response.read() == b'{"status": "ok"}'
                closed += response.getheader("Connection") == "close"
            if not closed:
                break
            assert time.monotonic() < deadline, f"still letting connections go ({rounds} rounds)"
        held = [connections_held(pid, port) for pid in (first, second)]
        assert sum(held) == 10 and abs(held[0] - held[1]) <= MARGIN + 1, (held, rounds)
    finally:
        for client in clients:
            client.close()
        stop(web)
