"""Benchmark of the suggestion engines: quality on the hand-annotated set, and speed.

    .venv/bin/python bench/bench_suggest.py [--show-errors]

Reads the evaluation set in bench/eval/ (`gold.txt`, `checkworthy-news.tsv`; see
bench/eval/README.md for the guidelines and the splits) over the texts where they live
(annotations/demo/, tests/fixtures/corpus/) and prints, for DEV, the old TEST and TEST2
apart:
- numbers: precision, recall and F1 of exact spans, overall and per type; the value right
  (among matched spans); what it counts right (where the gold names it);
- quotations: precision, recall and F1 of exact spans and of overlapping spans; the speaker
  exactly right (among overlapping matches whose gold names a speaker); function-word
  speakers among all proposals;
- check-worthiness: average precision on the shipped ClaimBuster test file, on the news
  sentences the model learnt from by cross-validation grouped by article (the figure
  `train_checkworthy` stored in the model), and on the held-out TEST2 news sentences;
- speed: CPU time of each engine over the whole shipped news dump (115 KB), median of 5.
Everything needed ships in the repository: no ../shared/ at run time. Figures are printed,
never asserted (the unit tests assert behaviour).
"""

import argparse
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "eval"
# The texts the gold annotations point into, read where they live (no copies to drift).
TEXTS = {
    "demo-dump.txt": ROOT / "annotations" / "demo" / "demo-dump.txt",
    "news-dump.txt": ROOT / "tests" / "fixtures" / "corpus" / "news-dump.txt",
}
SPLITS = {"dev": "DEV", "test": "old TEST (tuned on since)", "test2": "TEST2 (frozen)"}
sys.path.insert(0, str(ROOT))

# Speakers that are no speaker at all: a sign the attribution was misread.
FUNCTION_WORDS = set(
    """a an the and or but of in on at to for from by with as that this these those it he she
    they we i you who which what there here his her its their our is are was were be been has
    have had will would said says""".split()
)


def configure_django() -> None:
    # The dump parser lives beside the models; no database is opened.
    os.environ.setdefault("WORKBENCH_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    import django

    django.setup()


@dataclass
class Article:
    file: str
    index: int
    split: str = ""
    tasks: set = field(default_factory=set)
    body: str = ""
    numbers: list = field(
        default_factory=list
    )  # (start, end, type, value, unit, qualifier, counts)
    quotations: list = field(default_factory=list)  # (start, end, speaker)


def _occurrence(body: str, text: str, k: int, after: int = 0) -> int:
    """Index of the k-th whole-word occurrence of `text` in body from `after`."""
    left = r"(?<!\w)" if text[:1].isalnum() else ""
    right = r"(?!\w)" if text[-1:].isalnum() else ""
    matches = list(re.finditer(left + re.escape(text) + right, body[after:]))
    if len(matches) < k:
        raise ValueError(f"{text!r} occurs {len(matches)} times, not {k}")
    return after + matches[k - 1].start()


def _snippet(field_text: str) -> tuple[str, int]:
    text, _, k = field_text.strip().rpartition("@")
    if text and k.isdigit():
        return text, int(k)
    return field_text.strip(), 1


def load_gold(path: Path = EVAL / "gold.txt") -> list[Article]:
    from annotations.importers import parse_dump

    bodies: dict[str, list[str]] = {}
    articles: list[Article] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, _, rest = line.partition(":")
        if key in ("article", "split", "tasks") and "|" not in key:
            if key == "article":
                file, index = (part.strip() for part in rest.split("|"))
                if file not in bodies:
                    text = TEXTS[file].read_text(encoding="utf-8")
                    bodies[file] = [parsed.body for parsed in parse_dump(text, filename=file)]
                articles.append(Article(file, int(index), body=bodies[file][int(index)]))
            elif key == "split":
                articles[-1].split = rest.strip()
            else:
                articles[-1].tasks = set(rest.split())
            continue
        article = articles[-1]
        fields = [part.strip() for part in line.split("|")]
        try:
            if fields[0] == "N":
                exact, k = _snippet(fields[1])
                start = _occurrence(article.body, exact, k)
                article.numbers.append((start, start + len(exact), *fields[2:7]))
            elif fields[0] == "Q":
                first, k = _snippet(fields[1])
                last, _ = _snippet(fields[2])
                start = _occurrence(article.body, first, k)
                if article.body[start] not in '“"«„':
                    raise ValueError("a quotation starts at its opening mark")
                end = article.body.index(last, start) + len(last)
                article.quotations.append((start, end, fields[3]))
            else:
                raise ValueError(f"unknown line kind {fields[0]!r}")
        except (ValueError, IndexError) as error:
            raise SystemExit(f"{path.name}:{number}: {error}: {line}") from error
    return articles


def value_key(kind: str, proposal) -> str:
    """The value to compare, by type: the figure, the ISO date, or LOW..HIGH."""
    details = proposal.details
    if kind == "date":
        return details.get("iso_date") or "-"
    if kind == "range":
        return f"{details.get('low')}..{details.get('high')}"
    if kind == "vague":
        return "-"
    if kind == "time":
        return details.get("time") or "-"
    if kind == "score":
        return "..".join(str(side) for side in details.get("sides", [])) or "-"
    value = proposal.attributes["number_value"]
    return "-" if value is None else str(value)


def same_value(gold: str, predicted: str) -> bool:
    try:
        return Decimal(gold) == Decimal(predicted)
    except ArithmeticError:
        return gold == predicted


def prf(true_positives: int, predicted: int, gold: int) -> str:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}  (gold {gold}, proposed {predicted})"


