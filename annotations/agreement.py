"""Agreement between annotators: span F1, unitized alpha, attribute, verdict and kind agreement.

Pure functions over plain dataclasses, no ORM: a page, the export or a command loads the
submitted spans, builds `ArticleSpans`, calls `article_agreement` (and `corpus_agreement` on
the results) and renders what comes back (`to_dict()` gives JSON-ready dicts). Every
formula, its reference and how to read it is in docs/agreement.md; tests/test_agreement.py
reproduces the published worked examples.

Nothing here loops over the characters of an article or over all pairs of spans: spans are
swept in order, so the cost grows with the number of spans, not with the length of the text
(an article of 20,000 characters, three annotators of 300 spans each: about 0.15 s).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import accumulate, combinations

# The annotation kinds, as in models.Kind (a test keeps the two equal): this module stays
# free of Django so that it can be used and tested as plain Python.
KINDS = ("claim", "number", "quotation")
# The confusion table's row and column for "the other annotator marked nothing here".
NOTHING = "nothing"
# The verdict scale, as in models.VERDICT_RATINGS: best 5, worst 1, "unverifiable" off it.
VERDICT_RATINGS = {
    "accurate": 5,
    "mostly_accurate": 4,
    "misleading": 3,
    "mostly_inaccurate": 2,
    "inaccurate": 1,
    "unverifiable": None,
}


# ---------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Span:
    """One annotator's span [start, end) of a body, in code points, with its attributes.

    `attributes` holds the kind's fields under the model's names (`number_value`,
    `number_unit`, `speaker`, `check_worthy`); blanks ("" or None) mean "not given".
    """

    start: int
    end: int
    kind: str
    attributes: Mapping[str, object] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise ValueError(f"span offsets must be integers, not {self.start!r}, {self.end!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"span [{self.start}, {self.end}) is empty or negative")

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class ArticleSpans:
    """The submitted work on one article: its body length and each annotator's spans.

    Annotator keys are any sortable, hashable ids (user ids or pseudonyms); pairs and
    tables are ordered by them, so results do not depend on the mapping's order.
    """

    body_length: int
    spans_by_annotator: Mapping[Hashable, Sequence[Span]]

    def __post_init__(self):
        if self.body_length < 1:
            raise ValueError("an article body has at least one character")
        if len(self.spans_by_annotator) < 2:
            raise ValueError("agreement needs the work of two or more annotators")
        for annotator, spans in self.spans_by_annotator.items():
            for span in spans:
                if span.end > self.body_length:
                    raise ValueError(
                        f"span [{span.start}, {span.end}) of {annotator!r} ends after "
                        f"the body ({self.body_length} characters)"
                    )

    @property
    def annotators(self) -> tuple:
        return tuple(sorted(self.spans_by_annotator))


# ---------------------------------------------------------------------------------------
# Span agreement: exact and overlap F1


def _f1(matched: int, first: int, second: int) -> float | None:
    """2·matched / (first + second); None when neither annotator marked anything."""
    return None if first + second == 0 else 2 * matched / (first + second)


@dataclass(frozen=True)
class SpanCounts:
    """Span counts of one annotator pair (first = reference, second = prediction).

    F1 is symmetric, so which one is the reference changes precision and recall only.
    Counts add up: the sum over pairs, kinds or articles is the micro-average.
    """

    first: int = 0
    second: int = 0
    exact: int = 0
    overlap: int = 0

    def __add__(self, other: SpanCounts) -> SpanCounts:
        return SpanCounts(
            self.first + other.first,
            self.second + other.second,
            self.exact + other.exact,
            self.overlap + other.overlap,
        )

    @property
    def exact_f1(self) -> float | None:
        return _f1(self.exact, self.first, self.second)

    @property
    def overlap_f1(self) -> float | None:
        return _f1(self.overlap, self.first, self.second)

    def to_dict(self) -> dict:
        def ratio(part, whole):
            return part / whole if whole else None

        return {
            "first": self.first,
            "second": self.second,
            "exact": {
                "matched": self.exact,
                "precision": ratio(self.exact, self.second),
                "recall": ratio(self.exact, self.first),
                "f1": self.exact_f1,
            },
            "overlap": {
                "matched": self.overlap,
                "precision": ratio(self.overlap, self.second),
                "recall": ratio(self.overlap, self.first),
                "f1": self.overlap_f1,
            },
        }


def overlapping_pairs(first: Sequence[Span], second: Sequence[Span]) -> list[tuple[int, int]]:
    """Every (i, j) with first[i] and second[j] sharing at least one character.

    One sweep by start offset, keeping the spans still open on each side: each step
    either yields a pair or drops a closed span, so the cost is O(n log n + pairs),
    never first × second.
    """
    events = sorted(
        [(span.start, 0, index) for index, span in enumerate(first)]
        + [(span.start, 1, index) for index, span in enumerate(second)]
    )
    sides = (first, second)
    open_spans: tuple[list[int], list[int]] = ([], [])
    pairs = []
    for start, side, index in events:
        other = 1 - side
        still_open = [j for j in open_spans[other] if sides[other][j].end > start]
        open_spans[other][:] = still_open
        pairs.extend((index, j) if side == 0 else (j, index) for j in still_open)
        open_spans[side].append(index)
    return pairs


def _intersection_over_union(a: Span, b: Span) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter / (max(a.end, b.end) - min(a.start, b.start))


def match_by_overlap(
    first: Sequence[Span], second: Sequence[Span], *, same_kind: bool = True
) -> list[tuple[int, int]]:
    """A one-to-one matching of overlapping spans, best overlap first (indices into each).

    Candidate pairs are spans that share a character (of the same kind, or of different
    kinds when `same_kind` is False); they are taken greedily by intersection over union,
    then by the longer intersection, then by position, each span at most once. Greedy
    by overlap rather than a maximum-cardinality matching: with A = [0,10) [8,10) and
    B = [0,10) [0,2), the maximum matching pairs each big span with a small one and
    reports perfect agreement; this pairs the identical spans and leaves the two small
    ones, which nobody else marked, unmatched. Identical spans always match each other
    (up to duplicates on one side), so exact matches are never more than overlap matches.
    """
    candidates = []
    for i, j in overlapping_pairs(first, second):
        a, b = first[i], second[j]
        if (a.kind == b.kind) != same_kind:
            continue
        inter = min(a.end, b.end) - max(a.start, b.start)
        key = (-_intersection_over_union(a, b), -inter, a.start, a.end, b.start, b.end, i, j)
        candidates.append((key, i, j))
    candidates.sort()
    taken_first, taken_second, matching = set(), set(), []
    for _, i, j in candidates:
        if i not in taken_first and j not in taken_second:
            taken_first.add(i)
            taken_second.add(j)
            matching.append((i, j))
    return matching


def _exact_matches(first: Sequence[Span], second: Sequence[Span]) -> int:
    """Spans of the same kind with the same offsets, counted as multisets."""
    counts_first = Counter((s.kind, s.start, s.end) for s in first)
    counts_second = Counter((s.kind, s.start, s.end) for s in second)
    return sum((counts_first & counts_second).values())


# ---------------------------------------------------------------------------------------
# Krippendorff's alpha for coded units (nominal, ordinal, interval)


def krippendorff_alpha(units: Iterable[Sequence], level: str = "nominal") -> float | None:
    """Krippendorff's alpha over units, each a sequence of the values coders gave it.

    Missing values are simply left out of a unit; units with fewer than two values are
    not pairable and do not count. `level` is "nominal", "ordinal" (values sortable) or
    "interval" (values numbers). None when alpha is undefined: no pairable values, or
    every pairable value the same (no variation to agree on). Krippendorff (2011),
    "Computing Krippendorff's Alpha-Reliability", with its coincidence matrix.
    """
    coincidences: Counter = Counter()  # o_ck, as Fractions
    for unit in units:
        values = list(unit)
        pairable = len(values)
        if pairable < 2:
            continue
        weight = Fraction(1, pairable - 1)
        counts = Counter(values)
        for c, count_c in counts.items():
            for k, count_k in counts.items():
                pairs = count_c * (count_k - 1) if c == k else count_c * count_k
                if pairs:
                    coincidences[c, k] += pairs * weight
    marginals: Counter = Counter()
    for (c, _k), count in coincidences.items():
        marginals[c] += count
    total = sum(marginals.values())
    if len(marginals) < 2:
        return None
    if level == "nominal":
        # alpha = 1 - (n - 1)(n - sum o_cc) / (n^2 - sum n_c^2): no loop over value pairs.
        agreeing = sum(coincidences[c, c] for c in marginals)
        expected = total * total - sum(n * n for n in marginals.values())
        return float(1 - (total - 1) * (total - agreeing) / expected)
    difference = _difference_function(level, marginals)
    observed = sum(count * difference(c, k) for (c, k), count in coincidences.items())
    expected = sum(
        marginals[c] * marginals[k] * difference(c, k) for c in marginals for k in marginals
    )
    return float(1 - (total - 1) * observed / expected)


def _difference_function(level: str, marginals: Mapping):
    """δ²(c, k) for ordinal (ranks weighted by how often they occur) or interval values."""
    if level == "interval":
        return lambda c, k: Fraction(c - k) ** 2
    if level != "ordinal":
        raise ValueError(f"unknown level of measurement {level!r}")
    ordered = sorted(marginals)
    position = {value: index for index, value in enumerate(ordered)}
    cumulative = [0, *accumulate(marginals[value] for value in ordered)]

    def ordinal(c, k):
        low, high = sorted((position[c], position[k]))
        between = cumulative[high + 1] - cumulative[low]
        return (between - (marginals[c] + marginals[k]) / 2) ** 2

    return ordinal


# ---------------------------------------------------------------------------------------
# Krippendorff's unitized alpha (alpha_u), one kind at a time


def merge_units(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """One coder's units of one kind: overlapping spans merged, touching ones kept apart.

    alpha_u needs each coder's units to be disjoint (a coder's continuum is a sequence
    of units and gaps). A span nested in or overlapping another of the same kind by the
    same annotator says "this stretch is a unit" twice, so they become their union;
    two spans that only touch are two units, as in Krippendorff's examples.
    """
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _observed_pair_sum(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> int:
    """Σ δ² between two coders' sections, one direction (Krippendorff 2004).

    Two overlapping units: (b_i − b_j)² + (e_i − e_j)². A unit inside the other coder's
    gap (overlapping none of their units): its length squared. Everything else: 0.
    Both lists are sorted and disjoint, so one merge-like sweep finds every overlap.
    """
    total = 0
    overlapped_first = [False] * len(first)
    overlapped_second = [False] * len(second)
    i = j = 0
    while i < len(first) and j < len(second):
        (a_start, a_end), (b_start, b_end) = first[i], second[j]
        if a_end <= b_start:
            i += 1
        elif b_end <= a_start:
            j += 1
        else:
            total += (a_start - b_start) ** 2 + (a_end - b_end) ** 2
            overlapped_first[i] = overlapped_second[j] = True
            if a_end <= b_end:
                i += 1
            else:
                j += 1
    for units, overlapped in ((first, overlapped_first), (second, overlapped_second)):
        pairs = zip(units, overlapped, strict=True)
        total += sum((end - start) ** 2 for (start, end), hit in pairs if not hit)
    return total


def _gaps(units: list[tuple[int, int]], length: int) -> list[int]:
    """The lengths of the stretches of [0, length) that none of the units cover."""
    gaps, position = [], 0
    for start, end in units:
        if start > position:
            gaps.append(start - position)
        position = end
    if length > position:
        gaps.append(length - position)
    return gaps


@dataclass(frozen=True)
class UnitizedAlpha:
    """Krippendorff's alpha_u for one kind, held as the sums its formula needs.

    `coders` (m) coders unitized a continuum of `length` (L) code points; `observed_sum`
    is Σ over ordered coder pairs of Σ δ² between their sections; `unit_lengths` and
    `gap_lengths` count every coder's units and gaps by length. These add up when
    continua are laid end to end (`+`), which is how articles pool into a corpus.
    """

    coders: int
    length: int
    observed_sum: int
    unit_lengths: Counter
    gap_lengths: Counter

    @classmethod
    def from_units(
        cls, length: int, units_by_coder: Sequence[Iterable[tuple[int, int]]]
    ) -> UnitizedAlpha:
        """alpha_u of m ≥ 2 coders' units ([start, end) pairs) on a continuum [0, length)."""
        if len(units_by_coder) < 2:
            raise ValueError("alpha_u needs two or more coders")
        coders = [merge_units(units) for units in units_by_coder]
        for units in coders:
            if units and (units[0][0] < 0 or units[-1][1] > length):
                raise ValueError(f"a unit lies outside the continuum [0, {length})")
        observed = 2 * sum(_observed_pair_sum(a, b) for a, b in combinations(coders, 2))
        return cls(
            coders=len(coders),
            length=length,
            observed_sum=observed,
            unit_lengths=Counter(end - start for units in coders for start, end in units),
            gap_lengths=Counter(gap for units in coders for gap in _gaps(units, length)),
        )

    def __add__(self, other: UnitizedAlpha) -> UnitizedAlpha:
        """The two continua laid end to end (a gap never runs across the seam)."""
        if self.coders != other.coders:
            raise ValueError("only continua with the same number of coders can be pooled")
        return UnitizedAlpha(
            coders=self.coders,
            length=self.length + other.length,
            observed_sum=self.observed_sum + other.observed_sum,
            unit_lengths=self.unit_lengths + other.unit_lengths,
            gap_lengths=self.gap_lengths + other.gap_lengths,
        )

    @property
    def units(self) -> int:
        return sum(self.unit_lengths.values())

    @property
    def observed(self) -> Fraction:
        """D_o = Σ_i Σ_g Σ_j≠i Σ_h δ² / (m (m − 1) L²)."""
        m, length = self.coders, self.length
        return Fraction(self.observed_sum, m * (m - 1) * length * length)

    @property
    def expected(self) -> Fraction:
        """D_e (Krippendorff 2004): every unit against every other unit and every gap.

        (2/L) Σ_units [ (N−1)/3 · (2l³ − 3l² + l) + l² Σ_gaps, l_g ≥ l (l_g − l + 1) ]
        / (mL(mL − 1) − Σ_units l(l − 1)), with N the number of units of all coders.
        """
        count = self.units
        if count == 0:
            return Fraction(0)
        # Gaps at least l long, and their total length, for any l: suffix sums by length.
        gap_sizes = sorted(self.gap_lengths)
        counts_from = [0] * (len(gap_sizes) + 1)
        totals_from = [0] * (len(gap_sizes) + 1)
        for index in range(len(gap_sizes) - 1, -1, -1):
            size = gap_sizes[index]
            counts_from[index] = counts_from[index + 1] + self.gap_lengths[size]
            totals_from[index] = totals_from[index + 1] + size * self.gap_lengths[size]
        numerator = 0
        for size, how_many in self.unit_lengths.items():
            start = bisect_left(gap_sizes, size)
            room = totals_from[start] - counts_from[start] * (size - 1)
            # l(l − 1)(2l − 1) is a multiple of 6, so the division by 3 is exact.
            shifted = (count - 1) * (size * (size - 1) * (2 * size - 1)) // 3
            numerator += how_many * (shifted + size * size * room)
        m, length = self.coders, self.length
        within_units = sum(n * size * (size - 1) for size, n in self.unit_lengths.items())
        return Fraction(2 * numerator, length * (m * length * (m * length - 1) - within_units))

    @property
    def alpha(self) -> float | None:
        """1 − D_o / D_e; None when no coder marked a unit (nothing to agree on)."""
        expected = self.expected
        return None if expected == 0 else float(1 - self.observed / expected)

    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "observed_disagreement": float(self.observed),
            "expected_disagreement": float(self.expected),
            "coders": self.coders,
            "units": self.units,
            "length": self.length,
        }


