"""Load benchmark: span creates against a real server, as the annotate screen sends them.

    .venv/bin/python bench/bench_load.py [--clients 8,32] [--seconds 8] [--workers 2] [--threads 8]

`make bench` runs it with the defaults. It needs PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/postgres): it creates a throwaway database on that server
and drops it afterwards. It migrates it, seeds annotators, their sessions and articles, and
starts gunicorn (gthread workers, production settings over plain HTTP, CONN_MAX_AGE 60 and
prepared statements, sessions cached in Redis when one listens on 127.0.0.1:6379, else in
each worker's memory) on a free loopback port. Everything is stopped and removed within 60
seconds, whatever happens: a deadline ends the run.

Then, for each number of concurrent clients, each on an article of its own, every client
opens the article page (its session cookie, the CSRF token the page gives htmx, the version
its screen shows) and creates spans one per request, as htmx posts them (form fields, the
X-CSRFToken, HX-Request and X-Annotations-Shown headers, keep-alive), taking the version
each answer brings. After a warm-up second it counts, for `--seconds`: spans acknowledged
per second, latency p50/p95/p99, errors (anything but 200), and checks that the rows
written are exactly the spans acknowledged. Last, the size of a create's answer at 10 and
1,000 spans on the article, and of the live update a colleague's screen gets after one
change at 1,000 spans.

The client is threads with http.client: a blocking request releases the GIL, and the
client's own work per request (a form body, a regex over the answer) is a few hundred
microseconds, small beside the server's. It runs on the same two cores as the server and
PostgreSQL, as the targets say. Figures are reported, never asserted; the machine is
shared, so compare medians of several runs.
"""

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIME_LIMIT = 60.0  # seconds, everything included
WARM_UP = 1.0
SESSION_CACHE_DB = "redis://127.0.0.1:6379/14"

# Paragraphs like a news report's: numbers, quotations and claims to mark, emoji and CJK.
PARAGRAPH = (
    "Report {n}: the ministry said 🚢 exports rose {n} percent to US$5{n}.4 billion in May, "
    "while imports from 北京 fell by nearly {m} percent. “We expect the surplus to widen "
    "again,” the trade minister told reporters on Tuesday, adding that more than {k} "
    "projects were under way."
)
KINDS = ("claim", "number", "quotation")
_VERSION = re.compile(rb'<div id="live"[^>]*data-version="(\d+)"')
_CSRF = re.compile(rb'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')
_OPENED = re.compile(rb'<section id="panel"[^>]*data-open="(\d+)"')


def article_body(paragraphs: int) -> str:
    return "\n\n".join(
        PARAGRAPH.format(n=n, m=n % 40 + 2, k=n * 10 + 3) for n in range(1, paragraphs + 1)
    )


def candidate_spans(body: str) -> list[tuple[str, int, int]]:
    """Word-aligned spans a person would mark: numbers, the quotation, clauses, in text
    order, as (kind, start, end)."""
    spans = []
    for pattern, kind in (
        (r"US\$\d+\.\d+ billion|\d+ percent|more than \d+ projects", "number"),
        (r"“[^”]+”", "quotation"),
        (r"the ministry said[^,]+|imports from \S+ fell by nearly \d+ percent", "claim"),
        (r"the trade minister told reporters on Tuesday", "claim"),
    ):
        spans += [(kind, match.start(), match.end()) for match in re.finditer(pattern, body)]
    return sorted(spans, key=lambda span: span[1])


def configure_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def scratch_database(url: str):
    """A new database on the server of `url` (name, url) and a function that drops it."""
    import psycopg

    parts = urlsplit(url)
    name = f"workbench_load_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_listens() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def seed(annotators: int, articles: int):
    """`annotators` annotators with a session each, and `articles` empty articles."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.cached_db import SessionStore

    from annotations.models import Article

    group = Group.objects.get(name="annotator")
    users, cookies = [], []
    for number in range(annotators):
        user = get_user_model().objects.create_user(f"load{number}", password=None)
        user.groups.add(group)
        # A session as auth.login makes it: no password hashing in the measured run.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        users.append(user)
        cookies.append(session.session_key)
    body = article_body(40)
    created = [
        Article.objects.create(title=f"Load article {number}", body=f"{body}\n\nArticle {number}.")
        for number in range(articles)
    ]
    return users, cookies, created


class Screen:
    """One annotator's annotate screen on one article, over one keep-alive connection."""

    def __init__(self, port: int, session: str, article, spans):
        self.port = port
        self.article = article
        self.spans = spans
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {"sessionid": session}
        page = self.request("GET", f"/articles/{article.pk}/")
        if page[0] != 200:
            raise RuntimeError(f"the article page answered {page[0]}")
        self.csrf = _CSRF.search(page[1])[1].decode()
        self.version = int(_VERSION.search(page[1])[1])
        self.next_span = 0

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = {
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
            **(headers or {}),
        }
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content

    def create(self, kind: str, start: int, end: int):
        """Post one span as htmx does; (status, answer)."""
        body = self.article.body
        form = urlencode({"kind": kind, "start": start, "end": end, "exact": body[start:end],
                          "csrfmiddlewaretoken": self.csrf})  # fmt: skip
        status, content = self.request(
            "POST",
            f"/articles/{self.article.pk}/annotate/new/",
            form.encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
                "HX-Target": "create-box",
                "HX-Current-URL": f"http://127.0.0.1:{self.port}/articles/{self.article.pk}/",
                "X-CSRFToken": self.csrf,
                "X-Annotations-Shown": str(self.version),
                "Origin": f"http://127.0.0.1:{self.port}",
            },
        )
        if status == 200 and (found := _VERSION.search(content)):
            self.version = int(found[1])
        return status, content

    def create_next(self):
        """The next span of the list; past its end, the same words again as the next kind
        (the same span twice as the same kind is a duplicate, answered 409). A client the
        server happens to favour can get through the list in a few seconds."""
        turn, index = divmod(self.next_span, len(self.spans))
        kind, start, end = self.spans[index]
        kind = KINDS[(KINDS.index(kind) + turn) % len(KINDS)]
        self.next_span += 1
        return self.create(kind, start, end)


