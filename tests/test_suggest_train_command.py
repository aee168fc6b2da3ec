"""`manage.py train_checkworthy`: rebuilds the model from labelled sentences, prints metrics."""

import gzip
import json
from pathlib import Path

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


NEWS = """# label	split	article	sentence
1	dev	news 1	Trade reached US$518.4 billion in 2024.
0	dev	news 1	The two sides should deepen their friendship.
1	dev	news 2	The forum was held in Beijing on May 13, 2025.
0	dev	news 2	China is ready to work with all parties.
1	test	news 3	Some 1,086 people were killed in February and March.
0	test	news 3	We hope that peace will prevail.
1	test	news 4	Exports fell 9 percent in March.
0	test	news 4	What a wonderful day it was.
1	test2	news 5	The port handled 40 million tonnes last year.
0	test2	news 5	Friendship is our glorious tradition.
"""


@pytest.fixture
def sample(tmp_path):
    train = tmp_path / "train.json.gz"
    with gzip.open(train, "wt", encoding="utf-8") as handle:
        json.dump(ROWS, handle)
    test = tmp_path / "test.json"
    test.write_text(json.dumps(ROWS[:2] + ROWS[-2:]), encoding="utf-8")
    news = tmp_path / "news.tsv"
    news.write_text(NEWS, encoding="utf-8")
    return train, test, tmp_path / "model.json"


def run(*args) -> str:
    from io import StringIO

    # The sample's news file unless the test names one; no cross-validation unless asked.
    if "--news" not in args:
        args = (*args, "--news", str(Path(args[1]).parent / "news.tsv"))
    if "--folds" not in args:
        args = (*args, "--folds", "0")
    out = StringIO()
    call_command("train_checkworthy", *args, stdout=out)
    return out.getvalue()


def test_it_trains_writes_a_loadable_model_and_prints_its_metrics(sample):
    train, test, output = sample
    printed = run("--train", str(train), "--test", str(test), "--output", str(output))
    assert "Training on 8 sentences (4 check-worthy)" in printed
    assert "and 8 news sentences (4 check-worthy, weight 5)" in printed
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


def test_it_reports_the_held_out_news_and_the_cross_validation_grouped_by_article(sample):
    train, test, output = sample
    printed = run(
        "--train", str(train), "--test", str(test), "--output", str(output), "--folds", "2"
    )
    assert "news held out (never trained on): average precision" in printed
    assert "on 2 test sentences" in printed
    assert "2-fold cross-validation grouped by article" in printed
    assert "on 8 sentences of 4 articles" in printed
    metrics = claims.CheckworthyModel.load(output).metrics
    assert metrics["news grouped cross-validation"]["folds"] == 2
    assert metrics["news held out"]["sentences"] == 2


def test_it_refuses_one_fold(sample):
    train, test, output = sample
    with pytest.raises(CommandError, match="--folds"):
        run("--train", str(train), "--test", str(test), "--output", str(output), "--folds", "1")
    assert not output.exists()


def test_it_refuses_a_news_file_without_articles(sample, tmp_path):
    train, test, output = sample
    broken = tmp_path / "old-news.tsv"
    broken.write_text("1\tdev\tTrade reached US$518.4 billion in 2024.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="expected label, split, article, sentence"):
        run(
            "--train",
            str(train),
            "--test",
            str(test),
            "--output",
            str(output),
            "--news",
            str(broken),
        )
    assert not output.exists()
