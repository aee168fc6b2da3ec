"""The agreement measures of annotations/agreement.py, against the literature and by hand.

Published worked examples: Krippendorff (2004, Content Analysis 2nd ed., p. 254) for the
unitized alpha, Krippendorff (1995, Sociological Methodology 25) for its observed and
continuous-limit figures, Krippendorff (2011, "Computing Krippendorff's Alpha-Reliability")
and the Wikipedia example for nominal, ordinal and interval alpha. The hand-computed cases
spell out their arithmetic so that a reader can check them without the code.
"""

import json
import random
import sys
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import agreement
from annotations.agreement import (
    KINDS,
    NOTHING,
    VERDICT_RATINGS,
    ArticleSpans,
    AttributeAgreement,
    Span,
    SpanCounts,
    UnitizedAlpha,
    alpha_across_kinds,
    article_agreement,
    attribute_agreement,
    corpus_agreement,
    kind_confusion,
    krippendorff_alpha,
    match_by_overlap,
    merge_units,
    overlapping_pairs,
    verdict_agreement,
)
from annotations.models import VERDICT_RATINGS as MODEL_VERDICT_RATINGS
from annotations.models import Kind


def claim(start, end, **attributes):
    return Span(start, end, "claim", attributes)


def number(start, end, **attributes):
    return Span(start, end, "number", attributes)


def quotation(start, end, **attributes):
    return Span(start, end, "quotation", attributes)


def alpha_u(length, *coders):
    return UnitizedAlpha.from_units(length, list(coders))


# --- The vocabulary stays the models' -----------------------------------------------------


def test_kinds_and_verdict_scale_are_those_of_the_models():
    assert KINDS == tuple(Kind.values)
    assert VERDICT_RATINGS == {
        str(verdict): rating for verdict, rating in MODEL_VERDICT_RATINGS.items()
    }


# --- Inputs are checked ----------------------------------------------------------------------


@pytest.mark.parametrize("start, end", [(3, 3), (5, 2), (-1, 4)])
def test_an_empty_or_negative_span_is_refused(start, end):
    with pytest.raises(ValueError, match="empty or negative"):
        Span(start, end, "claim")


def test_a_span_past_the_body_is_refused():
    with pytest.raises(ValueError, match="ends after the body"):
        ArticleSpans(10, {"anna": [claim(5, 11)], "arno": []})


def test_agreement_needs_two_annotators():
    with pytest.raises(ValueError, match="two or more annotators"):
        ArticleSpans(10, {"anna": [claim(0, 5)]})


# --- Overlap matching -----------------------------------------------------------------------


def test_overlapping_pairs_finds_spans_sharing_a_character_and_not_touching_ones():
    first = [claim(0, 5), claim(10, 20)]
    second = [claim(5, 10), claim(4, 6), claim(19, 30)]
    assert sorted(overlapping_pairs(first, second)) == [(0, 1), (1, 2)]


