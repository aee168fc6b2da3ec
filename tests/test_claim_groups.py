"""Seen before on the screens, copying evidence by the review page, and claim groups."""

import itertools

import pytest
from django.urls import reverse

from annotations.matching import claim_group_link, claim_group_of, claim_group_unlink
from annotations.models import ClaimGroup, Evidence, State

from .factories import AnnotationFactory, ArticleFactory, EvidenceFactory, ReviewFactory

pytestmark = pytest.mark.django_db
ARTICLES = itertools.count()
UN = "This year marks the 80th anniversary of the founding of the United Nations."
UN_AGAIN = "Wang Yi said that this year marks the 80th founding anniversary of the United Nations."


def claim(sentence: str, **fields):
    article = ArticleFactory(body=f"{sentence}\n\nArticle {next(ARTICLES)} goes on.")
    return AnnotationFactory(article=article, phrase=sentence, **fields)


@pytest.fixture
def in_review(reviewer):
    return claim(UN_AGAIN, state=State.IN_REVIEW, reviewer=reviewer)


@pytest.fixture
def checked(other_reviewer):
    earlier = claim(UN, state=State.VERIFIED, reviewer=other_reviewer)
    EvidenceFactory(annotation=earlier, added_by=other_reviewer, source__title="UN Charter")
    ReviewFactory(annotation=earlier, reviewer=other_reviewer)
    return earlier


def test_the_review_item_shows_seen_before_with_a_copy_button_for_the_holder(
    client_for, reviewer, in_review, checked
):
    page = client_for(reviewer).get(reverse("review_item", args=[in_review.pk])).content.decode()
    assert "Seen before" in page and "UN Charter" in page and "Accurate" in page
    assert reverse("review_evidence_copy", args=[in_review.pk, checked.pk]) in page


def test_the_author_sees_the_list_but_no_copy_button(client_for, in_review, checked):
    page = client_for(in_review.author).get(reverse("review_item", args=[in_review.pk]))
    assert "UN Charter" in page.content.decode()
    assert reverse("review_evidence_copy", args=[in_review.pk, checked.pk]) not in (
        page.content.decode()
    )


def test_the_review_item_costs_the_same_with_many_matches(
    client_for, reviewer, in_review, other_reviewer, django_assert_max_num_queries
):
    claim(UN, state=State.VERIFIED, reviewer=other_reviewer)  # one match, no evidence
    client = client_for(reviewer)
    url = reverse("review_item", args=[in_review.pk])
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
        without_matches = len(few.captured_queries)
    for _ in range(10):
        match = claim(UN, state=State.VERIFIED, reviewer=other_reviewer)
        EvidenceFactory.create_batch(3, annotation=match, added_by=other_reviewer)
        ReviewFactory(annotation=match, reviewer=other_reviewer)
    client.get(url)  # indexes the new ones
    with django_assert_max_num_queries(without_matches):
        assert client.get(url).content.decode().count('class="match"') == 5


def test_copying_by_the_page_adds_evidence_and_redirects(client_for, reviewer, in_review, checked):
    url = reverse("review_evidence_copy", args=[in_review.pk, checked.pk])
    response = client_for(reviewer).post(url)
    assert response.status_code == 302
    assert response["Location"].endswith("#evidence")
    copy = Evidence.objects.get(annotation=in_review)
    assert copy.copied_from == checked.evidence.get()


def test_copying_is_refused_to_anyone_but_the_holder(
    client_for, other_reviewer, in_review, checked
):
    url = reverse("review_evidence_copy", args=[in_review.pk, checked.pk])
    assert client_for(other_reviewer).post(url).status_code == 403
    assert client_for(in_review.author).post(url).status_code == 403
    assert not Evidence.objects.filter(annotation=in_review).exists()


def test_copying_rejects_get_and_a_missing_match(client_for, reviewer, in_review):
    assert (
        client_for(reviewer)
        .get(reverse("review_evidence_copy", args=[in_review.pk, in_review.pk]))
        .status_code
        == 405
    )
    missing = reverse("review_evidence_copy", args=[in_review.pk, 999999])
    assert client_for(reviewer).post(missing).status_code == 404


def test_the_annotate_panel_loads_seen_before(client_for, annotator, checked):
    mine = claim(UN_AGAIN, author=annotator)
    page = client_for(annotator).get(
        reverse("article_detail", args=[mine.article_id]), {"a": mine.pk}
    )
    assert reverse("seen_before", args=[mine.pk]) in page.content.decode()
    fragment = client_for(annotator).get(
        reverse("seen_before", args=[mine.pk]), headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert 'id="seen-before"' in html and checked.exact in html
    assert "Copy its sources" not in html and "link them" not in html  # an annotator's view


def test_seen_before_is_refused_without_a_role(client_for, outsider, checked):
    assert client_for(outsider).get(reverse("seen_before", args=[checked.pk])).status_code == 403


# ---- Claim groups ----


def test_linking_makes_one_group_and_merges_groups(reviewer, checked, in_review):
    group = claim_group_link(annotation_id=in_review.pk, other_id=checked.pk, user=reviewer)
    third, fourth = claim(UN), claim(UN)
    other = claim_group_link(annotation_id=third.pk, other_id=fourth.pk, user=reviewer)
    merged = claim_group_link(annotation_id=third.pk, other_id=checked.pk, user=reviewer)
    assert merged == group and not ClaimGroup.objects.filter(pk=other.pk).exists()
    assert claim_group_of([in_review.pk, checked.pk, third.pk, fourth.pk]) == {
        pk: group.pk for pk in (in_review.pk, checked.pk, third.pk, fourth.pk)
    }


def test_unlinking_the_last_but_one_removes_the_group(reviewer, checked, in_review):
    group = claim_group_link(annotation_id=in_review.pk, other_id=checked.pk, user=reviewer)
    assert claim_group_unlink(annotation_id=in_review.pk, user=reviewer) is None
    assert not ClaimGroup.objects.filter(pk=group.pk).exists()
    assert claim_group_of([checked.pk]) == {}


def test_linking_by_the_page_shows_every_appearance_with_its_verdict(
    client_for, reviewer, in_review, checked, django_assert_max_num_queries
):
    client = client_for(reviewer)
    response = client.post(reverse("claim_group_link", args=[in_review.pk]), {"other": checked.pk})
    group = ClaimGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "claim_group", args=[group.pk]
    )
    with django_assert_max_num_queries(8):
        page = client.get(response["Location"]).content.decode()
    assert in_review.exact in page and checked.exact in page and "Accurate" in page


@pytest.mark.parametrize("other", ["", "abc", "²"])
def test_linking_refuses_a_bad_id(client_for, reviewer, in_review, other):
    response = client_for(reviewer).post(
        reverse("claim_group_link", args=[in_review.pk]), {"other": other}
    )
    assert response.status_code == 400
    assert not ClaimGroup.objects.exists()


def test_annotators_may_not_link(client_for, annotator, in_review, checked):
    url = reverse("claim_group_link", args=[in_review.pk])
    assert client_for(annotator).post(url, {"other": checked.pk}).status_code == 403
    assert not ClaimGroup.objects.exists()


def test_linking_an_annotation_to_itself_is_refused_with_a_message(client_for, reviewer, in_review):
    url = reverse("claim_group_link", args=[in_review.pk])
    response = client_for(reviewer).post(url, {"other": in_review.pk}, follow=True)
    assert "same claim as itself" in response.content.decode()
    assert not ClaimGroup.objects.exists()
