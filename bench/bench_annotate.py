"""Benchmark of the annotate screen: render time and query count of an article with many spans.

    .venv/bin/python bench/bench_annotate.py [--spans 1000] [--runs 15]

`make bench` runs it with the defaults. It configures Django itself (WORKBENCH_DEBUG=1, a
throwaway SQLite file under /tmp), migrates, seeds one article of about 60 paragraphs with
emoji and CJK and `--spans` overlapping annotations of every kind by three annotators
(bulk_create), then renders the page through the Django test Client as one of them, with
an annotation open in the side panel, `--runs` times after a warm-up. It prints the median
and the spread of the render time, the query count, the page size, and the same for the
poll (unchanged: 204; changed: the body and list fragments). Figures are reported, never
asserted; the bounds are asserted in tests/test_annotate_views.py.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure_django(database_path: Path) -> None:
    os.environ["WORKBENCH_DEBUG"] = "1"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DATABASE_URL"] = f"sqlite:///{database_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    # The test Client talks to "testserver".
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()


def article_body() -> str:
    return "\n\n".join(
        f"Paragraph {n} 🚢 from 北京: the minister said “exports rose {n} percent to "
        f"US${n}18.4 billion” in 2024, and more than {n * 10} projects were built, "
        "officials 👍 said, while critics noted that nearly 40 million people saw no change."
        for n in range(60)
    )


def seed(span_count: int):
    """One article, three annotators, `span_count` overlapping word-aligned spans."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from annotations.models import Article
    from tests.factories import overlapping_annotations

    annotator = Group.objects.get(name="annotator")
    users = []
    for name in ("anna", "arno", "pia"):
        user = get_user_model().objects.create_user(name, password=None)
        user.groups.add(annotator)
        users.append(user)
    article = Article.objects.create(title="Bench article", body=article_body())
    overlapping_annotations(article, users, span_count, seed=1, longest=160)
    return article, users[0]


def measure(client, url, runs: int, **kwargs):
    """(timings in ms, query count, response) of `runs` GETs after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, **kwargs)
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, **kwargs)
            timings.append((time.perf_counter() - started) * 1000)
    return timings, len(queries), response


def report(label: str, timings, queries: int, response) -> None:
    median = statistics.median(timings)
    spread = f"min {min(timings):.1f}, max {max(timings):.1f}"
    if len(timings) > 2:
        spread += f", stdev {statistics.stdev(timings):.1f}"
    print(
        f"{label:<34} median {median:7.1f} ms ({spread}) · {queries} queries · "
        f"status {response.status_code} · {len(response.content) / 1024:.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="workbench-bench-annotate-"))
    try:
        configure_django(scratch / "bench.sqlite3")
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        call_command("migrate", verbosity=0)
        article, user = seed(options.spans)
        client = Client()
        client.force_login(user)
        opened = article.annotations.filter(author=user).first()
        page = reverse("article_detail", args=[article.pk])
        poll = reverse("annotate_poll", args=[article.pk])
        htmx = {"headers": {"HX-Request": "true"}}

        print(
            f"Annotate screen: 1 article, {len(article.body)} characters, {options.spans} spans, "
            f"{options.runs} runs (SQLite, WORKBENCH_DEBUG=1, Django test Client)"
        )
        report("page (panel open)", *measure(client, f"{page}?a={opened.pk}", options.runs))
        report("page (no panel)", *measure(client, page, options.runs))
        version = article.annotations_version
        report("poll, nothing changed", *measure(client, f"{poll}?v={version}", options.runs))
        report(
            "poll, changed (body + list)", *measure(client, f"{poll}?v=-1", options.runs, **htmx)
        )
        panel = reverse("annotate_panel", args=[opened.pk])
        report("side panel fragment", *measure(client, panel, options.runs, **htmx))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
