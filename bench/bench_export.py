"""Benchmark of the research export: records per second and peak memory, per format and size.

    .venv/bin/python bench/bench_export.py [--sizes 1000,10000,100000] [--runs 3]

`make bench` runs it with the defaults. It configures Django itself on a throwaway SQLite
file under /tmp (or, with BENCH_DATABASE_URL=postgres://…, on a scratch database it creates
next to the given one and drops afterwards), seeds verified annotations with bulk_create
(their reviews and evidence with executemany), growing the same data set from one size to
the next, and streams every format into a byte counter. Timings are medians of several
runs without tracing; the peak memory comes from one extra run under tracemalloc (Python
allocations while streaming), which should stay flat as the number of records grows.
Figures are reported, never asserted.
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANNOTATIONS_PER_ARTICLE = 25  # ~3 KB bodies, the length of a news article
START = datetime(2025, 1, 1, tzinfo=UTC)


def configure_django(database_url: str) -> None:
    os.environ["WORKBENCH_DEBUG"] = "1"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    import django
    from django.conf import settings

    django.setup()
    # With DEBUG on, Django keeps the SQL of every query, rendering each bulk INSERT with
    # all its parameters: that would slow the seeding and count as export memory.
    settings.DEBUG = False


def scratch_postgres(url: str) -> tuple[str, object]:
    """A fresh database on the server of `url`, and a function that drops it.

    Created and dropped through the server's `postgres` database, so the database named
    in `url` is never touched (it need not even exist).
    """
    import psycopg

    parts = urlsplit(url)
    name = f"workbench_bench_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def article_body(number: int) -> str:
    """One paragraph per annotation, each with an emoji and CJK before the spans."""
    paragraphs = [
        f"Paragraph {i} 🚢 from 北京: the minister said “exports rose {i % 50} percent to "
        f"US${number % 900}.{i % 10} billion” in 2024, officials 👍 said."
        for i in range(ANNOTATIONS_PER_ARTICLE)
    ]
    return f"Report {number}.\n\n" + "\n\n".join(paragraphs)


def seed(start_count: int, end_count: int, context: dict) -> None:
    """Grow the data set from `start_count` to `end_count` verified annotations.

    One transaction, and rows in batches of many articles: a commit per article would make
    seeding, not exporting, the slow part of the run.
    """
    from django.db import transaction

    with transaction.atomic():
        _seed(start_count, end_count, context)


def _seed(start_count: int, end_count: int, context: dict) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from annotations.models import (
        Annotation,
        Article,
        Evidence,
        Kind,
        Review,
        ReviewOutcome,
        Source,
        SourceKind,
        SpeechType,
        Stance,
        State,
        Verdict,
        body_checksum,
    )
    from annotations.text import quote_context

    user_model = get_user_model()
    if not context:
        context["annotators"] = user_model.objects.bulk_create(
            [user_model(username=f"bench-annotator-{i}") for i in range(20)]
        )
        context["reviewers"] = user_model.objects.bulk_create(
            [user_model(username=f"bench-reviewer-{i}") for i in range(10)]
        )
        context["sources"] = Source.objects.bulk_create(
            [
                Source(
                    url=f"https://stats.example.org/table/{i}",
                    title=f"Statistics table {i}",
                    publisher="Statistics Office",
                    kind=SourceKind.STATISTICS,
                    accessed=START.date(),
                )
                for i in range(200)
            ]
        )
    annotators, reviewers, sources = context["annotators"], context["reviewers"], context["sources"]
    verdicts = list(Verdict)
    kinds = [Kind.CLAIM, Kind.NUMBER, Kind.QUOTATION]

    first_article = start_count // ANNOTATIONS_PER_ARTICLE
    last_article = -(-end_count // ANNOTATIONS_PER_ARTICLE)
    numbers = range(first_article, last_article)
    # An article already seeded (a partial one at the previous size) is reused.
    titles = [f"Trade report {number}" for number in numbers]
    existing = {a.title: a for a in Article.objects.filter(title__in=titles)}
    new_articles = []
    for article_number in numbers:
        if f"Trade report {article_number}" not in existing:
            body = article_body(article_number)
            new_articles.append(
                Article(
                    title=f"Trade report {article_number}",
                    body=body,
                    checksum=body_checksum(body),
                    publisher="Example News",
                    url=f"https://news.example.org/{article_number}",
                    published=START.date(),
                )
            )
    for article in Article.objects.bulk_create(new_articles, batch_size=500):
        existing[article.title] = article

    annotations = []
    for article_number in numbers:
        article = existing[f"Trade report {article_number}"]
        body = article.body
        offset = 0
        for i in range(ANNOTATIONS_PER_ARTICLE):
            n = article_number * ANNOTATIONS_PER_ARTICLE + i
            if not start_count <= n < end_count:
                continue
            kind = kinds[n % 3]
            phrase = {
                Kind.CLAIM: f"exports rose {i % 50} percent",
                Kind.NUMBER: f"US${article_number % 900}.{i % 10} billion",
                Kind.QUOTATION: "exports rose",
            }[kind]
            paragraph = body.index(f"Paragraph {i} ", offset)
            start = body.index(phrase, paragraph)
            offset = start
            end = start + len(phrase)
            prefix, suffix = quote_context(body, start, end)
            attributes = {
                Kind.CLAIM: {"claimant": "the minister", "check_worthy": True},
                Kind.NUMBER: {
                    "number_value": Decimal(f"{article_number % 900}.{i % 10}") * 10**9,
                    "number_unit": "USD",
                    "number_scale": "billion",
                },
                Kind.QUOTATION: {"speaker": "the minister", "speech_type": SpeechType.DIRECT},
            }[kind]
            annotations.append(
                Annotation(
                    article=article,
                    kind=kind,
                    start=start,
                    end=end,
                    exact=phrase,
                    prefix=prefix,
                    suffix=suffix,
                    state=State.VERIFIED,
                    author=annotators[n % len(annotators)],
                    reviewer=reviewers[n % len(reviewers)],
                    submitted_at=START,
                    taken_at=START,
                    decided_at=START + timedelta(seconds=n),
                    **attributes,
                )
            )
    annotations = Annotation.objects.bulk_create(annotations, batch_size=2000)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    reviews, evidence = [], []
    for annotation in annotations:
        n = int((annotation.decided_at - START).total_seconds())
        reviewer_id = annotation.reviewer_id
        rationale = "Matches table 2 of the statistics office."
        verdict = verdicts[n % len(verdicts)]
        reviews.append(
            (annotation.pk, reviewer_id, ReviewOutcome.VERIFIED, verdict, rationale, now)
        )
        for j in range(2 if n % 4 == 0 else 1):
            source_id = sources[(n + j) % len(sources)].pk
            stance = Stance.SUPPORTS if j == 0 else Stance.CONTEXT
            evidence.append(
                (annotation.pk, source_id, stance, "Exports: +30.1 %", "Table 2", reviewer_id, now)
            )
    # The rows that hang off the annotations go in with one executemany each: bulk_create
    # prepares every value through its field, which made up a third of the seeding time.
    _insert(
        Review, ["annotation", "reviewer", "outcome", "verdict", "rationale", "created_at"], reviews
    )
    _insert(
        Evidence,
        ["annotation", "source", "stance", "excerpt", "locator", "added_by", "created_at"],
        evidence,
    )


def _insert(model, field_names: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    columns = [model._meta.get_field(name).column for name in field_names]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", rows)


def consume(export_format: str) -> tuple[int, int]:
    from annotations.exporters import stream_export

    stream = stream_export(export_format)
    size = 0
    for piece in stream:
        size += len(piece.encode("utf-8"))
    return stream.records, size


def timed(export_format: str, runs: int) -> dict:
    """Median of `runs` plain runs: records per second and the size of the output."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        records, size = consume(export_format)
        times.append(time.perf_counter() - began)
    median = statistics.median(times)
    return {
        "records": records,
        "bytes": size,
        "seconds": median,
        "records_per_second": records / median if median else float("inf"),
    }