class Phase:
    """`clients` screens creating spans at once; what each request took and answered."""

    def __init__(self, screens, seconds: float):
        self.screens = screens
        self.seconds = seconds
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.acknowledged: list[int] = []  # ids of the spans answered 200, warm-up included
        self.failures: list[str] = []
        self.per_client = {id(screen): 0 for screen in screens}  # spans answered 200, measured
        self.lock = threading.Lock()

    def run(self) -> None:
        start = time.monotonic() + 0.2
        self.measured_from = start + WARM_UP
        self.until = self.measured_from + self.seconds
        threads = [threading.Thread(target=self.work, args=(screen, start), daemon=True)
                   for screen in self.screens]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def work(self, screen: Screen, start: float) -> None:
        time.sleep(max(0.0, start - time.monotonic()))
        while (now := time.monotonic()) < self.until:
            try:
                status, content = screen.create_next()
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.failures.append(repr(error))
                screen.connection.close()
                continue
            took = time.monotonic() - now
            with self.lock:
                if status == 200 and (opened := _OPENED.search(content)):
                    self.acknowledged.append(int(opened[1]))
                if now >= self.measured_from:
                    self.latencies.append(took * 1000)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    self.per_client[id(screen)] += status == 200

    def report(self, label: str, written: set[int]) -> None:
        """Throughput, latencies, errors, and whether the rows in the database are exactly
        the spans the server acknowledged (the same ids)."""
        ok = self.statuses.get(200, 0)
        errors = sum(count for status, count in self.statuses.items() if status != 200)
        errors += len(self.failures)
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0] * 99
        print(
            f"{label:<22} {ok / self.seconds:6.1f} spans/s · p50 {cuts[49]:5.0f} ms · "
            f"p95 {cuts[94]:5.0f} ms · p99 {cuts[98]:5.0f} ms · errors {errors}"
            f"{' ' + str(sorted(self.statuses.items())) if errors else ''} · rows written "
            f"{len(written)} {'==' if written == set(self.acknowledged) else '!='} acknowledged "
            f"{len(self.acknowledged)}"
        )
        # A client's keep-alive connection stays with the worker process that accepted it
        # until that process lets it go (workbench/worker_balance.py): were the processes
        # to hold unequal numbers of clients, this would show it (and the p95).
        served = sorted(self.per_client.values())
        print(f"{'':<22} spans per client: fewest {served[0]}, median "
              f"{statistics.median(served):.0f}, most {served[-1]}")  # fmt: skip
        if self.failures:
            print(f"{'':<22} failures: {len(self.failures)}, first: {self.failures[0]}")


def start_server(app_root: Path, env: dict, port: int, workers: int, threads: int):
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "workbench.wsgi",
         "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
         "--workers", str(workers), "--threads", str(threads),
         "--timeout", "30", "--keep-alive", "30", "--log-level", "warning"],
        cwd=app_root, env={**os.environ, **env}, start_new_session=True,
        # gunicorn.conf.py writes the access log to stdout, as in production: it is kept
        # (its cost is part of a request's) but not printed among the figures.
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start within 15 s")


def stop_server(server) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def cpu_seconds(pids) -> float:
    """User and system CPU time the processes `pids` have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def server_processes(server) -> list[int]:
    """The gunicorn master and its workers."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == server.pid:
            children.append(int(stat.parent.name))
    return [server.pid, *children]


def database_processes() -> list[int]:
    """The PostgreSQL backends serving the scratch database (the workers' connections)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


class CpuMeter:
    """CPU time used by the server, its database backends and this client during a phase:
    a figure the other loads on a shared machine disturb far less than throughput."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.pids = server_processes(self.server)
        self.database = database_processes()
        self.started = (cpu_seconds(self.pids), cpu_seconds(self.database), time.process_time())
        return self

    def __exit__(self, *exc_info):
        database = set(self.database) | set(database_processes())
        self.used = (
            cpu_seconds(self.pids) - self.started[0],
            cpu_seconds(database) - self.started[1],
            time.process_time() - self.started[2],
        )

    def report(self, requests: int) -> str:
        if not requests:
            return ""
        server, database, client = (1000 * used / requests for used in self.used)
        return (
            f"CPU per span: server {server:.1f} ms, PostgreSQL {database:.1f} ms, "
            f"client {client:.1f} ms"
        )


