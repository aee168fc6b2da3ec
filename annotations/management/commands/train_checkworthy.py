"""`manage.py train_checkworthy`: rebuild the check-worthiness model and print its figures.

Trains on the shipped ClaimBuster training sentences (or `--train FILE`) and on the team's
labelled news sentences of the dev and test splits (`--news FILE`, each weighing
`claims.NEWS_WEIGHT` debate sentences), then prints: average precision on the shipped
ClaimBuster test sentences (or `--test FILE`) before and after; on the news sentences by
cross-validation grouped by article (`--folds`, 0 to skip: a fold's model never saw that
article); and on the news test2 sentences, which no model was trained or tuned on. Writes
the JSON model (`--output`, by default the shipped one). The same data gives the same
bytes, so a retrained model that did not change shows no diff. Needs scikit-learn (a dev
dependency).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.suggest import claims


class Command(BaseCommand):
    help = "Train the check-worthiness model on ClaimBuster and news sentences; print metrics."
    # Files in, a file out: no database, so no system checks (they open a connection).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--train", type=Path, default=claims.TRAIN_PATH)
        parser.add_argument("--test", type=Path, default=claims.TEST_PATH)
        parser.add_argument("--news", type=Path, default=claims.NEWS_PATH)
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--output", type=Path, default=claims.MODEL_PATH)

    def handle(self, *args, train, test, news, folds, output, **options):
        try:
            import sklearn  # noqa: F401
        except ImportError as error:
            raise CommandError(
                "Training needs scikit-learn: pip install -e '.[dev]' (scoring does not)."
            ) from error
        if folds < 0 or folds == 1:
            raise CommandError("--folds is 0 (no cross-validation) or at least 2.")
        try:
            sentences, labels = claims.read_labelled(train)
            test_sentences, test_labels = claims.read_labelled(test)
            news_rows = claims.read_news(news)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Cannot read the labelled sentences: {error}") from error
        training_news = [row for row in news_rows if row.split in claims.NEWS_TRAINING_SPLITS]
        held_out = [row for row in news_rows if row.split not in claims.NEWS_TRAINING_SPLITS]

        before = None
        if output.exists():
            try:
                before = claims.CheckworthyModel.load(output)
            except (ValueError, KeyError) as error:
                self.stderr.write(f"The current model at {output} is unreadable ({error}).")
        self.stdout.write(
            f"Training on {len(sentences)} sentences ({sum(labels)} check-worthy) from {train}"
            f" and {len(training_news)} news sentences "
            f"({sum(row.label for row in training_news)} check-worthy, weight "
            f"{claims.NEWS_WEIGHT:g}) from {news}"
        )
        document = claims.train_model(
            sentences, labels, news=[(row.text, row.label) for row in training_news]
        )
        model = claims.CheckworthyModel(document)
        after = claims.evaluate(model, test_sentences, test_labels)
        metrics = {test.name: after}
        if before is not None:
            self.stdout.write(
                f"before ({before.version}): "
                + _figures(claims.evaluate(before, test_sentences, test_labels))
            )
        self.stdout.write(f"after  ({model.version}): " + _figures(after))
        if held_out:
            figures = claims.evaluate(
                model, [row.text for row in held_out], [row.label for row in held_out]
            )
            metrics["news held out"] = figures
            self.stdout.write("news held out (never trained on): " + _figures(figures))
        if folds and len({row.article for row in training_news}) >= 2:
            figures = claims.grouped_cross_validation(sentences, labels, training_news, folds)
            metrics["news grouped cross-validation"] = figures
            self.stdout.write(
                f"news, {figures['folds']}-fold cross-validation grouped by article: average "
                f"precision {figures['average_precision']:.4f} on {figures['sentences']} "
                f"sentences of {figures['articles']} articles"
            )
        document["metrics"] = metrics
        output.write_text(
            json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
            encoding="utf-8",
        )
        self.stdout.write(f"Wrote {output}")


def _figures(metrics: dict) -> str:
    return (
        f"average precision {metrics['average_precision']:.4f}, precision "
        f"{metrics['precision']:.4f}, recall {metrics['recall']:.4f}, F1 {metrics['f1']:.4f} "
        f"on {metrics['sentences']} test sentences"
    )