def alpha_across_kinds(per_kind: Iterable[UnitizedAlpha]) -> float | None:
    """The overall alpha_u over kinds: 1 − Σ_k D_o,k / Σ_k D_e,k (Krippendorff 2004)."""
    results = list(per_kind)
    expected = sum((result.expected for result in results), Fraction(0))
    if expected == 0:
        return None
    return float(1 - sum((result.observed for result in results), Fraction(0)) / expected)


# ---------------------------------------------------------------------------------------
# Attribute agreement on matched spans


def _strip_punctuation(text: str) -> str:
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start])[0] in "PZ":
        start += 1
    while end > start and unicodedata.category(text[end - 1])[0] in "PZ":
        end -= 1
    return text[start:end]


def normalise_label(value) -> str | None:
    """Compatibility form, case folded, spaces collapsed: " usd " is "USD"; "" is no value.

    Punctuation stays: "%" and "$" are units.
    """
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split()) or None


def normalise_name(value) -> str | None:
    """A label with punctuation trimmed at both ends: "  Olaf   SCHOLZ, " is "olaf scholz"."""
    label = normalise_label(value)
    return _strip_punctuation(label) or None if label else None


def normalise_number(value) -> Decimal | None:
    """A number's value as a Decimal (1.50 and 1.5 are equal); "" or None is no value."""
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def normalise_flag(value) -> bool | None:
    """Check-worthiness: True, False, or None when the annotator did not say."""
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not a yes/no flag")


