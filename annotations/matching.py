"""Seen before: the other appearances of a claim, number or quotation, and claim groups.

`find_matches(annotation)` answers with the annotations of the same kind, in other places,
whose text is the same after `normalise` (case, quote marks, white space, punctuation), or
close to it, and for numbers the same value and unit in a similar sentence; verified ones
first, each with a score in [0, 1].

How "close" is found, and why this way: word-shingle MinHash with LSH band keys stored in
an ordinary table (MatchKey, indexed on the key). It behaves the same on SQLite and
PostgreSQL (pg_trgm would leave SQLite without an index), a lookup is one indexed
`key IN (…)` query whatever the number of stored annotations, and the index grows one
annotation at a time: triggers queue each inserted or changed annotation (MatchPending,
migration 0015) and `index_pending` computes its keys; nothing is rebuilt per query. The
candidates that share a key are then scored exactly, in Python, on their stored normalised
text (MatchEntry). Shingles are pairs of consecutive content words (stop words dropped,
negations kept), so word order counts and "of the" never makes two claims alike.

Two guards keep similar-looking different claims apart, as a desk would: the figures of
the two texts must not contradict ("65th anniversary … Cuba" is not "20th anniversary …
Spain"), and their negations must be the same ("no winners" is not "winners").
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Prefetch

from . import policy, visibility
from .models import (
    Annotation,
    Article,
    ClaimGroup,
    ClaimGroupMember,
    Evidence,
    Kind,
    MatchEntry,
    MatchKey,
    MatchPending,
    State,
    Verdict,
)
from .policy import Action
from .search import latest_verdict
from .suggest import read_number
from .text import sentence_around

# ---- Normalisation ----

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "«": '"',
        "»": '"',
    }
)
# A comma between a digit and a group of three (17,000): part of the number, not a pause.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# Punctuation: anything but letters, digits and spaces, except a point inside a number.
_PUNCTUATION = re.compile(r"(?<!\d)\.|\.(?!\d)|[^\w\s.]|_")


def normalise(text: str) -> str:
    """The text as matching compares it: NFKC (U+00A0 and the other spaces become plain
    spaces), curly quotes straight, case folded, punctuation gone (a decimal point and a
    thousands separator stay part of their number: "17,000" is "17000"), white space one
    space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = _THOUSANDS.sub("", text)
    return " ".join(_PUNCTUATION.sub(" ", text).split())


STOP_WORDS = frozenset(
    """a an the of to in on at by for from with and or as is are was were be been being it its
    this that these those which who whom whose what when where how than then there their they
    them he she his her we our you your i me my has have had do does did will would shall
    should can could may might must also into over about after before between s said says""".split()
)
# Kept although short and frequent: a claim and its denial differ by them.
NEGATIONS = frozenset({"no", "not", "never", "nor", "without", "none", "t", "cannot"})


def content_words(normalised: str) -> list[str]:
    return [word for word in normalised.split() if word not in STOP_WORDS]


def shingles(normalised: str) -> frozenset[str]:
    """Pairs of consecutive content words (a single word for a one-word text)."""
    words = content_words(normalised)
    if len(words) < 2:
        return frozenset(words)
    return frozenset(f"{first} {second}" for first, second in pairwise(words))


def similarity(first: str, second: str) -> float:
    """How alike two normalised texts are, in [0, 1]: the mean of the Jaccard similarities
    of their content words and of their shingles (word order counts, but a reworded pair
    of words does not sink an otherwise identical sentence)."""
    if first == second:
        return 1.0
    words_a, words_b = set(content_words(first)), set(content_words(second))
    if not words_a or not words_b:
        return 0.0
    return (_jaccard(words_a, words_b) + _jaccard(shingles(first), shingles(second))) / 2


def _jaccard(a, b) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


_FIGURE = re.compile(r"\d[\d.]*")


def same_figures_and_negations(first: str, second: str) -> bool:
    """The guard against similar-looking different claims: no figure that contradicts
    (the figures of one, digits as normalised, are all in the other: "May 7" is in "May
    7-10", "65th" is not "75th"), and the same negation words in both."""
    figures_a, figures_b = set(_FIGURE.findall(first)), set(_FIGURE.findall(second))
    if not (figures_a <= figures_b or figures_b <= figures_a):
        return False
    return NEGATIONS.intersection(first.split()) == NEGATIONS.intersection(second.split())


