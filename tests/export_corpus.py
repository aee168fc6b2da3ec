"""A realistic, fully deterministic set of annotations for the export tests.

Fixed primary keys and times (set with UPDATE, which leaves auto_now fields alone) make
every export byte-for-byte reproducible, which the golden file relies on. The ids are far
above anything a database sequence hands out during a test run.

Two articles: one with an emoji and CJK before the spans (so code-point and UTF-16
offsets differ) holding claims, numbers and quotations, nested; one with no publisher or
url and a claim too long for ClaimReview's claimReviewed. Two of the verified spans began
as the assistant's proposals (the export's `origin`): a number whose attributes the
annotator completed, and a quotation whose span they nudged. The exports claim is in a
claim group with the same claim in a wire copy (a third article, whose annotation is only
submitted, so it is no record of its own): the research export's `claim_group` and the
claim's second ClaimReview appearance. Plus one annotation in every state that must never
be exported.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from annotations import models
from annotations.models import Kind, ReviewOutcome, State, Verdict
from annotations.policy import Role
from annotations.text import quote_context

from .factories import UserFactory

BASE_ID = 970_000
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

TRADE_BODY = (
    "Trade 🚢 report from 北京: the minister said “exports rose 30 percent to US$518.4 "
    "billion” in 2024.\n\n"
    "More than 200 projects were built, officials said. Analysts 👍 were not convinced: "
    "“Growth will slow next year,” said Li Wei."
)
RAIL_BODY = (
    "Officials 👩‍💼 insisted that the new rail line, which opened in March after eleven "
    "years of construction and several budget overruns, would carry forty million "
    "passengers in its first year."
)
WIRE_BODY = "The minister said exports rose 30 percent to US$518.4 billion last year."
RAIL_CLAIM = (
    "the new rail line, which opened in March after eleven years of construction and "
    "several budget overruns, would carry forty million passengers in its first year"
)


@dataclass
class Corpus:
    annotator: object
    reviewer: object
    trade: models.Article
    rail: models.Article
    wire: models.Article
    verified: dict[str, models.Annotation] = field(default_factory=dict)
    hidden: dict[str, models.Annotation] = field(default_factory=dict)
    group: models.ClaimGroup | None = None
    wire_claim: models.Annotation | None = None

    def ids_in_export_order(self) -> list[int]:
        ordered = sorted(self.verified.values(), key=lambda a: (a.decided_at, a.pk))
        return [annotation.pk for annotation in ordered]


def _span(article, phrase, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = article.body.index(phrase, start + 1)
    end = start + len(phrase)
    prefix, suffix = quote_context(article.body, start, end)
    return {"start": start, "end": end, "exact": phrase, "prefix": prefix, "suffix": suffix}


def _annotation(pk, article, phrase, *, kind, state, author, reviewer=None, decided=None, **attrs):
    annotation = models.Annotation.objects.create(
        pk=pk,
        article=article,
        kind=kind,
        state=state,
        author=author,
        reviewer=reviewer,
        decided_at=decided,
        **_span(article, phrase),
        **attrs,
    )
    created = T0 - timedelta(days=2, minutes=pk % 100)
    models.Annotation.objects.filter(pk=pk).update(
        created_at=created, updated_at=decided or created
    )
    annotation.refresh_from_db()
    return annotation


def _review(annotation, reviewer, *, verdict, rationale, at, outcome=ReviewOutcome.VERIFIED):
    review = models.Review.objects.create(
        annotation=annotation,
        reviewer=reviewer,
        outcome=outcome,
        verdict=verdict,
        rationale=rationale,
    )
    models.Review.objects.filter(pk=review.pk).update(created_at=at)


def _evidence(annotation, source, reviewer, *, stance, excerpt, locator, at, removed=False):
    evidence = models.Evidence.objects.create(
        annotation=annotation,
        source=source,
        stance=stance,
        excerpt=excerpt,
        locator=locator,
        added_by=reviewer,
        removed_at=at + timedelta(hours=1) if removed else None,
        removed_by=reviewer if removed else None,
    )
    models.Evidence.objects.filter(pk=evidence.pk).update(created_at=at)


def _began_as_proposal(annotation, pk, phrase, *, engine, version, score, attributes, details,
                       decided_by):  # fmt: skip
    """Record that `annotation` was accepted from an engine's proposal of `phrase`."""
    start = annotation.article.body.index(phrase)
    suggestion = models.Suggestion.objects.create(
        pk=pk,
        article=annotation.article,
        kind=annotation.kind,
        start=start,
        end=start + len(phrase),
        exact=phrase,
        attributes=attributes,
        details=details,
        score=score,
        engine=engine,
        engine_version=version,
        status=models.SuggestionStatus.ACCEPTED,
        decided_by=decided_by,
        decided_at=annotation.created_at,
    )
    models.Annotation.objects.filter(pk=annotation.pk).update(suggestion=suggestion)