# attribute -> (the kind it belongs to, how its values are made comparable)
ATTRIBUTES = {
    "number_value": ("number", normalise_number),
    "number_unit": ("number", normalise_label),
    "speaker": ("quotation", normalise_name),
    "check_worthy": ("claim", normalise_flag),
}


@dataclass(frozen=True)
class AttributeAgreement:
    """One attribute over matched span pairs: the normalised value pairs both gave.

    `one_sided` counts matched pairs where only one annotator gave a value (not
    compared: a blank is "not said", not a value). Adding two results pools the pairs.
    """

    pairs: tuple[tuple[object, object], ...] = ()
    one_sided: int = 0

    def __add__(self, other: AttributeAgreement) -> AttributeAgreement:
        return AttributeAgreement(self.pairs + other.pairs, self.one_sided + other.one_sided)

    @property
    def compared(self) -> int:
        return len(self.pairs)

    @property
    def agreed(self) -> int:
        return sum(1 for a, b in self.pairs if a == b)

    @property
    def rate(self) -> float | None:
        """The share of compared pairs with equal values (exact agreement)."""
        return self.agreed / self.compared if self.pairs else None

    @property
    def alpha(self) -> float | None:
        """Nominal alpha with each compared pair as a unit of two values."""
        return krippendorff_alpha(self.pairs, "nominal")

    def to_dict(self) -> dict:
        return {
            "compared": self.compared,
            "agreed": self.agreed,
            "one_sided": self.one_sided,
            "rate": self.rate,
            "alpha": self.alpha,
        }


