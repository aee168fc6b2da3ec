"""Benchmark of the API's bulk create and of its list endpoints: time and queries per request.

    .venv/bin/python bench/bench_api.py [--spans 1000] [--runs 7]

`make bench` runs it with the defaults, on PostgreSQL when a server is at hand and on
SQLite (`--database` picks one; bench/scratch.py creates each run's throwaway database and
drops it afterwards). It configures Django itself (development settings, DEBUG then turned
off as in production), migrates, seeds one article of
about 60 paragraphs (emoji and CJK included) and an annotator with a token, then, `--runs`
times, POSTs `--spans` distinct spans of every kind to /api/v1/annotations/ in one request
(each run on a fresh copy of the article, so no span is a duplicate), through the Django
test Client with the bearer token. It prints the median and spread of the request time and
its query count, and the same for a page of 500 annotations and of 100 articles. Figures are
reported, never asserted; the query counts are asserted in tests/test_api_bulk.py and
tests/test_api_annotations.py.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import run_per_vendor, scratch_database  # noqa: E402


def configure_django(database_url: str) -> None:
    os.environ["WORKBENCH_DEBUG"] = "1"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    # The bench makes more requests than a script would in a minute.
    os.environ["API_RATE_LIMIT"] = "1000000"
    os.environ["WORKBENCH_ENV_FILE"] = ""  # this tree's .env must not change the figures
    import warnings

    import django

    # Static files are served from the source folders; STATIC_ROOT needs collectstatic.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings

    # Figures as in production: with DEBUG on, Django renders every statement's SQL for
    # connection.queries, which for a 1,000-row INSERT (30,000 parameters) costs more
    # than the INSERT. Queries are counted in a run of their own (see `measure`).
    settings.DEBUG = False


def article_body(run: int) -> str:
    return "\n\n".join(
        f"Paragraph {n} 🚢 from 北京: the minister said “exports rose {n} percent to "
        f"US${n}18.4 billion” in 2024, and more than {n * 10} projects were built, "
        f"officials 👍 said, while critics noted that nearly 40 million people saw no change "
        f"({run})."
        for n in range(60)
    )


def spans(article, count: int) -> list[dict]:
    """`count` distinct word-aligned spans of every kind, as a script would send them."""
    import regex

    words = [match.span() for match in regex.finditer(r"\w+", article.body)]
    records = []
    for index in range(count):
        start, _ = words[index % len(words)]
        _, end = words[min(len(words) - 1, index % len(words) + index // len(words))]
        records.append(
            {
                "article": article.pk,
                "kind": ("claim", "number", "quotation")[index % 3],
                "start": start,
                "end": end,
                "exact": article.body[start:end],
            }
        )
    return records


def timed(send):
    """(wall ms, CPU ms) of one request."""
    started, cpu = time.perf_counter(), time.process_time()
    response = send()
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu) * 1000
    assert response.status_code in (200, 201), response.content[:300]
    return elapsed, cpu


def counted(send) -> int:
    """The queries of one request (counting renders their SQL: not in a timed run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        send()
    return len(queries)


def report(label: str, runs: list[tuple[float, float]], queries: int) -> None:
    """Wall-clock and CPU time (this process's, which a busy shared machine inflates less:
    SQLite runs in-process) and the query count."""
    timings = [elapsed for elapsed, _cpu in runs]
    cpu = statistics.median(cpu for _elapsed, cpu in runs)
    spread = f"min {min(timings):.1f}, max {max(timings):.1f}"
    print(
        f"{label:<36} median {statistics.median(timings):7.1f} ms ({spread}), "
        f"CPU {cpu:.1f} ms · {queries} queries"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], help="default: both")
    options = parser.parse_args()
    if options.database is None:
        return run_per_vendor(__file__, sys.argv[1:])
    with scratch_database(options.database, "api") as database_url:
        configure_django(database_url)
        run(options)
    return 0


def run(options) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from annotations import tokens
    from annotations.models import Article

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("anna", password=None)
    user.groups.add(Group.objects.get(name="annotator"))
    _token, secret = tokens.token_create(user=user, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def post_spans(run: int):
        article = Article.objects.create(title=f"Bench {run}", body=article_body(run))
        body = json.dumps({"annotations": spans(article, options.spans)})
        return lambda: client.post("/api/v1/annotations/", body, content_type="application/json")

    post_spans(-1)()  # warm-up
    queries = counted(post_spans(-2))
    runs = [timed(post_spans(run)) for run in range(options.runs)]
    print(
        f"API bulk create: {options.spans} spans per request, {options.runs} runs "
        f"({connection.vendor}, DEBUG off, Django test Client, bearer token)"
    )
    report(f"POST /annotations/ ({options.spans} spans)", runs, queries)
    for label, url in (
        ("GET /annotations/?limit=500", "/api/v1/annotations/?limit=500"),
        ("GET /articles/?limit=100", "/api/v1/articles/?limit=100"),
    ):
        get = lambda url=url: client.get(url)  # noqa: E731
        get()
        report(label, [timed(get) for _ in range(options.runs)], counted(get))


if __name__ == "__main__":
    sys.exit(main())
