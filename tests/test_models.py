"""The database itself refuses what would break an invariant (SQLite and PostgreSQL)."""

import pytest
from django.db import IntegrityError, transaction

from annotations.models import (
    Annotation,
    Article,
    Evidence,
    Kind,
    Review,
    ReviewOutcome,
    Source,
    State,
    body_checksum,
)

from .factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    ReviewFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(**kwargs):
    """Context: the statement inside must fail with IntegrityError, rolled back alone."""
    return pytest.raises(IntegrityError, **kwargs)


def test_article_gets_the_checksum_of_its_body():
    article = ArticleFactory(body="Zoë said “hi” 👋")

    assert article.checksum == body_checksum("Zoë said “hi” 👋")


def test_article_body_cannot_change_through_save():
    article = ArticleFactory()
    article.body = "A corrected text"

    with pytest.raises(ValueError, match="cannot change"):
        article.save()
    assert Article.objects.get(pk=article.pk).body != "A corrected text"


def test_article_body_cannot_change_even_with_a_queryset_update():
    article = ArticleFactory()

    with refused(), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(body="Rewritten behind the model's back")
    assert Article.objects.get(pk=article.pk).body == article.body


def test_article_other_fields_can_change():
    article = ArticleFactory()

    Article.objects.filter(pk=article.pk).update(title="Better title", publisher="Desk")
    article.refresh_from_db()
    assert (article.title, article.publisher) == ("Better title", "Desk")


def test_two_articles_cannot_share_a_body():
    ArticleFactory(body="Same text")

    with refused(), transaction.atomic():
        ArticleFactory(body="Same text")


def test_annotation_span_is_stored_in_code_points_even_after_an_emoji():
    article = ArticleFactory(body="👋🏽 Zoë said “漢字 here”.")
    start = article.body.index("漢字")

    annotation = AnnotationFactory(article=article, phrase="漢字 here")

    annotation.refresh_from_db()
    # 👋🏽 are two code points (four UTF-16 units): the database accepted code-point offsets.
    assert annotation.start == start == 13
    assert article.body[annotation.start : annotation.end] == annotation.exact == "漢字 here"


@pytest.mark.parametrize(
    ("start", "end", "exact"),
    [
        (5, 5, ""),  # empty span
        (7, 5, "xx"),  # reversed
    ],
)
def test_annotation_span_must_have_start_before_end(start, end, exact):
    article = ArticleFactory()

    with refused(), transaction.atomic():
        AnnotationFactory(article=article, start=start, end=end, exact=exact)


def test_annotation_exact_must_equal_the_body_slice():
    article = ArticleFactory(body="The minister said exports rose.")

    with refused(), transaction.atomic():
        AnnotationFactory(article=article, start=4, end=12, exact="MINISTER")


def test_annotation_exact_must_have_the_span_length():
    article = ArticleFactory(body="The minister said exports rose.")

    with refused(), transaction.atomic():
        AnnotationFactory(article=article, start=4, end=12, exact="minister said")


def test_annotation_cannot_end_past_the_body():
    article = ArticleFactory(body="Short.")

    with refused(), transaction.atomic():
        AnnotationFactory(article=article, start=0, end=9, exact="Short.xxx")


def test_annotation_span_cannot_be_moved_off_its_text_by_an_update():
    annotation = AnnotationFactory()

    with refused(), transaction.atomic():
        Annotation.objects.filter(pk=annotation.pk).update(
            start=annotation.start + 1, end=annotation.end + 1
        )


def test_number_attributes_only_on_numbers():
    with refused(), transaction.atomic():
        AnnotationFactory(kind=Kind.CLAIM, number_unit="USD")


def test_quotation_attributes_only_on_quotations():
    with refused(), transaction.atomic():
        AnnotationFactory(kind=Kind.NUMBER, speaker="The minister")


def test_claim_attributes_only_on_claims():
    with refused(), transaction.atomic():
        AnnotationFactory(kind=Kind.QUOTATION, check_worthy=True)


def test_attribution_span_needs_both_ends_in_order():
    with refused(), transaction.atomic():
        AnnotationFactory(kind=Kind.QUOTATION, attribution_start=10, attribution_end=4)


def test_unknown_kind_and_state_are_refused():
    with refused(), transaction.atomic():
        AnnotationFactory(kind="rumour")
    with refused(), transaction.atomic():
        AnnotationFactory(state="lost")


def test_nobody_reviews_their_own_annotation():
    author = UserFactory()

    with refused(), transaction.atomic():
        AnnotationFactory(author=author, reviewer=author, state=State.IN_REVIEW)


def test_states_after_taking_need_a_reviewer():
    with refused(), transaction.atomic():
        AnnotationFactory(state=State.VERIFIED, reviewer=None)


def test_a_verification_needs_a_verdict():
    with refused(), transaction.atomic():
        ReviewFactory(outcome=ReviewOutcome.VERIFIED, verdict="")


def test_rejecting_or_sending_back_needs_a_reason():
    with refused(), transaction.atomic():
        ReviewFactory(outcome=ReviewOutcome.REJECTED, verdict="", rationale="")
    with refused(), transaction.atomic():
        ReviewFactory(outcome=ReviewOutcome.SENT_BACK, verdict="", rationale="")


def test_the_same_url_is_one_source():
    SourceFactory(url="https://stats.example.org/t/1")

    with refused(), transaction.atomic():
        SourceFactory(url="https://stats.example.org/t/1")
    assert Source.objects.count() == 1


def test_removed_evidence_records_who_removed_it():
    with refused(), transaction.atomic():
        EvidenceFactory(removed_at="2026-01-01T00:00:00Z", removed_by=None)


def test_articles_with_annotations_cannot_be_deleted():
    annotation = AnnotationFactory()

    with pytest.raises(Exception, match="protected"), transaction.atomic():
        annotation.article.delete()
    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_with_counts_counts_live_annotations_by_kind_and_state():
    article = ArticleFactory()
    AnnotationFactory(article=article, kind=Kind.CLAIM)
    AnnotationFactory(article=article, kind=Kind.NUMBER, phrase="30 percent")
    AnnotationFactory(article=article, kind=Kind.CLAIM, state=State.WITHDRAWN)
    reviewed = AnnotationFactory(article=article, kind=Kind.QUOTATION, phrase="More than 200")
    Annotation.objects.filter(pk=reviewed.pk).update(state=State.SUBMITTED)

    counted = Article.objects.with_counts().get(pk=article.pk)

    counts = counted.counts
    assert (counts.claim, counts.number, counts.quotation) == (1, 1, 1)
    assert (counts.draft, counts.submitted, counts.withdrawn) == (2, 1, 1)
    assert counts.total == 3


def test_evidence_live_excludes_removed_items(reviewer):
    evidence = EvidenceFactory()
    EvidenceFactory(
        annotation=evidence.annotation, removed_at="2026-01-01T00:00:00Z", removed_by=reviewer
    )

    assert list(Evidence.objects.live()) == [evidence]


def test_review_rating_follows_the_verdict_scale():
    assert ReviewFactory(verdict="accurate").rating == 5
    assert ReviewFactory(verdict="inaccurate").rating == 1
    assert ReviewFactory(verdict="unverifiable").rating is None
    assert Review.objects.count() == 3
