"""Benchmark of "seen before" matching: precision and recall at the top match, lookup time.

    .venv/bin/python bench/bench_match.py [--size 100000] [--lookups 200] [--database D]

`make bench` runs it with the defaults, on PostgreSQL first when a server is at hand (see
bench/scratch.py) and then on SQLite, each on a throwaway database.

Quality: every sentence of the news corpus (tests/fixtures/corpus/news-dump.txt, 20
articles) is stored as a claim, and every number the numbers engine finds as a number
annotation with its value and unit; each side of each hand-labelled pair of
bench/eval/matches.tsv is then looked up (`matching.find_matches`). At the top match:
precision = top matches that are a labelled true match / lookups that returned one;
recall = lookups whose top match is a true match / lookups that have a true match. Every
cross-article pair of sentences similar enough to be returned was labelled (README), so an
unlabelled top match counts as wrong.

Time: the store grows to --size annotations (corpus sentences with words replaced, and
numbers), indexed incrementally as they are written (`index_pending`, batch by batch, as
the triggers queue them); then --lookups random stored annotations are looked up. Medians
and 95th percentiles; figures are reported, never asserted.
"""

import argparse
import csv
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch import configure_django, run_per_vendor, scratch_database  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "news-dump.txt"
PAIRS = ROOT / "bench" / "eval" / "matches.tsv"
SENTENCES_PER_ARTICLE = 50


def corpus_sentences(body: str) -> list[tuple[int, int]]:
    """The spans of the body's sentences of four words or more (text.sentence_around)."""
    from annotations.text import sentence_around

    spans, position = [], 0
    while position < len(body):
        if body[position].isspace():
            position += 1
            continue
        start, end = sentence_around(body, position, position + 1)
        if len(body[start:end].split()) >= 4:
            spans.append((start, end))
        position = max(end, position + 1)
    return spans


def read_pairs() -> list[dict]:
    with PAIRS.open(encoding="utf-8") as lines:
        rows = [line for line in lines if not line.startswith("#")]
    names = ["kind", "article_a", "text_a", "number_a", "article_b", "text_b", "number_b", "label"]
    return [dict(zip(names, row, strict=True)) for row in csv.reader(rows, delimiter="\t")]


def store_corpus(user):
    """The corpus as articles with their sentences (claims) and numbers; returns
    {(kind, article index, sentence, number text): annotation id}."""
    from annotations import importers
    from annotations.matching import index_all
    from annotations.models import Annotation, Article, Kind
    from annotations.suggest.numbers import find_numbers
    from annotations.text import quote_context, sentence_around

    parsed = importers.parse_dump(CORPUS.read_text(encoding="utf-8"), filename=CORPUS.name)
    located = {}
    for index, item in enumerate(parsed):
        article = Article.objects.create(title=item.title, body=item.body)
        body = article.body
        rows = []
        for start, end in corpus_sentences(body):
            rows.append(((Kind.CLAIM, index, body[start:end], "-"), Kind.CLAIM, start, end, {}))
        for proposal in find_numbers(body):
            s_start, s_end = sentence_around(body, proposal.start, proposal.end)
            key = (Kind.NUMBER, index, body[s_start:s_end], body[proposal.start : proposal.end])
            attributes = {
                name: value
                for name, value in proposal.attributes.items()
                if name in ("number_value", "number_unit", "number_scale") and value is not None
            }
            rows.append((key, Kind.NUMBER, proposal.start, proposal.end, attributes))
        created = Annotation.objects.bulk_create(
            Annotation(
                article=article,
                author=user,
                kind=kind,
                start=start,
                end=end,
                exact=body[start:end],
                prefix=quote_context(body, start, end)[0],
                suffix=quote_context(body, start, end)[1],
                **attributes,
            )
            for _key, kind, start, end, attributes in rows
        )
        for (key, *_rest), annotation in zip(rows, created, strict=True):
            located.setdefault(key, annotation.pk)
    index_all()
    return located


def quality(located: dict) -> dict:
    from annotations.matching import find_matches
    from annotations.models import Annotation

    truth, queries = {}, set()
    for pair in read_pairs():
        a = (pair["kind"], int(pair["article_a"]), pair["text_a"], pair["number_a"])
        b = (pair["kind"], int(pair["article_b"]), pair["text_b"], pair["number_b"])
        for query, other in ((a, b), (b, a)):
            if query not in located or other not in located:
                raise SystemExit(
                    f"not in the stored corpus: {query if query not in located else other}"
                )
            queries.add(query)
            if pair["label"] == "match":
                truth.setdefault(located[query], set()).add(located[other])
    returned = correct = 0
    for query in sorted(queries):
        annotation = Annotation.objects.select_related("article").get(pk=located[query])
        # The pairs were drawn across articles: a repeat in the query's own article is
        # passed over (it is shown, but the labels say nothing about it).
        matches = [
            match
            for match in find_matches(annotation, limit=10)
            if match.annotation.article_id != annotation.article_id
        ]
        if matches:
            returned += 1
            correct += matches[0].annotation.pk in truth.get(annotation.pk, set())
    with_truth = sum(1 for query in queries if located[query] in truth)
    return {
        "lookups": len(queries),
        "with a true match": with_truth,
        "returned": returned,
        "correct": correct,
        "precision": correct / returned if returned else 0.0,
        "recall": correct / with_truth if with_truth else 0.0,
    }