spans_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 12), st.sampled_from(KINDS)).map(
        lambda t: Span(t[0], t[0] + t[1], t[2])
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(spans_strategy, spans_strategy)
def test_overlapping_pairs_are_exactly_the_pairs_that_overlap(first, second):
    expected = {
        (i, j)
        for i, a in enumerate(first)
        for j, b in enumerate(second)
        if a.start < b.end and b.start < a.end
    }
    found = overlapping_pairs(first, second)
    assert len(found) == len(set(found))
    assert set(found) == expected


@settings(max_examples=100, deadline=None)
@given(spans_strategy, spans_strategy)
def test_the_overlap_matching_is_one_to_one_same_kind_and_maximal(first, second):
    matching = match_by_overlap(first, second)
    assert len({i for i, _ in matching}) == len({j for _, j in matching}) == len(matching)
    for i, j in matching:
        a, b = first[i], second[j]
        assert a.kind == b.kind and a.start < b.end and b.start < a.end
    # Maximal: no two unmatched spans of the same kind that overlap are left over.
    free_first = set(range(len(first))) - {i for i, _ in matching}
    free_second = set(range(len(second))) - {j for _, j in matching}
    for i in free_first:
        for j in free_second:
            a, b = first[i], second[j]
            assert not (a.kind == b.kind and a.start < b.end and b.start < a.end)


def test_the_matching_pairs_identical_spans_rather_than_maximising_the_count():
    # A maximum-cardinality matching would pair each big span with a small one and call
    # this perfect agreement; the small spans [8,10) and [0,2) do not correspond at all.
    first = [claim(0, 10), claim(8, 10)]
    second = [claim(0, 10), claim(0, 2)]
    assert match_by_overlap(first, second) == [(0, 0)]


def test_the_matching_takes_the_best_overlap_first():
    first = [claim(0, 10)]
    second = [claim(0, 4), claim(1, 11), claim(6, 10)]
    assert match_by_overlap(first, second) == [(0, 1)]  # IoU 9/11 beats 4/10 and 4/10


# --- Span F1 ------------------------------------------------------------------------------


def test_span_f1_counts_exact_and_overlapping_matches_by_hand():
    anna = [claim(0, 10), claim(20, 30), number(40, 45), number(50, 52)]
    arno = [claim(0, 10), claim(22, 30), number(40, 45), quotation(60, 70)]
    result = article_agreement(ArticleSpans(100, {"anna": anna, "arno": arno}))
    claims, numbers, quotations = (result.spans[kind] for kind in KINDS)
    assert claims == SpanCounts(first=2, second=2, exact=1, overlap=2)
    assert (claims.exact_f1, claims.overlap_f1) == (0.5, 1.0)
    assert numbers == SpanCounts(first=2, second=1, exact=1, overlap=1)
    assert numbers.exact_f1 == numbers.overlap_f1 == 2 / 3
    assert quotations == SpanCounts(first=0, second=1, exact=0, overlap=0)
    assert quotations.overlap_f1 == 0.0
    total = result.spans_total  # micro-average: 2·(2 + 1) / (4 + 4)
    assert total.overlap_f1 == 0.75 and total.exact_f1 == 0.5
    numbers_dict = numbers.to_dict()["overlap"]
    assert numbers_dict["precision"] == 1.0 and numbers_dict["recall"] == 0.5


def test_span_f1_is_symmetric():
    anna = [claim(0, 10), claim(20, 30), claim(31, 33)]
    arno = [claim(2, 10), claim(50, 60)]
    forward = article_agreement(ArticleSpans(100, {"a": anna, "b": arno})).spans["claim"]
    backward = article_agreement(ArticleSpans(100, {"a": arno, "b": anna})).spans["claim"]
    assert forward.overlap_f1 == backward.overlap_f1 == 2 * 1 / 5
    assert forward.exact_f1 == backward.exact_f1 == 0.0


def test_span_f1_is_undefined_when_neither_marked_anything_of_a_kind():
    result = article_agreement(ArticleSpans(50, {"a": [claim(0, 5)], "b": [claim(0, 5)]}))
    assert result.spans["number"].overlap_f1 is None
    assert result.spans["number"].exact_f1 is None
    assert result.spans["claim"].exact_f1 == 1.0


def test_a_duplicate_span_matches_once():
    result = article_agreement(
        ArticleSpans(50, {"a": [claim(0, 5), claim(0, 5)], "b": [claim(0, 5)]})
    )
    assert result.spans["claim"] == SpanCounts(first=2, second=1, exact=1, overlap=1)


# --- Unitized alpha: the published examples ----------------------------------------------


def krippendorff_2004_example():
    """Content Analysis (2004, p. 254): continuum 150–450, coders i and j, categories c, k.

    Units as (beginning, length); shifted by −150 to start the continuum at 0.
    """

    def units(*pairs):
        return [(begin - 150, begin - 150 + length) for begin, length in pairs]

    c = alpha_u(300, units((225, 70), (370, 30)), units((220, 80), (355, 20), (400, 20)))
    k = alpha_u(300, units((180, 60), (300, 50)), units((180, 60), (300, 50)))
    return c, k


def test_unitized_alpha_reproduces_krippendorff_2004_to_the_printed_precision():
    c, k = krippendorff_2004_example()
    assert round(float(c.observed), 4) == 0.0144
    assert round(float(c.expected), 4) == 0.0532
    assert round(c.alpha, 4) == 0.7286
    assert k.observed == 0
    assert round(float(k.expected), 4) == 0.0490
    assert k.alpha == 1.0
    # The overall alpha, 1 − ΣD_o/ΣD_e: the book prints .8591, computed from the rounded
    # figures above; unrounded it is .8587.
    assert round(1 - 0.0144 / (0.0532 + 0.0490), 4) == 0.8591
    assert round(alpha_across_kinds([c, k]), 4) == 0.8587


def test_unitized_alpha_2004_example_observed_disagreement_is_exact():
    # Pairs of c: δ² = 5² + 5² = 50 (225+70 vs 220+80), 15² + 25² = 850 (370+30 vs
    # 355+20), and j's unit 400+20 lies in i's gap: 20² = 400. D_o = 2·1300 / (2·1·300²).
    c, _ = krippendorff_2004_example()
    assert c.observed == Fraction(2 * 1300, 2 * 300 * 300)


def krippendorff_1995_example(name, stretch):
    """Krippendorff (1995, p. 57): four pairs of coders on a continuum of 24 (A to D).

    Units as (beginning, length), multiplied by `stretch` to approach the paper's
    continuous measure.
    """
    examples = {
        "A": [[(2, 8), (14, 6)], [(4, 4), (15, 2)]],
        "B": [[(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)]],
        "C": [[(2, 6), (10, 2), (14, 4), (20, 2)], [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)]],
        "D": [
            [(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)],
            [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)],
        ],
    }
    coders = [
        [(begin * stretch, (begin + length) * stretch) for begin, length in units]
        for units in examples[name]
    ]
    return alpha_u(24 * stretch, *coders)


