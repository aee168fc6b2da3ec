"""Benchmark of the article list (everyone's landing page): time and queries per request.

    .venv/bin/python bench/bench_articles.py [--sizes 100,25000] [--requests 30]

`make bench` runs it with the defaults: 100 articles, then 25,000 articles with 5
annotations each (125,000 annotations in every state and kind). It renders `/` through
Django's test client as a logged-in annotator (middleware, session, template: the whole
request but the socket) and prints the median and the 90th percentile of `--requests`
requests after two warm-up ones, the number of queries, and the slowest query. The
database is PostgreSQL when BENCH_DATABASE_URL names one or a server answers on
127.0.0.1:5432 (a scratch database, dropped afterwards), else a throwaway SQLite file;
BENCH_DATABASE_URL=sqlite forces SQLite. Figures are reported, never asserted (tests
assert the query count and that no query aggregates over annotations).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch import configure_django, run_per_vendor, scratch_database  # noqa: E402

ANNOTATIONS_PER_ARTICLE = 5
BODY = (
    "The minister said “exports rose 30 percent to US$518.4 billion” in 2024.\n\n"
    "More than 200 projects were built, officials said. Report {number}."
)
PHRASES = ("exports rose 30 percent", "US$518.4 billion", "“exports rose", "200", "officials said")


def seed(start: int, end: int, annotator, reviewer) -> None:
    """Articles `start` to `end`, each with five annotations of every kind and state.

    One article in ten has no publication date (they sort last); dates repeat, so the
    order needs the id as a tie-breaker, as the view's does.
    """
    from django.db import transaction

    from annotations.models import Annotation, Article, Kind, State, body_checksum
    from annotations.text import quote_context

    kinds = list(Kind)
    states = list(State)
    with transaction.atomic():
        articles = []
        for number in range(start, end):
            body = BODY.format(number=number)
            articles.append(
                Article(
                    title=f"Trade report {number}",
                    body=body,
                    checksum=body_checksum(body),
                    publisher="Example News",
                    published=None
                    if number % 10 == 0
                    else date(2024, 1, 1) + timedelta(number % 700),
                )
            )
        articles = Article.objects.bulk_create(articles, batch_size=1000)
        annotations = []
        for article in articles:
            for i, phrase in enumerate(PHRASES):
                start_at = article.body.index(phrase)
                prefix, suffix = quote_context(article.body, start_at, start_at + len(phrase))
                state = states[(article.pk + i) % len(states)]
                reviewed = state in (State.IN_REVIEW, State.VERIFIED, State.REJECTED)
                annotations.append(
                    Annotation(
                        article=article,
                        kind=kinds[i % len(kinds)],
                        start=start_at,
                        end=start_at + len(phrase),
                        exact=phrase,
                        prefix=prefix,
                        suffix=suffix,
                        state=state,
                        author=annotator,
                        reviewer=reviewer if reviewed else None,
                    )
                )
        Annotation.objects.bulk_create(annotations, batch_size=2000)


def measure(client, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm the session cache, the templates, the database's buffers
        assert client.get("/").status_code == 200
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get("/")
        times.append(time.perf_counter() - began)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    times.sort()
    return {
        "median": statistics.median(times),
        "p90": times[int(len(times) * 0.9) - 1],
        "queries": len(queries),
        "slowest": slowest,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", default="100,25000", help="numbers of articles (default 100,25000)"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per size (median)")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], help="default: both")
    args = parser.parse_args()
    if args.database is None:
        return run_per_vendor(__file__, sys.argv[1:])
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    with scratch_database(args.database, "articles") as database_url:
        configure_django(database_url)
        run(sizes, args.requests)
    return 0


def run(sizes: list[int], requests: int) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from annotations.policy import Role, sync_roles
    from annotations.views.articles import ARTICLES_PER_PAGE

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    annotator = user_model.objects.create_user("bench-annotator")
    reviewer = user_model.objects.create_user("bench-reviewer")
    sync_roles()
    annotator.groups.add(Group.objects.get(name=Role.ANNOTATOR.value))
    reviewer.groups.add(Group.objects.get(name=Role.REVIEWER.value))
    client = Client()
    client.force_login(annotator)
    print(
        f"Article list benchmark: {connection.vendor}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, {ANNOTATIONS_PER_ARTICLE} annotations per article, "
        f"{ARTICLES_PER_PAGE} a page; median and p90 of {requests} requests of `/` "
        "through the test client."
    )
    header = f"{'articles':>9} {'annotations':>12} {'median ms':>10} {'p90 ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    seeded = 0
    for size in sizes:
        began = time.perf_counter()
        seed(seeded, size, annotator, reviewer)
        seeded = size
        seeding = time.perf_counter() - began
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        result = measure(client, requests)
        print(
            f"{size:>9,} {size * ANNOTATIONS_PER_ARTICLE:>12,} "
            f"{result['median'] * 1000:>10.1f} {result['p90'] * 1000:>8.1f} "
            f"{result['queries']:>8}",
            flush=True,
        )
        slowest = result["slowest"]
        print(
            f"{'':>9} slowest query {float(slowest['time']) * 1000:.1f} ms: "
            f"{' '.join(slowest['sql'].split())[:110]}…  (seeding took {seeding:.1f} s)",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