def ratio(right: int, total: int) -> str:
    return f"{right / total:.3f} ({right}/{total})" if total else "n/a"


def evaluate_numbers(articles, show_errors: bool) -> None:
    from annotations.suggest.numbers import find_numbers

    gold_total = predicted_total = matched = 0
    per_type = defaultdict(lambda: [0, 0, 0])  # tp, predicted, gold
    values_right = values_total = counts_right = counts_total = 0
    for article in articles:
        gold = {(start, end): rest for start, end, *rest in article.numbers}
        proposals = {(p.start, p.end): p for p in find_numbers(article.body)}
        gold_total += len(gold)
        predicted_total += len(proposals)
        for proposal in proposals.values():
            per_type[proposal.details["type"]][1] += 1
        for span, (kind, value, _unit, _qualifier, counts) in gold.items():
            per_type[kind][2] += 1
            written = repr(article.body[span[0] : span[1]])
            proposal = proposals.get(span)
            if proposal is None:
                if show_errors:
                    print(f"    missed {kind:8} {article.body[span[0] : span[1]]!r} at {span[0]}")
                continue
            matched += 1
            if proposal.details["type"] == kind:
                per_type[kind][0] += 1
            elif show_errors:
                print(f"    type {written}: {proposal.details['type']} not {kind}")
            if value != "-" or kind == "vague":
                values_total += 1
                predicted_value = value_key(kind, proposal)
                if same_value(value, predicted_value):
                    values_right += 1
                elif show_errors:
                    print(f"    value {written}: {predicted_value} not {value}")
            if counts != "-":
                counts_total += 1
                if proposal.attributes["number_counts"] == counts:
                    counts_right += 1
                elif show_errors:
                    print(
                        f"    counts {article.body[span[0] : span[1]]!r}: "
                        f"{proposal.attributes['number_counts']!r} not {counts!r}"
                    )
        if show_errors:
            for span in proposals.keys() - gold.keys():
                context = article.body[max(0, span[0] - 30) : span[1] + 20]
                print(f"    extra  {article.body[span[0] : span[1]]!r} at {span[0]}: {context!r}")
    print(f"  numbers (exact span)     {prf(matched, predicted_total, gold_total)}")
    for kind in sorted(per_type):
        tp, predicted, gold = per_type[kind]
        print(f"    {kind:10} (span+type) {prf(tp, predicted, gold)}")
    print(f"  number value right       {ratio(values_right, values_total)}")
    print(f"  what it counts right     {ratio(counts_right, counts_total)}")


def _overlap(a, b) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / max(a[1] - a[0], b[1] - b[0])


