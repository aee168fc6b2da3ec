"""Throwaway databases for the benchmarks: which ones to run on, and Django set up on one.

Every benchmark runs on SQLite and, when a PostgreSQL server is at hand, on PostgreSQL (the
production database, where the issue's targets are set): BENCH_DATABASE_URL=postgres://…
names the server, otherwise one answering on 127.0.0.1:5432 is used;
BENCH_DATABASE_URL=sqlite runs SQLite only. The database named in the url is never
touched: each run creates its own scratch database beside it and drops it afterwards.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str | None:
    """The PostgreSQL server to benchmark on, or None (SQLite only)."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    if url:
        return None
    import psycopg

    try:
        psycopg.connect(LOCAL_POSTGRES, connect_timeout=2).close()
    except psycopg.OperationalError:
        return None
    return LOCAL_POSTGRES


def vendors() -> list[str]:
    """PostgreSQL first when it is there (the target), then SQLite."""
    return (["postgresql"] if postgres_url() else []) + ["sqlite"]


def run_per_vendor(script: str, arguments: list[str]) -> int:
    """Run `script` once per database, each in its own process (Django is set up once per
    process); the first failure stops the run."""
    for vendor in vendors():
        command = [sys.executable, script, "--database", vendor, *arguments]
        status = subprocess.run(command, check=False).returncode
        if status:
            return status
    return 0


@contextmanager
def scratch_database(vendor: str, purpose: str) -> Iterator[str]:
    """The url of an empty database for one run, dropped (or deleted) afterwards."""
    if vendor == "sqlite":
        directory = tempfile.mkdtemp(prefix=f"workbench-bench-{purpose}-")
        try:
            yield f"sqlite:///{directory}/bench.sqlite3"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return

    import psycopg

    parts = urlsplit(postgres_url() or LOCAL_POSTGRES)
    name = f"workbench_bench_{purpose}_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def configure_django(database_url: str) -> None:
    os.environ["WORKBENCH_DEBUG"] = "1"
    os.environ["WORKBENCH_ENV_FILE"] = ""  # this tree's .env must not change the figures
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    import warnings

    import django
    from django.conf import settings

    # Static files are served from the source folders; STATIC_ROOT needs collectstatic.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    # With DEBUG on, Django keeps the SQL of every query, rendering each bulk INSERT with
    # all its parameters: that would slow the seeding and count as measured memory.
    settings.DEBUG = False