def attribute_agreement(matched: Iterable[tuple[Span, Span]], attribute: str) -> AttributeAgreement:
    """Agreement on `attribute` over matched pairs of spans of its kind."""
    kind, normalise = ATTRIBUTES[attribute]
    pairs, one_sided = [], 0
    for a, b in matched:
        if a.kind != kind or b.kind != kind:
            continue
        value_a = normalise(a.attributes.get(attribute))
        value_b = normalise(b.attributes.get(attribute))
        if value_a is not None and value_b is not None:
            pairs.append((value_a, value_b))
        elif value_a is not None or value_b is not None:
            one_sided += 1
    return AttributeAgreement(tuple(pairs), one_sided)


# ---------------------------------------------------------------------------------------
# Confusion between kinds


@dataclass(frozen=True)
class KindConfusion:
    """How two annotators' overlapping spans compare by kind: (first's, second's) -> count.

    The diagonal is the same-kind overlap matching (as in the overlap F1); off the
    diagonal, spans left over are paired across kinds the same way (best overlap first);
    what is left after that faces NOTHING. Tables add up over pairs and articles.
    """

    labels: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]

    def __add__(self, other: KindConfusion) -> KindConfusion:
        labels = self.labels + tuple(x for x in other.labels if x not in self.labels)
        return KindConfusion(labels, dict(Counter(self.counts) + Counter(other.counts)))

    def count(self, first: str, second: str) -> int:
        return self.counts.get((first, second), 0)

    def to_dict(self) -> dict:
        """{first's label: {second's label: count}}, every cell present."""
        return {row: {col: self.count(row, col) for col in self.labels} for row in self.labels}