@pytest.mark.parametrize(
    "name, observed", [("A", 0.03125), ("B", 2.26736), ("C", 0.02777), ("D", 0.38715)]
)
def test_unitized_alpha_reproduces_the_observed_disagreements_of_krippendorff_1995(name, observed):
    # Printed with five decimals (C truncated: 0.027777…); the observed disagreement
    # does not depend on the resolution.
    for stretch in (1, 1000):
        assert float(krippendorff_1995_example(name, stretch).observed) == pytest.approx(
            observed, abs=1e-5
        )


@pytest.mark.parametrize("name, expected, alpha", [("A", 0.06990, 0.553), ("D", 0.41445, 0.066)])
def test_unitized_alpha_reaches_krippendorff_1995_in_the_continuous_limit(name, expected, alpha):
    # The 1995 paper measures a continuous line; character positions are its discrete
    # form, and at 50,000 positions per unit of the paper the two agree to the printed
    # digits. (B and C are printed with D_e 1.17731 and .08642 where the formula gives
    # 1.1758 and .0905, alpha −.926 / .679 against −.928 / .693: DKPro Statistics, which
    # implements the same formula, reports the same gap and traces it to the paper.)
    result = krippendorff_1995_example(name, 50_000)
    assert round(float(result.expected), 5) == expected
    assert round(result.alpha, 3) == alpha


# --- Unitized alpha: hand-computed cases --------------------------------------------------


def test_unitized_alpha_is_one_for_perfect_agreement():
    units = [(0, 10), (20, 30), (50, 58)]
    assert alpha_u(100, units, units).alpha == 1.0
    assert alpha_u(100, units, units, units).alpha == 1.0


def test_unitized_alpha_is_negative_when_the_coders_never_agree():
    # L = 40, i: [0,10), j: [20,30). Each unit lies in the other's gap: δ² = 10² twice,
    # D_o = 2·200 / (2·1·40²) = 1/8. D_e: N = 2 units of 10, each (N−1)/3·(2000 − 300 + 10)
    # = 570; gaps of at least 10: 30, 20, 10 → (21 + 11 + 1)·10² = 3300; so
    # (2/40)·2·3870 / (80·79 − 2·90) = 387/6140. alpha = 1 − (1/8)/(387/6140) = −3044/3096.
    result = alpha_u(40, [(0, 10)], [(20, 30)])
    assert result.observed == Fraction(1, 8)
    assert result.expected == Fraction(387, 6140)
    assert result.alpha == pytest.approx(-3044 / 3096)
    assert result.alpha <= 0


