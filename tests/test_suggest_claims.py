"""The check-worthiness engine: the shipped JSON model, scoring without scikit-learn, training."""

import json

import pytest

from annotations.suggest import claims

FACTUAL = "China has provided LAC countries with 17,000 government scholarships since 2015."
OPINION = "Independence and autonomy are our glorious tradition."

# A small labelled sample (ClaimBuster-style), enough to fit and compare in milliseconds.
SAMPLE = [
    ("Unemployment fell to 4.1 percent last year.", 1),
    ("We spent $3 billion on the new bridge.", 1),
    ("The deficit doubled between 2001 and 2008.", 1),
    ("Taxes went up 12 percent under his plan.", 1),
    ("Crime rose by 30 percent in 2019.", 1),
    ("I believe in this country.", 0),
    ("Thank you very much.", 0),
    ("We must do better for our children.", 0),
    ("That is a great question.", 0),
    ("I love this state and its people.", 0),
    ("The plan cost $700 million and created 3,000 jobs.", 1),
    ("Let me be clear about that.", 0),
]


def test_the_shipped_model_loads_and_scores_in_the_unit_interval():
    model = claims.shipped_model()
    assert model.version.startswith("1.")
    for sentence in (FACTUAL, OPINION, "", "0"):
        assert 0.0 <= model.score(sentence) <= 1.0


def test_a_factual_sentence_with_figures_outscores_an_opinion():
    model = claims.shipped_model()
    assert model.score(FACTUAL) > 0.5 > model.score(OPINION)


def test_find_claims_proposes_check_worthy_sentences_with_their_offsets():
    body = f"{OPINION} {FACTUAL}\n\nThank you."
    proposals = claims.find_claims(body)
    assert [body[p.start : p.end] for p in proposals] == [FACTUAL]
    (proposal,) = proposals
    assert proposal.kind == "claim"
    assert proposal.attributes == {"claimant": "", "check_worthy": True}
    assert proposal.engine == "checkworthy"
    assert proposal.version == claims.shipped_model().version
    assert claims.find_claims(body) == proposals


def test_the_plain_python_scores_equal_scikit_learn_s():
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    sentences = [sentence for sentence, _ in SAMPLE]
    labels = [label for _, label in SAMPLE]
    document = claims.train_model(sentences, labels)
    model = claims.CheckworthyModel(document)

    vectorizers = claims._vectorizers()
    matrix = claims.feature_matrix(vectorizers, sentences, fit=True)
    classifier = LogisticRegression(
        C=claims.REGULARISATION_C, class_weight="balanced", max_iter=5000
    ).fit(matrix, labels)
    probe = [FACTUAL, OPINION, "Exports rose 7 percent to US$518.4 billion."]
    probe_matrix = claims.feature_matrix(vectorizers, probe, fit=False)
    expected = classifier.predict_proba(probe_matrix)[:, 1]
    for sentence, probability in zip(probe, expected, strict=True):
        assert model.score(sentence) == pytest.approx(probability, abs=1e-4)


def test_training_is_deterministic_and_takes_extra_labelled_sentences():
    pytest.importorskip("sklearn")
    sentences = [sentence for sentence, _ in SAMPLE]
    labels = [label for _, label in SAMPLE]
    first = json.dumps(claims.train_model(sentences, labels), sort_keys=True)
    assert json.dumps(claims.train_model(sentences, labels), sort_keys=True) == first
    extra = [("Exports fell 9 percent in March.", 1), ("What a wonderful day.", 0)]
    with_extra = claims.train_model(sentences, labels, extra=extra)
    assert with_extra["trained_on"] == {"sentences": 14, "check_worthy": 7, "in_domain": 2}
    assert with_extra["version"] != json.loads(first)["version"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Trade reached US$518.4 billion in 2024.", 1.0),
        ("The forum met on May 13.", 1.0),
        ("It saved hundreds of millions of lives.", 1.0),
        ("The two sides held talks.", 0.0),  # a small number word is no figure
        ("The first visit was a success.", 0.0),
        ("Unity is our glorious tradition.", 0.0),
    ],
)
def test_has_figure_uses_the_numbers_engine(sentence, expected):
    assert claims.has_figure(sentence) == expected


def test_training_needs_both_labels():
    pytest.importorskip("sklearn")
    with pytest.raises(ValueError, match="check-worthy"):
        claims.train_model(["Taxes rose 3 percent."], [1])


def test_average_precision_matches_scikit_learn_with_ties():
    metrics = pytest.importorskip("sklearn.metrics")
    labels = [1, 0, 1, 1, 0, 0, 1, 0]
    scores = [0.9, 0.8, 0.8, 0.4, 0.4, 0.2, 0.1, 0.1]
    assert claims.average_precision(labels, scores) == pytest.approx(
        metrics.average_precision_score(labels, scores)
    )


def test_news_sentences_weigh_more_than_debate_sentences_and_change_the_version():
    pytest.importorskip("sklearn")
    sentences = [sentence for sentence, _ in SAMPLE]
    labels = [label for _, label in SAMPLE]
    news = [("The two sides signed 26 documents.", 1), ("The two sides are friends.", 0)]
    light = claims.train_model(sentences, labels, news=news, news_weight=1.0)
    heavy = claims.train_model(sentences, labels, news=news, news_weight=5.0)
    assert light["version"] != heavy["version"]
    assert heavy["parameters"]["news_weight"] == 5.0
    probe = "The two sides signed 26 documents."
    assert claims.CheckworthyModel(heavy).score(probe) > claims.CheckworthyModel(light).score(probe)


def row(text, label, article):
    return claims.NewsSentence(text, label, "dev", article)


def test_articles_that_share_a_sentence_are_one_group():
    news = [
        row("China and LAC countries are members of the Global South.", 0, "news 0"),
        row("The forum was held on May 13.", 1, "news 0"),
        row("China and LAC countries are members of the Global South.", 0, "news 1"),
        row("Trade rose 7 percent.", 1, "news 2"),
    ]
    groups = claims.story_groups(news)
    assert groups[0] == groups[1] == groups[2] != groups[3]


def test_a_fold_s_model_never_trains_on_the_article_it_scores(monkeypatch):
    pytest.importorskip("sklearn")
    sentences = [sentence for sentence, _ in SAMPLE]
    labels = [label for _, label in SAMPLE]
    news = [
        row(f"In article {article} exports rose {n} percent.", 1, f"news {article}")
        for article in range(4)
        for n in (3, 5)
    ] + [
        row(f"Article {article} is about friendship.", 0, f"news {article}") for article in range(4)
    ]
    trained_on = []
    original = claims.train_model

    def recording(*args, **kwargs):
        trained_on.append({text for text, _label in kwargs["news"]})
        return original(*args, **kwargs)

    scored = []
    original_score = claims.CheckworthyModel.score

    def scoring(self, sentence):
        scored.append((len(trained_on) - 1, sentence))
        return original_score(self, sentence)

    monkeypatch.setattr(claims, "train_model", recording)
    monkeypatch.setattr(claims.CheckworthyModel, "score", scoring)
    figures = claims.grouped_cross_validation(sentences, labels, news, folds=4)
    assert figures["folds"] == 4 and figures["sentences"] == 12
    article_of = {r.text: r.article for r in news}
    for fold, sentence in scored:
        assert article_of[sentence] not in {article_of[text] for text in trained_on[fold]}
    assert len(scored) == len(news)