def traced_peak(export_format: str) -> int:
    """Peak bytes of Python allocations while streaming one export under tracemalloc."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    consume(export_format)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def traced_peaks(formats: list[str]) -> dict[str, int]:
    """One traced run per format, two at a time in forked processes.

    Tracing makes a run three to four times slower and its figure does not depend on
    timing, so these runs come after the timed ones and share the two cores; each child
    opens its own database connection.
    """
    from django.db import connections

    connections.close_all()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return dict(zip(formats, pool.map(traced_peak, formats), strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="comma-separated numbers of verified annotations (default: 1000,10000,100000)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per format (median)")
    args = parser.parse_args()
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})

    temporary_dir, drop_database = None, None
    database_url = os.environ.get("BENCH_DATABASE_URL")
    if database_url and database_url.startswith("postgres"):
        database_url, drop_database = scratch_postgres(database_url)
    elif not database_url:
        temporary_dir = tempfile.mkdtemp(prefix="workbench-bench-export-")
        database_url = f"sqlite:///{temporary_dir}/bench.sqlite3"
    configure_django(database_url)

    from django.core.management import call_command
    from django.db import connection

    from annotations.exporters import CHUNK_SIZE, FORMATS

    began_all = time.perf_counter()
    try:
        call_command("migrate", verbosity=0)
        print(
            f"Export benchmark: {connection.vendor}, Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs, chunk size {CHUNK_SIZE}, median of {args.runs} runs; "
            "peak = tracemalloc peak of Python allocations while streaming."
        )
        header = (
            f"{'records':>8}  {'format':<12} {'records/s':>10} {'seconds':>8} "
            f"{'MB out':>8} {'peak MiB':>9}"
        )
        print(header)
        print("-" * len(header))
        seeded, context = 0, {}
        for size in sizes:
            began = time.perf_counter()
            seed(seeded, size, context)
            seeded = size
            seeding = time.perf_counter() - began
            results = {name: timed(name, args.runs) for name in FORMATS}
            peaks = traced_peaks(list(FORMATS))
            for name, result in results.items():
                print(
                    f"{size:>8}  {name:<12} {result['records_per_second']:>10,.0f} "
                    f"{result['seconds']:>8.2f} {result['bytes'] / 1e6:>8.1f} "
                    f"{peaks[name] / 2**20:>9.2f}",
                    flush=True,
                )
            print(f"{'':>8}  (seeding to {size:,} took {seeding:.1f} s)", flush=True)
        print(f"Whole benchmark: {time.perf_counter() - began_all:.0f} s")
    finally:
        connection.close()
        if drop_database:
            drop_database()
        if temporary_dir:
            shutil.rmtree(temporary_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