def test_unitized_alpha_of_two_half_overlapping_spans_by_hand():
    # L = 20, i: [0,10), j: [5,15). δ² = 5² + 5² = 50, D_o = 2·50 / (2·1·20²) = 1/8.
    # D_e: 570 per unit as above; gaps 10 (i), 5 and 5 (j): only 10 is ≥ 10, room 1 →
    # 100; (2/20)·2·670 / (40·39 − 180) = 134/1380. alpha = 1 − 690/536 = −77/268.
    result = alpha_u(20, [(0, 10)], [(5, 15)])
    assert result.observed == Fraction(1, 8)
    assert result.expected == Fraction(134, 1380)
    assert result.alpha == pytest.approx(-77 / 268)
    # The same pair in a longer text is much more than chance: chance overlaps are rarer.
    assert alpha_u(100, [(0, 10)], [(5, 15)]).alpha == pytest.approx(0.6956, abs=1e-4)


def test_unitized_alpha_when_one_coder_marks_nothing():
    # L = 40, i: [0,10), j: nothing. D_o = 2·10² / (2·40²) = 1/16. D_e: N = 1, so no
    # unit-to-unit term; gaps 30 (i) and 40 (j): room 21 + 31 = 52 → 5200;
    # (2/40)·5200 / (80·79 − 90) = 26/623. alpha = 1 − 623/416 = −207/416.
    result = alpha_u(40, [(0, 10)], [])
    assert result.alpha == pytest.approx(-207 / 416)


def test_unitized_alpha_is_undefined_when_nobody_marks_anything():
    assert alpha_u(40, [], []).alpha is None


def test_a_coders_overlapping_spans_count_as_their_union_and_touching_ones_as_two():
    assert merge_units([(5, 9), (0, 6), (2, 3), (12, 15), (15, 18)]) == [
        (0, 9),
        (12, 15),
        (15, 18),
    ]
    nested = alpha_u(50, [(0, 10), (2, 5)], [(0, 10)])
    assert nested.alpha == 1.0
    split = alpha_u(50, [(0, 5), (5, 10)], [(0, 10)])
    assert split.alpha < 1.0


def test_unitized_alpha_pools_continua_laid_end_to_end():
    # Both coders mark the seam's last character, so no gap runs across it and pooling
    # the sums must equal alpha_u on the concatenated text.
    first = alpha_u(30, [(0, 10), (25, 30)], [(2, 10), (24, 30)])
    second = alpha_u(40, [(5, 15)], [(5, 12), (30, 35)])
    joined = alpha_u(70, [(0, 10), (25, 30), (35, 45)], [(2, 10), (24, 30), (35, 42), (60, 65)])
    pooled = first + second
    assert (pooled.observed, pooled.expected) == (joined.observed, joined.expected)
    with pytest.raises(ValueError, match="same number of coders"):
        first + alpha_u(30, [], [], [])


def test_unitized_alpha_with_three_coders_sits_between_the_pairs():
    anna, arno, rita = [(0, 10), (20, 30)], [(0, 10), (21, 30)], [(40, 45)]
    pairs = [alpha_u(100, a, b).alpha for a, b in ((anna, arno), (anna, rita), (arno, rita))]
    everyone = alpha_u(100, anna, arno, rita).alpha
    assert min(pairs) < everyone < max(pairs)


# --- Alpha for coded values --------------------------------------------------------------

MISSING = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units.
RELIABILITY_DATA_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, MISSING, MISSING, MISSING],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, MISSING, 3],
    [MISSING, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, MISSING],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, MISSING],
]


def units_of(rows):
    return [[row[u] for row in rows if row[u] is not MISSING] for u in range(len(rows[0]))]