def kind_confusion(
    first: Sequence[Span], second: Sequence[Span], kinds: Sequence[str] = KINDS
) -> KindConfusion:
    """The confusion table of two annotators' spans of one article."""
    counts: Counter = Counter()
    left_first, left_second = set(range(len(first))), set(range(len(second)))
    for i, j in match_by_overlap(first, second, same_kind=True):
        counts[first[i].kind, second[j].kind] += 1
        left_first.discard(i)
        left_second.discard(j)
    rest_first = sorted(left_first)
    rest_second = sorted(left_second)
    across = match_by_overlap(
        [first[i] for i in rest_first], [second[j] for j in rest_second], same_kind=False
    )
    for i, j in across:
        counts[first[rest_first[i]].kind, second[rest_second[j]].kind] += 1
        left_first.discard(rest_first[i])
        left_second.discard(rest_second[j])
    for i in left_first:
        counts[first[i].kind, NOTHING] += 1
    for j in left_second:
        counts[NOTHING, second[j].kind] += 1
    return KindConfusion((*kinds, NOTHING), dict(counts))


# ---------------------------------------------------------------------------------------
# One article, one corpus


def _by_kind(results: Mapping[str, object], kinds: Sequence[str]) -> dict:
    return {kind: results[kind].to_dict() for kind in kinds}