def build_corpus() -> Corpus:
    annotator = UserFactory(id=BASE_ID + 1, username="corpus-annotator", role=Role.ANNOTATOR)
    reviewer = UserFactory(id=BASE_ID + 2, username="corpus-reviewer", role=Role.REVIEWER)
    trade = models.Article.objects.create(
        pk=BASE_ID + 11,
        title="Exports hit a record, minister says",
        body=TRADE_BODY,
        checksum=models.body_checksum(TRADE_BODY),  # save() only fills it in without a pk
        publisher="Example News",
        url="https://news.example.org/2025/03/exports-record",
        published=date(2025, 3, 1),
    )
    rail = models.Article.objects.create(
        pk=BASE_ID + 12,
        title="New rail line to carry forty million",
        body=RAIL_BODY,
        checksum=models.body_checksum(RAIL_BODY),
        published=None,
    )
    wire = models.Article.objects.create(
        pk=BASE_ID + 13,
        title="Exports up 30 percent",
        body=WIRE_BODY,
        checksum=models.body_checksum(WIRE_BODY),
        publisher="Example Wire",
        url="https://wire.example.org/exports-up-30-percent",
        published=date(2025, 3, 2),
    )
    statistics = models.Source.objects.create(
        pk=BASE_ID + 21,
        url="https://stats.example.org/trade/2024/table-2",
        title="Foreign trade 2024, table 2",
        publisher="National Statistics Office",
        kind=models.SourceKind.STATISTICS,
        accessed=date(2025, 3, 2),
        archived_url="https://archive.example.org/stats-trade-2024-table-2",
    )
    transcript = models.Source.objects.create(
        pk=BASE_ID + 22,
        url="https://gov.example.org/press/2025-03-01-transcript",
        title="Press conference transcript, 1 March 2025",
        kind=models.SourceKind.TRANSCRIPT,
    )
    corpus = Corpus(annotator=annotator, reviewer=reviewer, trade=trade, rail=rail, wire=wire)

    def verified(name, article, phrase, *, kind, verdict, rationale, decided, **attrs):
        annotation = _annotation(
            BASE_ID + 100 + len(corpus.verified),
            article,
            phrase,
            kind=kind,
            state=State.VERIFIED,
            author=annotator,
            reviewer=reviewer,
            decided=decided,
            **attrs,
        )
        _review(annotation, reviewer, verdict=verdict, rationale=rationale, at=decided)
        corpus.verified[name] = annotation
        return annotation

    # Verification times deliberately out of id order: the export sorts by time.
    quote = verified(
        "minister_quote",
        trade,
        "“exports rose 30 percent to US$518.4 billion”",
        kind=Kind.QUOTATION,
        verdict=Verdict.ACCURATE,
        rationale="The transcript has these words.",
        decided=T0 + timedelta(hours=3),
        speaker="the minister",
        speech_type=models.SpeechType.DIRECT,
        attribution_start=trade.body.index("the minister said"),
        attribution_end=trade.body.index("the minister said") + len("the minister said"),
    )
    claim = verified(
        "exports_claim",
        trade,
        "exports rose 30 percent to US$518.4 billion",
        kind=Kind.CLAIM,
        verdict=Verdict.MOSTLY_ACCURATE,
        rationale="Exports rose 30.1 percent; the total was US$518.2 billion.",
        decided=T0 + timedelta(hours=1),
        check_worthy=True,
    )
    number = verified(
        "exports_number",
        trade,
        "US$518.4 billion",
        kind=Kind.NUMBER,
        verdict=Verdict.INACCURATE,
        rationale="",
        decided=T0 + timedelta(hours=1),  # same time as the claim: the id breaks the tie
        number_value=Decimal("518400000000"),
        number_unit="USD",
        number_scale="billion",
        number_counts="exports in 2024",
    )
    projects = verified(
        "projects_number",
        trade,
        "More than 200",
        kind=Kind.NUMBER,
        verdict=Verdict.UNVERIFIABLE,
        rationale="No public list of the projects exists.",
        decided=T0 + timedelta(hours=2),
        number_value=Decimal("200"),
        number_qualifier="more than",
        number_counts="projects built",
    )
    verified(
        "analysts_claim",
        trade,
        "Analysts 👍 were not convinced",
        kind=Kind.CLAIM,
        verdict=Verdict.MISLEADING,
        rationale="Two of the five analysts quoted agreed.",
        decided=T0 + timedelta(hours=4),
        claimant="Analysts",
    )
    verified(
        "li_wei_quote",
        trade,
        "Growth will slow next year,",
        kind=Kind.QUOTATION,
        verdict=Verdict.ACCURATE,
        rationale="Confirmed with the speaker.",
        decided=T0 + timedelta(hours=5),
        speaker="Li Wei",
        speech_type=models.SpeechType.DIRECT,
    )
    verified(
        "rail_claim",
        rail,
        RAIL_CLAIM,
        kind=Kind.CLAIM,
        verdict=Verdict.INACCURATE,
        rationale="The operator forecasts twelve million passengers.",
        decided=T0 + timedelta(hours=6),
        claimant="Officials",
        check_worthy=True,
    )

    # The claim was verified once, reopened, and verified again: the latest decides.
    _review(
        claim,
        reviewer,
        verdict=Verdict.ACCURATE,
        rationale="First reading.",
        at=T0 - timedelta(days=1),
    )
    for annotation, source, stance, excerpt, locator, hours, removed in [
        (claim, statistics, models.Stance.SUPPORTS, "Exports: +30.1 %", "Table 2, row 1", 0, False),
        (claim, transcript, models.Stance.CONTEXT, "", "", 1, False),
        (claim, transcript, models.Stance.REFUTES, "withdrawn link", "p. 3", 2, True),
        (number, statistics, models.Stance.REFUTES, "US$518.2 billion", "Table 2", 0, False),
        (quote, transcript, models.Stance.SUPPORTS, "exports rose 30 percent", "p. 2", 0, False),
        (projects, transcript, models.Stance.CONTEXT, "", "", 0, False),
    ]:
        _evidence(
            annotation,
            source,
            reviewer,
            stance=stance,
            excerpt=excerpt,
            locator=locator,
            at=T0 - timedelta(hours=5 - hours),
            removed=removed,
        )
    for extra in corpus.verified.values():
        if not extra.evidence.exists():
            _evidence(
                extra,
                statistics,
                reviewer,
                stance=models.Stance.CONTEXT,
                excerpt="",
                locator="",
                at=T0 - timedelta(hours=6),
            )

    # Never exported, whatever the filters.
    for offset, (state, phrase) in enumerate(
        [
            (State.DRAFT, "30 percent"),
            (State.SUBMITTED, "200 projects"),
            (State.IN_REVIEW, "officials said"),
            (State.REJECTED, "exports rose"),
            (State.WITHDRAWN, "Trade"),
        ]
    ):
        has_reviewer = state in (State.IN_REVIEW, State.REJECTED)
        corpus.hidden[state] = _annotation(
            BASE_ID + 200 + offset,
            trade,
            phrase,
            kind=Kind.CLAIM,
            state=state,
            author=annotator,
            reviewer=reviewer if has_reviewer else None,
            decided=T0 if state == State.REJECTED else None,
        )
    # Accepted proposals: what the annotator changed shows in the export's `origin`.
    _began_as_proposal(
        number,
        BASE_ID + 31,
        "US$518.4 billion",
        engine="numbers",
        version="2",
        score=0.96875,
        attributes={
            "number_value": "518400000000",
            "number_unit": "USD",
            "number_scale": "billion",
        },
        details={"type": "money"},
        decided_by=annotator,
    )
    _began_as_proposal(
        corpus.verified["li_wei_quote"],
        BASE_ID + 32,
        "“Growth will slow next year,”",
        engine="quotations",
        version="2",
        score=0.875,
        attributes={"speaker": "Li Wei", "speech_type": "direct"},
        details={},
        decided_by=annotator,
    )

    # The same claim in the wire copy, linked with the trade article's by the reviewer.
    corpus.wire_claim = _annotation(
        BASE_ID + 210,
        wire,
        "exports rose 30 percent to US$518.4 billion",
        kind=Kind.CLAIM,
        state=State.SUBMITTED,
        author=annotator,
    )
    corpus.group = models.ClaimGroup.objects.create(pk=BASE_ID + 41, created_by=reviewer)
    for member in (claim, corpus.wire_claim):
        models.ClaimGroupMember.objects.create(
            group=corpus.group, annotation=member, added_by=reviewer
        )

    rejected = corpus.hidden[State.REJECTED]
    _review(
        rejected,
        reviewer,
        verdict="",
        rationale="Not a claim.",
        at=T0,
        outcome=ReviewOutcome.REJECTED,
    )
    return corpus