@pytest.mark.parametrize(
    "level, alpha", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_reproduces_krippendorff_2011(level, alpha):
    assert round(krippendorff_alpha(units_of(RELIABILITY_DATA_2011), level), 3) == alpha


def test_alpha_reproduces_the_wikipedia_example():
    rows = [
        [MISSING, MISSING, MISSING, MISSING, MISSING, 3, 4, 1, 2, 1, 1, 3, 3, MISSING, 3],
        [1, MISSING, 2, 1, 3, 3, 4, 3] + [MISSING] * 7,
        [MISSING, MISSING, 2, 1, 3, 4, 4, MISSING, 2, 1, 1, 3, 3, MISSING, 4],
    ]  # fmt: skip
    assert round(krippendorff_alpha(units_of(rows), "nominal"), 3) == 0.691


def test_alpha_is_undefined_without_variation_or_pairable_values():
    assert krippendorff_alpha([[1, 1], [1, 1]]) is None  # one value only: no variation
    assert krippendorff_alpha([[1], [2]]) is None
    assert krippendorff_alpha([]) is None
    assert krippendorff_alpha([["a", "a"], ["b", "b"]]) == 1.0
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha([[1, 2], [2, 2]], "ratio")


# --- Attributes on matched spans ----------------------------------------------------------


def test_number_attributes_are_compared_on_matched_spans_only():
    anna = [
        number(0, 5, number_value=Decimal("1.50"), number_unit="USD"),
        number(10, 15, number_value=Decimal("7"), number_unit="%"),
        number(20, 25, number_value=Decimal("3"), number_unit=""),
        number(40, 45, number_value=Decimal("9"), number_unit="kg"),  # unmatched
    ]
    arno = [
        number(0, 5, number_value=Decimal("1.5"), number_unit=" usd "),
        number(11, 15, number_value=Decimal("8"), number_unit="%"),
        number(20, 25, number_value=Decimal("3"), number_unit="people"),
    ]
    result = article_agreement(ArticleSpans(50, {"anna": anna, "arno": arno}))
    value, unit = result.attributes["number_value"], result.attributes["number_unit"]
    assert (value.compared, value.agreed, value.one_sided, value.rate) == (3, 2, 0, 2 / 3)
    assert (unit.compared, unit.agreed, unit.one_sided, unit.rate) == (2, 2, 1, 1.0)
    # Nominal alpha over the pairs (1.5, 1.5), (7, 8), (3, 3): n = 6, o_cc = 4,
    # n_c = 2, 1, 1, 2 → 1 − 5·2 / (36 − 10) = 8/13.
    assert value.alpha == pytest.approx(8 / 13)
    assert unit.alpha == 1.0  # two different units, each given alike by both


def test_speakers_are_equal_after_normalising_case_spaces_and_punctuation():
    anna = [quotation(0, 10, speaker="  Olaf   SCHOLZ, "), quotation(20, 30, speaker="Merz")]
    arno = [quotation(0, 10, speaker="olaf scholz"), quotation(20, 30, speaker="Friedrich Merz")]
    result = article_agreement(ArticleSpans(50, {"anna": anna, "arno": arno}))
    speaker = result.attributes["speaker"]
    assert (speaker.compared, speaker.agreed) == (2, 1)


def test_check_worthiness_agreement_uses_nominal_alpha():
    flags = [(True, True), (False, False), (True, False), (None, True)]
    matched = [
        (claim(i * 10, i * 10 + 5, check_worthy=a), claim(i * 10, i * 10 + 5, check_worthy=b))
        for i, (a, b) in enumerate(flags)
    ]
    result = attribute_agreement(matched, "check_worthy")
    assert (result.compared, result.agreed, result.one_sided) == (3, 2, 1)
    # Pairs (T,T), (F,F), (T,F): n = 6, o_cc = 4, n_T = 3, n_F = 3 → 1 − 5·2/(36 − 18).
    assert result.alpha == pytest.approx(1 - 10 / 18)


def test_a_value_that_is_not_a_number_is_refused():
    matched = [(number(0, 2, number_value="abc"), number(0, 2, number_value="1"))]
    with pytest.raises(ValueError, match="not a number"):
        attribute_agreement(matched, "number_value")


def test_attribute_results_pool_by_adding():
    one = AttributeAgreement(((1, 1),), 1)
    two = AttributeAgreement(((1, 2),), 0)
    assert (one + two).pairs == ((1, 1), (1, 2)) and (one + two).one_sided == 1


# --- Verdicts -----------------------------------------------------------------------------


def test_verdict_agreement_reproduces_krippendorff_2011_ordinal_alpha_on_the_scale():
    verdict_of = {rating: verdict for verdict, rating in VERDICT_RATINGS.items() if rating}
    items = {
        unit: [verdict_of[rating] for rating in ratings]
        for unit, ratings in enumerate(units_of(RELIABILITY_DATA_2011))
    }
    result = verdict_agreement(items)
    assert round(result.alpha, 3) == 0.815
    assert result.items == 11  # unit 12 was decided by one reviewer only


def test_unverifiable_is_a_missing_value_for_alpha_but_counts_in_the_exact_rate():
    result = verdict_agreement(
        {
            1: ["accurate", "mostly_accurate", "unverifiable"],
            2: ["inaccurate", "inaccurate"],
            3: ["unverifiable", "unverifiable"],
            4: ["misleading"],
        }
    )
    assert result.items == 3 and result.unverifiable == 3
    assert result.ratings == ((5, 4), (1, 1), ())
    assert (result.pairs, result.agreeing) == (5, 2)
    # Ordinal alpha over (5, 4), (1, 1): n = 4 with n_1 = 2, n_4 = 1, n_5 = 1.
    # δ²(4,5) = (1 + 1 − 1)² = 1, δ²(1,4) = (2 + 1 − 1.5)² = 2.25, δ²(1,5) = (4 − 1.5)²
    # = 6.25. Observed Σ o·δ² = 2·1; expected Σ n_c·n_k·δ² = 2·(2·2.25 + 2·6.25 + 1) = 36;
    # alpha = 1 − (n − 1)·2/36.
    assert result.alpha == pytest.approx(1 - 6 / 36)
    assert result.to_dict()["rated_items"] == 2


def test_an_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="is not a verdict"):
        verdict_agreement({1: ["accurate", "true"]})