@dataclass(frozen=True)
class PairAgreement:
    """Everything measured between two annotators (first < second) on one or more articles.

    `annotators` is () for the corpus total, where every pair of every article is pooled.
    """

    annotators: tuple[Hashable, ...]
    spans: Mapping[str, SpanCounts]
    unitized: Mapping[str, UnitizedAlpha]
    attributes: Mapping[str, AttributeAgreement]
    confusion: KindConfusion

    def __add__(self, other: PairAgreement) -> PairAgreement:
        if self.annotators != other.annotators:
            raise ValueError("only results of the same annotator pair add up")
        return PairAgreement(
            self.annotators,
            {kind: self.spans[kind] + other.spans[kind] for kind in self.spans},
            {kind: self.unitized[kind] + other.unitized[kind] for kind in self.unitized},
            {name: self.attributes[name] + other.attributes[name] for name in self.attributes},
            self.confusion + other.confusion,
        )

    @property
    def spans_total(self) -> SpanCounts:
        return sum(self.spans.values(), SpanCounts())

    @property
    def unitized_overall(self) -> float | None:
        return alpha_across_kinds(self.unitized.values())

    def to_dict(self) -> dict:
        kinds = tuple(self.spans)
        return {
            "annotators": list(self.annotators),
            "spans": {**_by_kind(self.spans, kinds), "all": self.spans_total.to_dict()},
            "unitized_alpha": {
                **_by_kind(self.unitized, kinds),
                "all": {"alpha": self.unitized_overall},
            },
            "attributes": {name: result.to_dict() for name, result in self.attributes.items()},
            "confusion": self.confusion.to_dict(),
        }