def grow(user, size: int, seed: int = 13) -> float:
    """Add synthetic articles until `size` annotations are stored, indexing each batch as it
    is written; the indexing time per annotation in ms."""
    from annotations.matching import index_pending
    from annotations.models import Annotation, Article, Kind
    from annotations.text import quote_context

    rng = random.Random(seed)
    sentences = [
        sentence
        for article in Article.objects.all()
        for sentence in (article.body[s:e] for s, e in corpus_sentences(article.body))
    ]
    vocabulary = sorted({word for sentence in sentences for word in sentence.split()})
    indexing = 0.0
    number = 0
    while (stored := Annotation.objects.count()) < size:
        pieces = []
        for _ in range(min(SENTENCES_PER_ARTICLE, size - stored)):
            words = rng.choice(sentences).split()
            for _ in range(rng.randint(1, 4)):  # another sentence on the same topic
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
            pieces.append((" ".join(words), str(rng.randint(1, 999))))
        number += 1
        lines = [f"{sentence} It cost {amount} million yuan." for sentence, amount in pieces]
        body = "\n\n".join(lines)
        article = Article.objects.create(title=f"Synthetic {number}", body=body)
        rows, start = [], 0
        for (sentence, amount), line in zip(pieces, lines, strict=True):
            figure = start + len(sentence) + len(" It cost ")
            value = {"number_value": Decimal(amount) * 1_000_000, "number_unit": "CNY"}
            rows.append((Kind.CLAIM, start, start + len(sentence), {}))
            rows.append((Kind.NUMBER, figure, figure + len(f"{amount} million"), value))
            start += len(line) + 2
        Annotation.objects.bulk_create(
            Annotation(
                article=article,
                author=user,
                kind=kind,
                start=start,
                end=end,
                exact=body[start:end],
                prefix=quote_context(body, start, end)[0],
                suffix=quote_context(body, start, end)[1],
                **attributes,
            )
            for kind, start, end, attributes in rows
        )
        began = time.perf_counter()
        index_pending(limit=len(rows))
        indexing += time.perf_counter() - began
    return 1000 * indexing / size


def lookups(count: int, seed: int = 7) -> list[float]:
    from annotations.matching import find_matches
    from annotations.models import Annotation

    rng = random.Random(seed)
    largest = Annotation.objects.order_by("-pk").values_list("pk", flat=True).first()
    times = []
    for _ in range(count):
        annotation = (
            Annotation.objects.select_related("article")
            .filter(pk__gte=rng.randint(1, largest))
            .first()
        )
        began = time.perf_counter()
        find_matches(annotation)
        times.append(1000 * (time.perf_counter() - began))
    return times


def run(size: int, count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create(username="bench")
    python = sys.version.split()[0]
    print(f"Matching benchmark: {connection.vendor}, Python {python}, {os.cpu_count()} CPUs")
    located = store_corpus(user)
    scores = quality(located)
    print(
        f"  quality on bench/eval/matches.tsv: {scores['lookups']} lookups, "
        f"{scores['with a true match']} with a true match; top match returned "
        f"{scores['returned']}, right {scores['correct']}: "
        f"precision@1 {scores['precision']:.2f}, recall@1 {scores['recall']:.2f}"
    )
    per_annotation = grow(user, size)
    from annotations.models import MatchKey

    times = lookups(count)
    times.sort()
    print(
        f"  {size:,} stored annotations ({MatchKey.objects.count():,} index keys), indexed "
        f"incrementally at {per_annotation:.2f} ms per annotation"
    )
    print(
        f"  lookup (find_matches, {count} random annotations): median "
        f"{statistics.median(times):.1f} ms, p95 {times[int(0.95 * len(times)) - 1]:.1f} ms, "
        f"max {times[-1]:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], help="default: both")
    args = parser.parse_args()
    if args.database is None:
        return run_per_vendor(__file__, sys.argv[1:])
    with scratch_database(args.database, "match") as database_url:
        configure_django(database_url)
        run(args.size, args.lookups)
    return 0


if __name__ == "__main__":
    sys.exit(main())