# --- Confusion between kinds --------------------------------------------------------------


def test_the_confusion_table_pairs_kinds_then_leaves_the_rest_facing_nothing():
    anna = [claim(0, 20), number(30, 35), quotation(40, 60), claim(70, 80)]
    arno = [claim(0, 18), claim(30, 36), quotation(40, 60), number(90, 95)]
    table = kind_confusion(anna, arno)
    assert table.count("claim", "claim") == 1
    assert table.count("number", "claim") == 1
    assert table.count("quotation", "quotation") == 1
    assert table.count("claim", NOTHING) == 1
    assert table.count(NOTHING, "number") == 1
    assert sum(table.counts.values()) == 5
    as_dict = table.to_dict()
    assert list(as_dict) == [*KINDS, NOTHING] and as_dict["number"]["claim"] == 1


def test_a_number_inside_a_matched_claim_is_not_taken_for_a_confusion():
    anna = [claim(0, 40), number(10, 15)]
    arno = [claim(0, 40)]
    table = kind_confusion(anna, arno)
    assert table.count("claim", "claim") == 1
    assert table.count("number", NOTHING) == 1
    assert table.count("number", "claim") == 0


# --- Article and corpus ---------------------------------------------------------------------


def three_annotators():
    return {
        "rita": [claim(0, 10), number(3, 6, number_value=Decimal("2")), quotation(40, 60)],
        "anna": [claim(0, 10), number(3, 6, number_value=Decimal("2")), quotation(42, 60)],
        "arno": [claim(1, 10), quotation(40, 58, speaker="X")],
    }


def test_an_article_gives_every_pair_and_everyone_in_a_fixed_order():
    spans = three_annotators()
    result = article_agreement(ArticleSpans(100, spans))
    assert result.annotators == ("anna", "arno", "rita")
    assert [pair.annotators for pair in result.pairs] == [
        ("anna", "arno"),
        ("anna", "rita"),
        ("arno", "rita"),
    ]
    assert result.unitized["claim"].coders == 3
    assert result.spans["claim"] == sum(
        (pair.spans["claim"] for pair in result.pairs), SpanCounts()
    )
    shuffled = dict(reversed(list(spans.items())))
    assert article_agreement(ArticleSpans(100, shuffled)).to_dict() == result.to_dict()
    json.dumps(result.to_dict())  # JSON-ready as it is