def pair_agreement(
    annotators: tuple[Hashable, Hashable],
    body_length: int,
    first: Sequence[Span],
    second: Sequence[Span],
    kinds: Sequence[str] = KINDS,
) -> PairAgreement:
    """Span F1, alpha_u, attribute agreement and the confusion table of two annotators."""
    spans, unitized, matched = {}, {}, []
    for kind in kinds:
        first_kind = [span for span in first if span.kind == kind]
        second_kind = [span for span in second if span.kind == kind]
        matching = match_by_overlap(first_kind, second_kind)
        matched.extend((first_kind[i], second_kind[j]) for i, j in matching)
        spans[kind] = SpanCounts(
            first=len(first_kind),
            second=len(second_kind),
            exact=_exact_matches(first_kind, second_kind),
            overlap=len(matching),
        )
        unitized[kind] = UnitizedAlpha.from_units(
            body_length,
            [[(s.start, s.end) for s in first_kind], [(s.start, s.end) for s in second_kind]],
        )
    attributes = {
        name: attribute_agreement(matched, name)
        for name, (kind, _) in ATTRIBUTES.items()
        if kind in kinds
    }
    return PairAgreement(
        annotators, spans, unitized, attributes, kind_confusion(first, second, kinds)
    )


@dataclass(frozen=True)
class ArticleAgreement:
    """The agreement of all annotators of one article, and of each pair of them."""

    annotators: tuple[Hashable, ...]
    pairs: tuple[PairAgreement, ...]
    # alpha_u per kind over all the article's annotators at once (m ≥ 2 coders).
    unitized: Mapping[str, UnitizedAlpha]

    @property
    def spans(self) -> dict[str, SpanCounts]:
        """Per kind, summed over the pairs (micro-average)."""
        return {
            kind: sum((pair.spans[kind] for pair in self.pairs), SpanCounts())
            for kind in self.unitized
        }

    @property
    def spans_total(self) -> SpanCounts:
        return sum(self.spans.values(), SpanCounts())

    @property
    def unitized_overall(self) -> float | None:
        return alpha_across_kinds(self.unitized.values())

    @property
    def attributes(self) -> dict[str, AttributeAgreement]:
        """Per attribute, the matched pairs of every annotator pair pooled."""
        names = self.pairs[0].attributes
        return {
            name: sum((pair.attributes[name] for pair in self.pairs), AttributeAgreement())
            for name in names
        }

    @property
    def confusion(self) -> KindConfusion:
        tables = [pair.confusion for pair in self.pairs]
        total = tables[0]
        for table in tables[1:]:
            total = total + table
        return total

    def to_dict(self) -> dict:
        kinds = tuple(self.unitized)
        return {
            "annotators": list(self.annotators),
            "spans": {**_by_kind(self.spans, kinds), "all": self.spans_total.to_dict()},
            "unitized_alpha": {
                **_by_kind(self.unitized, kinds),
                "all": {"alpha": self.unitized_overall},
            },
            "attributes": {name: result.to_dict() for name, result in self.attributes.items()},
            "confusion": self.confusion.to_dict(),
            "pairs": [pair.to_dict() for pair in self.pairs],
        }


def article_agreement(article: ArticleSpans, kinds: Sequence[str] = KINDS) -> ArticleAgreement:
    """Every measure for one article with two or more annotators' submitted spans."""
    annotators = article.annotators
    spans_of = {annotator: list(article.spans_by_annotator[annotator]) for annotator in annotators}
    pairs = tuple(
        pair_agreement((a, b), article.body_length, spans_of[a], spans_of[b], kinds)
        for a, b in combinations(annotators, 2)
    )
    unitized = {
        kind: UnitizedAlpha.from_units(
            article.body_length,
            [[(s.start, s.end) for s in spans_of[a] if s.kind == kind] for a in annotators],
        )
        for kind in kinds
    }
    return ArticleAgreement(annotators, pairs, unitized)


