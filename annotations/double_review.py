"""Double review: on an article marked for it (`DoubleReview`), every item needs two
independent decisions by two different reviewers, neither of them its author.

The rule, as `workflow` applies it when a reviewer verifies or rejects:

- The first decision is recorded as a Review like any other, opens a `DoubleReviewRound`
  and sends the item back to the queue in its old place. Its outcome is sealed: only the
  reviewer who gave it reads it (`Review.objects.visible_to`), and its history entry
  ("First review given") says neither outcome nor verdict. Its reviewer cannot take the
  item again (`policy.takeable_by`, the TAKE rule).
- The second decision decides the item when it agrees with the first: both verified with
  the very same verdict, or both rejected. Otherwise the round is **disputed**: the item
  waits, untakeable, on the disputed list (`/review/disputed/`) for an editor who gave
  neither review to settle it with a final verify, reject or send back (`Action.SETTLE`).
  Sending back by the second reviewer ends the round: the author reworks the item and it
  starts a new round when submitted again.
- Sending back by the first reviewer is an ordinary send back: no round starts.

Rounds are kept once closed; verdict agreement (`agreement_data`) measures the pairs of
independent verdicts they hold. A round that started finishes under its rule even if the
editor switches double review off meanwhile.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import policy
from .models import (
    Annotation,
    Article,
    DoubleReview,
    DoubleReviewRound,
    Review,
    ReviewOutcome,
    RoundStatus,
)
from .policy import Action


def is_on(article_id: int) -> bool:
    """Whether the article's items need two decisions (one query)."""
    return DoubleReview.objects.filter(article_id=article_id).exists()


def decisions_agree(first: Review, second: Review) -> bool:
    """Two decisions agree when both verify with the very same verdict, or both reject.

    "Mostly accurate" against "accurate" is a disagreement: which one the item gets is the
    editor's call, not the order the reviewers came in.
    """
    return first.outcome == second.outcome and first.verdict == second.verdict


def round_open(*, annotation: Annotation, first: Review) -> DoubleReviewRound:
    return DoubleReviewRound.objects.create(annotation=annotation, first=first)


def round_close(*, review_round: DoubleReviewRound, review: Review) -> RoundStatus:
    """Record `review` as the round's second decision (or, on a disputed round, the
    editor's settlement) and return the round's new status."""
    if review_round.status == RoundStatus.DISPUTED:
        review_round.settlement = review
        review_round.status = RoundStatus.SETTLED
    else:
        review_round.second = review
        if review.outcome == ReviewOutcome.SENT_BACK:
            review_round.status = RoundStatus.SENT_BACK
        elif decisions_agree(review_round.first, review):
            review_round.status = RoundStatus.AGREED
        else:
            review_round.status = RoundStatus.DISPUTED
    if review_round.status != RoundStatus.DISPUTED:
        review_round.closed_at = timezone.now()
    review_round.save(update_fields=["second", "settlement", "status", "closed_at"])
    return review_round.status


def disputed_items() -> QuerySet[Annotation]:
    """Items whose two reviewers disagree, oldest dispute first: the editors' list."""
    return Annotation.objects.filter(double_review_rounds__status=RoundStatus.DISPUTED).order_by(
        "double_review_rounds__second__created_at", "id"
    )


def double_review_mark(*, articles: QuerySet[Article], editor) -> int:
    """Mark `articles` (one, or an import batch's) for double review; returns how many
    articles are marked (those already marked stay as they are)."""
    policy.check(editor, Action.SET_DOUBLE_REVIEW)
    article_ids = list(articles.values_list("pk", flat=True))
    with transaction.atomic():
        marked = set(
            DoubleReview.objects.filter(article_id__in=article_ids).values_list(
                "article_id", flat=True
            )
        )
        DoubleReview.objects.bulk_create(
            DoubleReview(article_id=pk, created_by=editor) for pk in article_ids if pk not in marked
        )
    return len(article_ids)


def double_review_unmark(*, articles: QuerySet[Article], editor) -> int:
    """End double review on `articles`: one decision decides their items again (rounds
    already open finish under the double-review rule)."""
    policy.check(editor, Action.SET_DOUBLE_REVIEW)
    deleted, _ = DoubleReview.objects.filter(article__in=articles).delete()
    return deleted