def response_sizes(port: int, cookies: list[str], users, paragraphs: int) -> None:
    """A create's answer at 10 and 1,000 spans, and a colleague's live update after it."""
    from annotations.models import Article
    from tests.factories import overlapping_annotations

    for count in (10, 1000):
        body = f"{article_body(paragraphs)}\n\nAn article with {count} spans."
        article = Article.objects.create(title=f"{count} spans", body=body)
        overlapping_annotations(article, users[:3], count, seed=count, longest=150)
        mine = Screen(port, cookies[0], article, [])
        theirs = Screen(port, cookies[1], article, [])
        page = len(theirs.request("GET", f"/articles/{article.pk}/")[1])
        start = body.index("US$5")
        status, answer = mine.create("number", start, body.index(" billion", start) + 8)
        poll = f"/articles/{article.pk}/annotate/poll/?v={theirs.version}"
        update_status, update = theirs.request("GET", poll, headers={"HX-Request": "true"})
        print(
            f"{count:>5} spans ({len(body)} characters): create answers {len(answer) / 1024:5.1f} "
            f"KiB (status {status}) · a colleague's live update {len(update) / 1024:5.1f} KiB "
            f"(status {update_status}) · the whole page {page / 1024:6.1f} KiB"
        )


def main() -> int:
    started = time.monotonic()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--app-root", type=Path, default=ROOT,
                        help="serve this checkout (an older commit: before and after)")  # fmt: skip
    options = parser.parse_args()
    sys.path.insert(0, str(options.app_root.resolve()))  # its migrations, models, factories
    levels = [int(count) for count in options.clients.split(",")]
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

    # The run is bounded: past the limit SIGALRM stops it, and the cleanup below runs.
    def out_of_time(*_):
        raise TimeoutError

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(int(TIME_LIMIT - 8))  # room left for the cleanup
    try:
        database, drop = scratch_database(url)
    except Exception as error:  # noqa: BLE001 - any reason PostgreSQL is not there
        print(f"Load benchmark skipped: no PostgreSQL at {url} ({error.__class__.__name__}).")
        return 0
    cache = SESSION_CACHE_DB if redis_listens() else "locmem://"
    env = {
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "WORKBENCH_ENV_FILE": "",
        "WORKBENCH_DEBUG": "0",
        "WORKBENCH_PLAIN_STATIC": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database,
        "CONN_MAX_AGE": "60",
        "CACHE_URL": cache,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "ERROR",
    }
    server = None
    sessions: list[str] = []
    try:
        configure_django(env)
        from django.core.management import call_command

        from annotations.models import Annotation

        call_command("migrate", verbosity=0)
        migrated = time.monotonic()
        users, sessions, articles = seed(max(levels), sum(levels))
        port = free_port()
        server = start_server(options.app_root, env, port, options.workers, options.threads)
        print(
            f"Load: gunicorn gthread {options.workers} workers × {options.threads} threads, "
            f"PostgreSQL, CONN_MAX_AGE 60, prepared statements, sessions cached in "
            f"{'Redis' if cache != 'locmem://' else 'each worker'}; clients: threads with "
            f"http.client on the same {os.cpu_count()} cores; one article per client "
            f"({len(articles[0].body)} characters); {options.seconds:.0f} s measured after "
            f"{WARM_UP:.0f} s of warm-up. Set up in {time.monotonic() - started:.0f} s "
            f"(migrations {migrated - started:.0f} s); load average {os.getloadavg()[0]:.1f}."
        )
        spans = candidate_spans(articles[0].body)
        offset = 0
        for count in levels:
            mine = articles[offset : offset + count]
            offset += count
            screens = [Screen(port, sessions[index], article, spans)
                       for index, article in enumerate(mine)]  # fmt: skip
            phase = Phase(screens, options.seconds)
            with CpuMeter(server) as cpu:
                phase.run()
            written = Annotation.objects.filter(article__in=mine).values_list("pk", flat=True)
            phase.report(f"creates, {count} clients", set(written))
            print(f"{'':<22} {cpu.report(len(phase.acknowledged))}")
            for screen in screens:
                screen.connection.close()
        response_sizes(port, sessions, users, 100)
    except TimeoutError:
        print(
            f"Stopped at the {TIME_LIMIT:.0f} s limit (the machine is busy: try fewer --seconds)."
        )
    finally:
        signal.alarm(0)
        stop_server(server)
        drop()
        if sessions and cache != "locmem://":
            _forget_sessions(sessions)
        print(f"(load benchmark done in {time.monotonic() - started:.0f} s)")
    return 0


def _forget_sessions(sessions: list[str]) -> None:
    """The sessions this run put in the shared Redis: nothing is left behind."""
    from django.core.cache import cache

    cache.delete_many([f"django.contrib.sessions.cached_db{key}" for key in sessions])


if __name__ == "__main__":
    sys.exit(main())