@dataclass(frozen=True)
class CorpusAgreement:
    """Articles' results combined: counts and value pairs pooled, continua laid end to end.

    `pairs` holds one result per annotator pair over the articles they share; the
    corpus-wide figures pool every article's pairs, so alpha_u is that of one two-coder
    continuum made of every article once per pair of its annotators (for doubly
    annotated articles: simply the articles laid end to end).
    """

    articles: int
    pairs: Mapping[tuple[Hashable, Hashable], PairAgreement]
    total: PairAgreement | None

    def to_dict(self) -> dict:
        total = self.total.to_dict() if self.total else None
        if total:
            del total["annotators"]
        return {
            "articles": self.articles,
            "all": total,
            "pairs": [pair.to_dict() for _, pair in sorted(self.pairs.items())],
        }


def corpus_agreement(results: Iterable[ArticleAgreement]) -> CorpusAgreement:
    """Combine article results: micro-averaged F1, pooled alpha_u and pooled attributes."""
    by_pair: dict[tuple, PairAgreement] = {}
    total = None
    articles = 0
    for result in results:
        articles += 1
        for pair in result.pairs:
            key = pair.annotators
            by_pair[key] = by_pair[key] + pair if key in by_pair else pair
            pooled = replace(pair, annotators=())
            total = pooled if total is None else total + pooled
    return CorpusAgreement(articles, by_pair, total)


# ---------------------------------------------------------------------------------------
# Verdicts of reviewers who decided the same item


@dataclass(frozen=True)
class VerdictAgreement:
    """Reviewers' verdicts on items decided by two or more of them.

    `ratings` keeps, per item, the ratings on the scale (accurate 5 … inaccurate 1);
    "unverifiable" has no place on that scale, so for alpha it is a missing value
    (`unverifiable` counts them). `pairs`/`agreeing` count reviewer pairs on an item
    and those who gave the very same verdict, unverifiable included.
    """

    items: int
    ratings: tuple[tuple[int, ...], ...]
    unverifiable: int
    pairs: int
    agreeing: int

    @property
    def rate(self) -> float | None:
        return self.agreeing / self.pairs if self.pairs else None

    @property
    def alpha(self) -> float | None:
        """Ordinal alpha over the ratings."""
        return krippendorff_alpha(self.ratings, "ordinal")

    def to_dict(self) -> dict:
        return {
            "items": self.items,
            "rated_items": sum(1 for ratings in self.ratings if len(ratings) >= 2),
            "unverifiable": self.unverifiable,
            "pairs": self.pairs,
            "agreeing_pairs": self.agreeing,
            "rate": self.rate,
            "alpha_ordinal": self.alpha,
        }


def verdict_agreement(verdicts_by_item: Mapping[Hashable, Sequence[str]]) -> VerdictAgreement:
    """Agreement of the verdicts (`Verdict` values) given to each item by its reviewers.

    Items with fewer than two verdicts are left out: there is nothing to compare.
    """
    items, ratings, unverifiable, pairs, agreeing = 0, [], 0, 0, 0
    for item, verdicts in verdicts_by_item.items():
        unknown = [v for v in verdicts if v not in VERDICT_RATINGS]
        if unknown:
            raise ValueError(f"item {item!r}: {unknown[0]!r} is not a verdict")
        if len(verdicts) < 2:
            continue
        items += 1
        rated = tuple(VERDICT_RATINGS[v] for v in verdicts if VERDICT_RATINGS[v] is not None)
        ratings.append(rated)
        unverifiable += len(verdicts) - len(rated)
        for a, b in combinations(verdicts, 2):
            pairs += 1
            agreeing += a == b
    return VerdictAgreement(items, tuple(ratings), unverifiable, pairs, agreeing)
