"""`manage.py train_checkworthy`: rebuild the check-worthiness model and print its figures.

Trains on the shipped ClaimBuster training sentences (or `--train FILE`), evaluates on the
shipped ClaimBuster test sentences (or `--test FILE`) before and after, and writes the JSON
model (`--output`, by default the shipped one). The same data gives the same bytes, so a
retrained model that did not change shows no diff. Needs scikit-learn (a dev dependency).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.suggest import claims


class Command(BaseCommand):
    help = "Train the check-worthiness model on ClaimBuster sentences and print its metrics."
    # Files in, a file out: no database, so no system checks (they open a connection).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--train", type=Path, default=claims.TRAIN_PATH)
        parser.add_argument("--test", type=Path, default=claims.TEST_PATH)
        parser.add_argument("--output", type=Path, default=claims.MODEL_PATH)

    def handle(self, *args, train, test, output, **options):
        try:
            import sklearn  # noqa: F401
        except ImportError as error:
            raise CommandError(
                "Training needs scikit-learn: pip install -e '.[dev]' (scoring does not)."
            ) from error
        try:
            sentences, labels = claims.read_labelled(train)
            test_sentences, test_labels = claims.read_labelled(test)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Cannot read the labelled sentences: {error}") from error

        before = None
        if output.exists():
            try:
                before = claims.CheckworthyModel.load(output)
            except (ValueError, KeyError) as error:
                self.stderr.write(f"The current model at {output} is unreadable ({error}).")
        self.stdout.write(
            f"Training on {len(sentences)} sentences ({sum(labels)} check-worthy) from {train}"
        )
        document = claims.train_model(sentences, labels)
        model = claims.CheckworthyModel(document)
        after = claims.evaluate(model, test_sentences, test_labels)
        document["metrics"] = {test.name: after}
        if before is not None:
            self.stdout.write(
                f"before ({before.version}): "
                + _figures(claims.evaluate(before, test_sentences, test_labels))
            )
        self.stdout.write(f"after  ({model.version}): " + _figures(after))
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