def evaluate_quotations(articles, show_errors: bool) -> None:
    from annotations.suggest.quotations import find_quotations

    gold_total = predicted_total = exact = overlapping = 0
    speakers_right = speakers_total = function_word_speakers = abstained = 0
    for article in articles:
        proposals = find_quotations(article.body)
        predicted_total += len(proposals)
        gold_total += len(article.quotations)
        for proposal in proposals:
            speaker = proposal.attributes["speaker"]
            if speaker and (speaker.lower() in FUNCTION_WORDS or len(speaker) < 2):
                function_word_speakers += 1
        used = set()
        for start, end, speaker in article.quotations:
            best = max(
                (p for p in proposals if id(p) not in used),
                key=lambda p: _overlap((p.start, p.end), (start, end)),
                default=None,
            )
            if best is None or _overlap((best.start, best.end), (start, end)) < 0.5:
                if show_errors:
                    print(f"    missed quotation {article.body[start : start + 50]!r}")
                continue
            used.add(id(best))
            overlapping += 1
            exact += (best.start, best.end) == (start, end)
            if speaker != "-":
                speakers_total += 1
                if best.attributes["speaker"] == speaker:
                    speakers_right += 1
                    continue
                if not best.attributes["speaker"]:
                    abstained += 1
                if show_errors:
                    print(
                        f"    speaker {best.attributes['speaker']!r} not {speaker!r}: "
                        f"{article.body[start : start + 40]!r}"
                    )
        if show_errors:
            for proposal in proposals:
                if id(proposal) not in used:
                    extra = article.body[proposal.start : proposal.start + 50]
                    print(f"    extra quotation {extra!r}")
    print(f"  quotations (exact span)  {prf(exact, predicted_total, gold_total)}")
    print(f"  quotations (overlap≥50%) {prf(overlapping, predicted_total, gold_total)}")
    print(f"  speaker exactly right    {ratio(speakers_right, speakers_total)}")
    # A wrong speaker misleads the annotator; an empty one only leaves work to do.
    wrong = speakers_total - speakers_right - abstained
    print(f"    no speaker (abstained) {ratio(abstained, speakers_total)}")
    print(f"    wrong speaker          {ratio(wrong, speakers_total)}")
    print(f"  function-word speakers   {function_word_speakers}")


def evaluate_claims() -> None:
    from annotations.suggest import claims

    model = claims.shipped_model()
    test_sentences, test_labels = claims.read_labelled(claims.TEST_PATH)
    figures = claims.evaluate(model, test_sentences, test_labels)
    print(
        f"  ClaimBuster test file    AP {figures['average_precision']:.3f}  "
        f"P {figures['precision']:.3f}  R {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
        f"  ({figures['sentences']} sentences)"
    )
    # The shipped model learnt from the dev and old test news sentences: its figure there
    # would flatter it. The grouped cross-validation of `train_checkworthy` stands in.
    cross_validation = model.metrics.get("news grouped cross-validation")
    if cross_validation:
        print(
            f"  news dev+old test        AP {cross_validation['average_precision']:.3f}  "
            f"({cross_validation['folds']}-fold cross-validation grouped by article, "
            f"{cross_validation['sentences']} sentences of {cross_validation['articles']} "
            "articles, as computed by train_checkworthy)"
        )
    news = claims.read_news()
    held_out = [row for row in news if row.split not in claims.NEWS_TRAINING_SPLITS]
    labels = [row.label for row in held_out]
    figures = claims.evaluate(model, [row.text for row in held_out], labels)
    print(
        f"  news TEST2 (held out)    AP {figures['average_precision']:.3f}  "
        f"P {figures['precision']:.3f}  R {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
        f"  ({figures['sentences']} sentences, {sum(labels)} check-worthy)"
    )


def time_engines(runs: int = 5) -> None:
    from annotations.suggest.claims import find_claims, shipped_model
    from annotations.suggest.numbers import find_numbers
    from annotations.suggest.quotations import find_quotations

    text = TEXTS["news-dump.txt"].read_text(encoding="utf-8")
    shipped_model.cache_clear()
    started = time.process_time()
    shipped_model()
    print(f"  model load               {time.process_time() - started:.3f} s (once per process)")
    for name, engine in (
        ("numbers", find_numbers),
        ("quotations", find_quotations),
        ("claims", find_claims),
    ):
        durations = []
        for _ in range(runs):
            started = time.process_time()
            proposals = engine(text)
            durations.append(time.process_time() - started)
        print(
            f"  {name:11} {statistics.median(durations):.3f} s CPU over {len(text) / 1000:.0f} KB "
            f"({len(proposals)} proposals; median of {runs})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list misses and extras")
    options = parser.parse_args()
    configure_django()
    articles = load_gold()
    for split, title in SPLITS.items():
        chosen = [a for a in articles if a.split == split]
        numbers = [a for a in chosen if "numbers" in a.tasks]
        quotations = [a for a in chosen if "quotations" in a.tasks]
        print(f"-- {title}")
        print("   numbers of " + ", ".join(f"{a.file}#{a.index}" for a in numbers))
        evaluate_numbers(numbers, options.show_errors)
        print("   quotations of " + ", ".join(f"{a.file}#{a.index}" for a in quotations))
        evaluate_quotations(quotations, options.show_errors)
    print("-- check-worthiness")
    evaluate_claims()
    print("-- speed (one core)")
    time_engines()


if __name__ == "__main__":
    main()
