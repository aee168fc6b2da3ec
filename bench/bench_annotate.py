"""Benchmark of the annotate screen: what a page, a change and a live update cost on an
article with many spans.

    .venv/bin/python bench/bench_annotate.py [--spans 1000] [--runs 15]

`make bench` runs it with the defaults. It configures Django itself (WORKBENCH_DEBUG=1, a
throwaway SQLite file under /tmp), migrates, seeds one article of about 60 paragraphs with
emoji and CJK and `--spans` overlapping annotations of every kind by three annotators
(bulk_create), then requests through the Django test Client, `--runs` times after a
warm-up, and prints the median and spread of the time, the query count and the response
size of:

- the page (with and without an annotation open in the side panel);
- the poll: unchanged (204), without a version (the whole body and list), and after k
  changes by a colleague (the fragments since: their paragraphs, rows and counts), for k
  up to past `highlight.too_many_changes`, where the whole body and list are sent
  instead (`--limit 100000` draws the changes however many: how the limit was chosen);
- a create as the screen sends it (with the version it shows): the fragments it answers;
- the side panel.

Figures are reported, never asserted; the bounds are asserted in tests (query counts and
response sizes in tests/test_annotate_fragments.py).
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHANGES = (1, 5, 10, 25, 50, 100)


def configure_django(database_path: Path) -> None:
    os.environ["WORKBENCH_DEBUG"] = "1"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DATABASE_URL"] = f"sqlite:///{database_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    # The test Client talks to "testserver".
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no SQL kept per query; the counts come from a capture context


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
    return article, users


def random_span(body: str, rng: random.Random) -> tuple[int, int]:
    from annotations.text import snap_to_words

    while True:
        start = rng.randrange(0, len(body) - 2)
        start, end = snap_to_words(body, start, min(len(body), start + rng.randrange(3, 80)))
        if start < end:
            return start, end


def measure(request, runs: int, prepare=lambda: {}):
    """(timings in ms, query count, response) of `runs` calls of `request` after a warm-up;
    `prepare()` gives each call its keyword arguments, untimed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    request(**prepare())
    timings = []
    for _ in range(runs):
        arguments = prepare()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = request(**arguments)
            timings.append((time.perf_counter() - started) * 1000)
    return timings, len(queries), response


def report(label: str, timings, queries: int, response) -> None:
    median = statistics.median(timings)
    spread = f"min {min(timings):.1f}, max {max(timings):.1f}"
    if len(timings) > 2:
        spread += f", stdev {statistics.stdev(timings):.1f}"
    print(
        f"{label:<42} median {median:7.1f} ms ({spread}) · {queries:2} queries · "
        f"status {response.status_code} · {len(response.content) / 1024:6.1f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--limit", type=int, help="highlight.CHANGES_FLOOR for this run (to measure past it)"
    )
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="workbench-bench-annotate-"))
    try:
        configure_django(scratch / "bench.sqlite3")
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        from annotations import highlight, workflow
        from annotations.models import Annotation, Kind

        call_command("migrate", verbosity=0)
        if options.limit is not None:
            highlight.CHANGES_FLOOR = options.limit
        article, users = seed(options.spans)
        user, colleague = users[0], users[1]
        client = Client()
        client.force_login(user)
        opened = article.annotations.filter(author=user).first()
        page = reverse("article_detail", args=[article.pk])
        poll = reverse("annotate_poll", args=[article.pk])
        htmx = {"HX-Request": "true"}

        print(
            f"Annotate screen: 1 article, {len(article.body)} characters, {options.spans} spans, "
            f"{options.runs} runs (SQLite, Django test Client)"
        )
        report(
            "page (panel open)", *measure(lambda: client.get(f"{page}?a={opened.pk}"), options.runs)
        )
        report("page (no panel)", *measure(lambda: client.get(page), options.runs))
        article.refresh_from_db()
        version = article.annotations_version
        report(
            "poll, nothing changed",
            *measure(lambda: client.get(poll, {"v": version}), options.runs),
        )
        report(
            "poll, no version (whole body + list)",
            *measure(lambda: client.get(poll, headers=htmx), options.runs),
        )

        # A colleague makes max(CHANGES) spans; a screen that saw the state k changes ago
        # gets the fragments of those k (or, past the limit, the whole body and list).
        rng = random.Random(5)
        for _ in range(max(CHANGES)):
            start, end = random_span(article.body, rng)
            workflow.annotation_create(
                article=article, author=colleague, kind=Kind.CLAIM, start=start, end=end,
                exact=article.body[start:end], confirm_duplicate=True,
            )  # fmt: skip
        article.refresh_from_db()
        latest = article.annotations_version
        for changes in CHANGES:
            seen = latest - changes
            changed = Annotation.objects.filter(article=article, changed_version__gt=seen).count()
            live = Annotation.objects.filter(article=article).exclude(state="withdrawn").count()
            whole = " (whole)" if highlight.too_many_changes(changed, live) else ""
            report(
                f"poll, {changes:3} changes ({changed:3} spans){whole}",
                *measure(
                    lambda seen=seen: client.get(poll, {"v": seen}, headers=htmx), options.runs
                ),
            )

        def create(data, shown):
            return client.post(
                reverse("annotate_create", args=[article.pk]), data,
                headers=htmx | {"X-Annotations-Shown": str(shown)},
            )  # fmt: skip

        def new_span():
            start, end = random_span(article.body, rng)
            article.refresh_from_db(fields=["annotations_version"])
            return {
                "data": {"kind": "number", "start": start, "end": end,
                         "exact": article.body[start:end], "confirm_duplicate": "1"},
                "shown": article.annotations_version,
            }  # fmt: skip

        report("create (answered with fragments)", *measure(create, options.runs, new_span))
        panel = reverse("annotate_panel", args=[opened.pk])
        report(
            "side panel fragment", *measure(lambda: client.get(panel, headers=htmx), options.runs)
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