# ---- MinHash and LSH band keys ----

PERMUTATIONS = 48
BANDS, ROWS = 24, 2  # candidate at Jaccard 0.3 with probability 0.89, at 0.5 0.999
_PRIME = (1 << 61) - 1
_COEFFICIENTS = [
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest()) % _PRIME | 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest()) % _PRIME,
    )
    for i in range(PERMUTATIONS)
]


def _hash64(text: str) -> int:
    """A stable signed 64-bit hash (a BigIntegerField holds it)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), signed=True)


def minhash(features: frozenset[str]) -> list[int]:
    hashes = [_hash64(feature) & 0xFFFFFFFFFFFFFFFF for feature in features]
    return [min((a * h + b) % _PRIME for h in hashes) for a, b in _COEFFICIENTS]


def band_keys(namespace: str, normalised: str) -> set[int]:
    """The text's LSH keys in `namespace` (its kind, and a number's figure): one per band."""
    features = shingles(normalised)
    if not features:
        return set()
    signature = minhash(features)
    return {
        _hash64(f"{namespace}|{band}|{signature[band * ROWS : (band + 1) * ROWS]}")
        for band in range(BANDS)
    }


# ---- What is indexed of an annotation ----


@dataclass(frozen=True)
class Fingerprint:
    """What matching compares of one annotation: its normalised text (a number's sentence)
    and, for a number, its figure ("518400000000|usd", or the number as written)."""

    kind: str
    text: str
    figure: str = ""

    def keys(self) -> set[int]:
        namespace = f"{self.kind}|{self.figure}"
        return {_hash64(f"exact|{namespace}|{self.text}")} | band_keys(namespace, self.text)


def figure_of(annotation: Annotation) -> str:
    """A number's value and unit as given, else as read from its text, else as written."""
    value, unit = annotation.number_value, annotation.number_unit
    if value is None:
        reading = read_number(annotation.exact, annotation.prefix, annotation.suffix)
        value, unit = reading.value, unit or (reading.unit or "")
    if value is None:
        return "as written:" + normalise(annotation.exact)
    return f"{Decimal(value).normalize():f}|{normalise(unit)}"


def fingerprint(annotation: Annotation, body: str | None = None) -> Fingerprint:
    """`body`: the article's, for a number (its sentence); read from the article if None."""
    if annotation.kind != Kind.NUMBER:
        return Fingerprint(annotation.kind, normalise(annotation.exact))
    body = annotation.article.body if body is None else body
    start, end = sentence_around(body, annotation.start, annotation.end)
    return Fingerprint(Kind.NUMBER, normalise(body[start:end]), figure_of(annotation))


INDEX_BATCH = 500
# What a lookup indexes first of the queue: one person's new annotations, never a backlog
# (`manage.py index_matches` after a bulk write; the API's bulk create queues thousands).
LOOKUP_INDEX_BATCH = 100


def index_pending(*, limit: int = INDEX_BATCH) -> int:
    """Index up to `limit` queued annotations (oldest first); how many were indexed.

    One query when nothing waits. On PostgreSQL the queued rows are locked SKIP LOCKED, so
    two requests never index the same annotation at once.
    """
    if not MatchPending.objects.exists():
        return 0
    with transaction.atomic():
        pending = MatchPending.objects.order_by("annotation_id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.values_list("annotation_id", flat=True)[:limit])
        if not ids:
            return 0
        annotations = list(Annotation.objects.filter(pk__in=ids).select_related(None))
        number_articles = {a.article_id for a in annotations if a.kind == Kind.NUMBER}
        bodies = dict(Article.objects.filter(pk__in=number_articles).values_list("id", "body"))
        entries, keys = [], []
        for annotation in annotations:
            print_ = fingerprint(annotation, bodies.get(annotation.article_id, ""))
            entries.append(
                MatchEntry(
                    annotation=annotation,
                    kind=print_.kind,
                    text=print_.text,
                    figure=print_.figure,
                )
            )
            keys += [MatchKey(annotation=annotation, key=key) for key in print_.keys()]
        MatchKey.objects.filter(annotation_id__in=ids).delete()
        MatchEntry.objects.filter(annotation_id__in=ids).delete()
        MatchEntry.objects.bulk_create(entries, batch_size=INDEX_BATCH)
        MatchKey.objects.bulk_create(keys, batch_size=5000)
        MatchPending.objects.filter(annotation_id__in=ids).delete()
    return len(ids)


def index_all() -> int:
    """Index every queued annotation (after a migration or a large import)."""
    total = 0
    while indexed := index_pending(limit=5000):
        total += indexed
    return total


# ---- Finding matches ----

CANDIDATES = 60
SHOWN = 5
# The least similarity shown: texts of claims and quotations; a number's sentences.
TEXT_THRESHOLD = 0.45
SENTENCE_THRESHOLD = 0.3
# States worth showing: decided as a fact, or on their way (rejected and withdrawn are not).
SHOWN_STATES = (State.VERIFIED, State.IN_REVIEW, State.SUBMITTED, State.DRAFT)


@dataclass
class Match:
    annotation: Annotation
    score: float
    reason: str
    verdict_label: str = ""
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def is_verified(self) -> bool:
        return self.annotation.state == State.VERIFIED


def score_match(query: Fingerprint, candidate: Fingerprint) -> tuple[float, str] | None:
    """The score and the reason two fingerprints match, or None when they do not."""
    if query.kind != candidate.kind or query.figure != candidate.figure:
        return None
    if query.text == candidate.text:
        return 1.0, "same sentence" if query.kind == Kind.NUMBER else "same text"
    score = similarity(query.text, candidate.text)
    if query.kind == Kind.NUMBER:
        if score < SENTENCE_THRESHOLD:
            return None
        return score, "same figure, similar sentence"
    if score < TEXT_THRESHOLD or not same_figures_and_negations(query.text, candidate.text):
        return None
    return score, "near-duplicate"


def find_matches(annotation: Annotation, *, limit: int = SHOWN, among=None) -> list[Match]:
    """The other appearances of `annotation`, verified first, then by score: at most
    `limit`, with their latest verdict and live evidence (sources selected); `among`: the
    annotations the asker may see (`visibility.visible_annotations`), all when None. A constant
    number of queries (five) whatever the number of stored annotations and matches, and a
    bounded batch of indexing first when annotations wait (`LOOKUP_INDEX_BATCH`)."""
    index_pending(limit=LOOKUP_INDEX_BATCH)
    query = fingerprint(annotation)
    shared = (
        MatchKey.objects.filter(key__in=query.keys())
        .exclude(annotation_id=annotation.pk)
        .values("annotation_id")
        .annotate(shared=Count("key"))
        .order_by("-shared", "-annotation_id")
    )
    candidate_ids = [row["annotation_id"] for row in shared[:CANDIDATES]]
    entries = MatchEntry.objects.filter(
        pk__in=candidate_ids,
        kind=annotation.kind,
        annotation__state__in=SHOWN_STATES,
    ).values_list("annotation_id", "text", "figure", "annotation__article_id",
                  "annotation__start", "annotation__end", "annotation__state")  # fmt: skip
    scored = {}
    for pk, text, figure, article_id, start, end, state in entries:
        if (
            article_id == annotation.article_id
            and start < annotation.end
            and annotation.start < end
        ):
            continue  # the same words marked again: agreement, not a second appearance
        found = score_match(query, Fingerprint(annotation.kind, text, figure))
        if found is not None:
            scored[pk] = (state == State.VERIFIED, *found)
    best = sorted(scored, key=lambda pk: (not scored[pk][0], -scored[pk][1], -pk))[:limit]
    if not best:
        return []
    rows = (
        (Annotation.objects.all() if among is None else among)
        .filter(pk__in=best)
        .annotate(verdict=latest_verdict())
        .select_related("article", "author", "reviewer")
        .defer("article__body")
        .prefetch_related(
            Prefetch(
                "evidence",
                Evidence.objects.live().select_related("source"),
                to_attr="live_evidence",
            )
        )
    )
    by_id = {row.pk: row for row in rows}
    return [
        Match(
            annotation=by_id[pk],
            score=round(scored[pk][1], 2),
            reason=scored[pk][2],
            verdict_label=Verdict(by_id[pk].verdict).label if by_id[pk].verdict else "",
            evidence=by_id[pk].live_evidence,
        )
        for pk in best
        if pk in by_id
    ]


def seen_before(user, annotation: Annotation) -> dict:
    """The "seen before" list of an annotation (matching.find_matches) and what the user
    may do with each match: copy its evidence into the review they hold, link it."""
    # Blind annotation hides a colleague's spans on the same article here too.
    matches = find_matches(annotation, among=visibility.visible_annotations(user))
    groups = claim_group_of([annotation.pk, *(m.annotation.pk for m in matches)])
    return {
        "subject": annotation,
        "matches": matches,
        "groups": groups,
        "subject_group": groups.get(annotation.pk),
        "can_copy": policy.allows(user, Action.EDIT_EVIDENCE, annotation),
        "can_link": policy.allows(user, Action.LINK_CLAIMS),
    }


# ---- Claim groups ----


class ClaimGroupError(ValidationError):
    """A rule refused linking or unlinking; the message says which."""


def claim_group_link(*, annotation_id: int, other_id: int, user) -> ClaimGroup:
    """Put two appearances in one claim group: a new group, the group of either, or the
    two groups merged into the older one. Reviewers (and editors) may link."""
    policy.check(user, Action.LINK_CLAIMS)
    if annotation_id == other_id:
        raise ClaimGroupError("An annotation is already the same claim as itself.")
    with transaction.atomic():
        pair = list(
            Annotation.objects.filter(pk__in=[annotation_id, other_id])
            .select_related("claim_group_member")
            .order_by("pk")
        )
        if len(pair) != 2:
            raise ClaimGroupError("One of these annotations does not exist.")
        if pair[0].kind != pair[1].kind:
            raise ClaimGroupError("Only annotations of the same kind can be one claim.")
        groups = sorted({m.group_id for a in pair if (m := _member(a)) is not None})
        try:
            if not groups:
                group = ClaimGroup.objects.create(created_by=user)
            else:
                group = ClaimGroup.objects.get(pk=groups[0])
                # Merging: the younger group's appearances move to the older one.
                ClaimGroupMember.objects.filter(group_id__in=groups[1:]).update(group=group)
                ClaimGroup.objects.filter(pk__in=groups[1:]).delete()
            ClaimGroupMember.objects.bulk_create(
                ClaimGroupMember(group=group, annotation=a, added_by=user)
                for a in pair
                if _member(a) is None
            )
        except IntegrityError as error:  # linked by someone else at this very moment
            raise ClaimGroupError("Someone linked these at the same moment: reload.") from error
    return group


def _member(annotation: Annotation) -> ClaimGroupMember | None:
    try:
        return annotation.claim_group_member
    except ClaimGroupMember.DoesNotExist:
        return None


def claim_group_unlink(*, annotation_id: int, user) -> ClaimGroup | None:
    """Take an appearance out of its group; a group left with one appearance goes."""
    policy.check(user, Action.LINK_CLAIMS)
    with transaction.atomic():
        member = ClaimGroupMember.objects.filter(annotation_id=annotation_id).first()
        if member is None:
            raise ClaimGroupError("This annotation is in no claim group.")
        group = member.group
        member.delete()
        if group.members.count() < 2:
            group.members.all().delete()
            group.delete()
            return None
    return group


def claim_group_of(annotation_ids) -> dict[int, int]:
    """{annotation id: claim group id} for those of `annotation_ids` in a group: one query
    (what the research export adds to each record)."""
    return dict(
        ClaimGroupMember.objects.filter(annotation_id__in=list(annotation_ids)).values_list(
            "annotation_id", "group_id"
        )
    )


def claim_group_appearances(group_id: int):
    """Every appearance of a group, oldest article first, with its article, reviewer and
    latest verdict (`verdict`): one query."""
    return (
        Annotation.objects.filter(claim_group_member__group_id=group_id)
        .annotate(verdict=latest_verdict())
        .select_related("article", "author", "reviewer", "claim_group_member")
        .defer("article__body")
        .order_by("article__published", "article_id", "start", "id")
    )
