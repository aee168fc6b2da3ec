"""`manage.py train_checkworthy`: rebuilds the model from labelled sentences, prints metrics."""

import gzip
import json

import pytest
from django.core.management import CommandError, call_command

from annotations.suggest import claims

pytest.importorskip("sklearn")

ROWS = [
    {"sentence_id": n, "label": label, "text": text}
    for n, (text, label) in enumerate(
        [
            ("Unemployment fell to 4.1 percent last year.", 1),
            ("We spent $3 billion on the new bridge.", 1),
            ("The deficit doubled between 2001 and 2008.", 1),
            ("Crime rose by 30 percent in 2019.", 1),
            ("I believe in this country.", 0),
            ("Thank you very much.", 0),
            ("We must do better for our children.", 0),
            ("That is a great question.", 0),
        ]
    )
]


@pytest.fixture
def sample(tmp_path):
    train = tmp_path / "train.json.gz"
    with gzip.open(train, "wt", encoding="utf-8") as handle:
        json.dump(ROWS, handle)
    test = tmp_path / "test.json"
    test.write_text(json.dumps(ROWS[:2] + ROWS[-2:]), encoding="utf-8")
    return train, test, tmp_path / "model.json"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("train_checkworthy", *args, stdout=out)
    return out.getvalue()


def test_it_trains_writes_a_loadable_model_and_prints_its_metrics(sample):
    train, test, output = sample
    printed = run("--train", str(train), "--test", str(test), "--output", str(output))
    assert "Training on 8 sentences (4 check-worthy)" in printed
    assert "average precision" in printed and "on 4 test sentences" in printed
    model = claims.CheckworthyModel.load(output)
    assert model.metrics["test.json"]["sentences"] == 4


def test_it_gives_the_same_bytes_twice_and_prints_before_and_after(sample):
    train, test, output = sample
    run("--train", str(train), "--test", str(test), "--output", str(output))
    first = output.read_bytes()
    printed = run("--train", str(train), "--test", str(test), "--output", str(output))
    assert output.read_bytes() == first
    assert "before (" in printed and "after  (" in printed


def test_it_refuses_an_unreadable_training_file(sample, tmp_path):
    _train, test, output = sample
    broken = tmp_path / "broken.json"
    broken.write_text("[{]", encoding="utf-8")
    with pytest.raises(CommandError, match="Cannot read"):
        run("--train", str(broken), "--test", str(test), "--output", str(output))
    assert not output.exists()
