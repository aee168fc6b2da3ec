"""Agreement from the database: the annotators' submitted work loaded per article and
measured by the pure functions of `agreement.py` (which stays free of the ORM).

Submitted work is every annotation an annotator sent for review, whatever became of it
since (submitted, in review, verified, rejected): not drafts (still being made), not
withdrawn ones, and not the reference spans an editor made by adjudication (those are
the outcome of comparing the annotators, not an annotator's work).

Loading costs a fixed number of queries whatever the number of articles and spans: the
spans (one), the articles' titles and body lengths (one, the length counted by the
database so no body is read), the annotators' names (one) and, for verdicts, the
double-review rounds with their two verdicts (one).
"""

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Length

from .agreement import (
    ArticleAgreement,
    ArticleSpans,
    CorpusAgreement,
    Span,
    VerdictAgreement,
    article_agreement,
    corpus_agreement,
    verdict_agreement,
)
from .models import AdjudicationSource, Annotation, Article, DoubleReviewRound
from .visibility import SUBMITTED_WORK

# What agreement.Span needs of an annotation (attributes under the model's names).
_WORK_COLUMNS = (
    "id", "article_id", "author_id", "kind", "start", "end",
    "number_value", "number_unit", "speaker", "check_worthy",
)  # fmt: skip
_ATTRIBUTE_COLUMNS = _WORK_COLUMNS[6:]


def submitted_work() -> QuerySet[Annotation]:
    """Every annotator's submitted work, adjudicated reference spans left out."""
    adjudicated = AdjudicationSource.objects.filter(annotation=OuterRef("pk"))
    return Annotation.objects.filter(state__in=SUBMITTED_WORK).exclude(Exists(adjudicated))


@dataclass(frozen=True)
class ArticleInfo:
    id: int
    title: str
    body_length: int


@dataclass(frozen=True)
class ArticleResult:
    """One article's figures, with what the page shows next to them."""

    article: ArticleInfo
    agreement: ArticleAgreement
    spans_by_annotator: dict[Hashable, list[Span]]


@dataclass(frozen=True)
class AgreementData:
    """The agreement of a set of articles: each article with two or more annotators'
    submitted work, the corpus figures, and who the annotators are."""

    articles: list[ArticleResult]
    # Articles with submitted work by only one annotator: nothing to compare yet.
    single_annotator_articles: int
    corpus: CorpusAgreement
    verdicts: VerdictAgreement
    usernames: dict[int, str]

    def name(self, annotator) -> str:
        return self.usernames.get(annotator, str(annotator))


def _spans_by_article(work: QuerySet[Annotation], key) -> dict[int, dict[Hashable, list[Span]]]:
    spans: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    for row in work.order_by("article_id", "start", "-end", "id").values_list(*_WORK_COLUMNS):
        attributes = dict(zip(_ATTRIBUTE_COLUMNS, row[6:], strict=True))
        spans[row[1]][key(row[2])].append(Span(row[4], row[5], row[3], attributes))
    return spans


def _verdicts(annotations: QuerySet[Annotation]) -> VerdictAgreement:
    """The two independent verdicts of each double-reviewed item (`DoubleReviewRound`).

    Each round whose two reviewers both verified is one unit with two verdicts: agreed,
    disputed or settled alike (an editor's settlement is not a third independent verdict,
    it is made knowing both). Rounds with a rejection or a send back have no second verdict
    on the scale, and a round still waiting has none yet. An item reopened and double
    reviewed again is a unit per round. Items decided by one reviewer give no pair: a
    verdict given after seeing another one (a reopened item) is not independent.
    """
    rounds = (
        DoubleReviewRound.objects.filter(annotation__in=annotations, second__isnull=False)
        .exclude(first__verdict="")
        .exclude(second__verdict="")
        .order_by("pk")
        .values_list("pk", "first__verdict", "second__verdict")
    )
    return verdict_agreement({pk: [first, second] for pk, first, second in rounds})


def agreement_data(
    articles: QuerySet[Article] | None = None,
    *,
    annotator_key: Callable[[int], Hashable] | None = None,
) -> AgreementData:
    """The agreement of `articles` (all articles when None), in four queries.

    Annotators are keyed by user id, or by `annotator_key(user_id)` (the export's
    pseudonyms: then no names are read); pairs and tables are ordered by the keys.
    """
    work = submitted_work()
    annotations = Annotation.objects.all()
    if articles is not None:
        work = work.filter(article__in=articles)
        annotations = annotations.filter(article__in=articles)
    spans = _spans_by_article(work, annotator_key or int)
    compared = {pk: by for pk, by in spans.items() if len(by) >= 2}
    infos = {
        pk: ArticleInfo(pk, title, length)
        for pk, title, length in Article.objects.filter(pk__in=compared)
        .annotate(body_length=Length("body"))
        .values_list("pk", "title", "body_length")
    }
    results = []
    for pk in sorted(compared):
        by_annotator = {author: list(items) for author, items in compared[pk].items()}
        measured = article_agreement(ArticleSpans(infos[pk].body_length, by_annotator))
        results.append(ArticleResult(infos[pk], measured, by_annotator))
    usernames = {}
    if annotator_key is None:
        users = get_user_model().objects.filter(pk__in={a for by in spans.values() for a in by})
        usernames = dict(users.values_list("pk", get_user_model().USERNAME_FIELD))
    return AgreementData(
        articles=results,
        single_annotator_articles=len(spans) - len(compared),
        corpus=corpus_agreement(result.agreement for result in results),
        verdicts=_verdicts(annotations),
        usernames=usernames,
    )