def test_the_corpus_micro_averages_f1_and_pools_alpha_by_pair():
    first = article_agreement(
        ArticleSpans(50, {"anna": [claim(0, 10)], "arno": [claim(0, 10), claim(20, 30)]})
    )
    second = article_agreement(
        ArticleSpans(60, {"anna": [claim(5, 9)], "rita": [claim(5, 9)], "arno": []})
    )
    corpus = corpus_agreement([first, second])
    assert corpus.articles == 2
    assert set(corpus.pairs) == {("anna", "arno"), ("anna", "rita"), ("arno", "rita")}
    anna_arno = corpus.pairs["anna", "arno"].spans["claim"]
    assert anna_arno == SpanCounts(first=2, second=2, exact=1, overlap=1)
    total = corpus.total.spans["claim"]  # 1 + 0 + 1 + 0 matches over 3 + 2 + 2 + 1 spans
    assert total == SpanCounts(first=3, second=4, exact=2, overlap=2)
    assert total.overlap_f1 == 4 / 7
    pooled = corpus.total.unitized["claim"]
    assert pooled.length == 50 + 3 * 60 and pooled.coders == 2
    every_pair = (*first.pairs, *second.pairs)
    assert pooled == sum(
        (pair.unitized["claim"] for pair in every_pair[1:]), every_pair[0].unitized["claim"]
    )
    assert corpus.total.confusion.count("claim", "claim") == 2
    json.dumps(corpus.to_dict())


# --- Cost grows with the spans, not the characters ------------------------------------------


def random_article(spans_each, body_length, seed=7):
    """Three annotators who mostly agree, with shifted boundaries, misses and other kinds."""
    rng = random.Random(seed)
    base = []
    for _ in range(spans_each):
        start = rng.randrange(0, body_length - 100)
        base.append((start, start + rng.randrange(3, 90), rng.choice(KINDS)))
    spans = {}
    for annotator in ("anna", "arno", "rita"):
        spans[annotator] = [
            Span(
                max(0, start + rng.randrange(-3, 4)),
                end + rng.randrange(1, 4),
                kind if rng.random() < 0.9 else rng.choice(KINDS),
                {"number_value": Decimal(rng.randrange(3))} if kind == "number" else {},
            )
            for start, end, kind in base
            if rng.random() > 0.1
        ]
    return ArticleSpans(body_length, spans)


def lines_run(article):
    """How many lines of annotations/agreement.py one article's agreement executes.

    A count of executed lines (sys.settrace) measures the algorithm's work exactly and
    deterministically, with none of a timing's noise.
    """
    executed = 0

    def trace_lines(frame, event, arg):
        nonlocal executed
        if event == "line":
            executed += 1
        return trace_lines

    def trace_calls(frame, event, arg):
        return trace_lines if frame.f_code.co_filename == agreement.__file__ else None

    sys.settrace(trace_calls)
    try:
        article_agreement(article)
    finally:
        sys.settrace(None)
    return executed


def test_the_work_grows_about_linearly_with_the_number_of_spans():
    # Four times the spans on a four times longer text: a pairwise algorithm would do
    # sixteen times the work; sorting adds a little over four.
    small = lines_run(random_article(75, 5_000))
    large = lines_run(random_article(300, 20_000))
    assert large < 6 * small


def test_the_work_does_not_grow_with_the_length_of_the_text():
    article = random_article(100, 5_000)
    longer = ArticleSpans(500_000, article.spans_by_annotator)
    assert lines_run(longer) < 1.05 * lines_run(article)


def test_a_large_article_is_measured_in_one_pass():
    # 20,000 characters, three annotators, about 270 spans each (the brief's size).
    result = article_agreement(random_article(300, 20_000))
    assert result.unitized["claim"].alpha > 0.5
    assert result.spans_total.overlap_f1 > 0.7
