"""Benchmark of the research export: records per second and peak memory, per format and size.

    .venv/bin/python bench/bench_export.py [--sizes 10000,100000] [--runs 3] [--database D]
        [--formats jsonl,json]

`make bench` runs it with the defaults: without --database (postgresql or sqlite), on
PostgreSQL first when a server is at hand (the production database: BENCH_DATABASE_URL=
postgres://… or one on 127.0.0.1:5432, see bench/scratch.py) and then on SQLite, each on
a throwaway database. It seeds verified annotations with bulk_create (their reviews and
evidence with executemany), growing the same data set from one size to the next, and
streams every format's bytes, as the endpoint and the command write them, into a byte
counter. Timings are medians of several runs. Memory comes from one more run per format
in a fresh process: its peak resident size (what a server worker needs, Python and
Django included) and, in a second run under tracemalloc, the peak of Python allocations
while streaming; both should stay flat as the number of records grows. Figures are
reported, never asserted. --formats limits the run to some formats (all by default).
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch import configure_django, run_per_vendor, scratch_database  # noqa: E402

ANNOTATIONS_PER_ARTICLE = 25  # ~3 KB bodies, the length of a news article
START = datetime(2025, 1, 1, tzinfo=UTC)


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
    from django.db import connection, transaction

    with transaction.atomic():
        _seed(start_count, end_count, context)
    # Statistics, as autovacuum (or SQLite's optimize) keeps them in a running database:
    # without them the planner takes the fresh tables for empty and sorts the whole export
    # before its first row instead of reading it in order from its index.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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
    for block in stream.iter_bytes():
        size += len(block)
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


def peak_resident_bytes() -> int:
    """This process's peak resident size (VmHWM). Not getrusage's ru_maxrss: that survives
    exec, so a spawned child would report the peak of the parent it was forked from."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def memory_peaks(export_format: str) -> tuple[int, int]:
    """In a fresh process: the peak resident size (bytes) of one export, then the peak of
    Python allocations while streaming another under tracemalloc (bytes)."""
    consume(export_format)
    resident = peak_resident_bytes()
    tracemalloc.start()
    consume(export_format)
    _current, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return resident, traced


def all_memory_peaks(database_url: str, formats: list[str]) -> dict[str, tuple[int, int]]:
    """One fresh process per format, two at a time (the machine has two cores).

    Spawned, not forked: a forked child would start with this process's memory, seeding
    included. Tracing makes a run several times slower and its figure does not depend on
    timing, so these runs come after the timed ones.
    """
    context = multiprocessing.get_context("spawn")
    with context.Pool(
        2, initializer=configure_django, initargs=(database_url,), maxtasksperchild=1
    ) as pool:
        return dict(zip(formats, pool.map(memory_peaks, formats, chunksize=1), strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated numbers of verified annotations (default: 10000,100000)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per format (median)")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], help="default: both")
    parser.add_argument(
        "--formats", help="comma-separated formats to run, e.g. jsonl (default: all)"
    )
    args = parser.parse_args()
    if args.database is None:
        return run_per_vendor(__file__, sys.argv[1:])
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    with scratch_database(args.database, "export") as database_url:
        configure_django(database_url)
        run(database_url, sizes, args.runs, args.formats)
    return 0


def run(database_url: str, sizes: list[int], runs: int, formats: str | None = None) -> None:
    from django.core.management import call_command
    from django.db import connection

    from annotations.exporters import CHUNK_SIZE, FORMATS

    names = [name.strip() for name in formats.split(",")] if formats else list(FORMATS)
    unknown = set(names) - FORMATS.keys()
    if unknown:
        raise SystemExit(f"unknown formats: {', '.join(sorted(unknown))}")
    began_all = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(
        f"Export benchmark: {connection.vendor}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, chunk size {CHUNK_SIZE}, median of {runs} runs; "
        "RSS = peak resident size of a fresh process running one export, "
        "traced = tracemalloc peak of Python allocations while streaming."
    )
    header = (
        f"{'records':>8}  {'format':<12} {'records/s':>10} {'seconds':>8} "
        f"{'MB out':>8} {'RSS MiB':>8} {'traced MiB':>10}"
    )
    print(header)
    print("-" * len(header))
    seeded, context = 0, {}
    for size in sizes:
        began = time.perf_counter()
        seed(seeded, size, context)
        seeded = size
        seeding = time.perf_counter() - began
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        results = {name: timed(name, runs) for name in names}
        connection.close()  # the spawned processes open their own
        peaks = all_memory_peaks(database_url, names)
        for name, result in results.items():
            resident, traced = peaks[name]
            print(
                f"{size:>8}  {name:<12} {result['records_per_second']:>10,.0f} "
                f"{result['seconds']:>8.2f} {result['bytes'] / 1e6:>8.1f} "
                f"{resident / 2**20:>8.0f} {traced / 2**20:>10.2f}",
                flush=True,
            )
        print(f"{'':>8}  (seeding to {size:,} took {seeding:.1f} s)", flush=True)
    print(f"Whole benchmark: {time.perf_counter() - began_all:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
