"""An exact duplicate (same author, kind and offsets) is refused with a warning until confirmed."""

import pytest
from django.urls import reverse

from annotations import workflow
from annotations.models import Annotation, HistoryEntry, Kind
from annotations.workflow import DuplicateSpan

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PHRASE = "exports rose 30 percent"


def draft(author, article, kind=Kind.CLAIM, **kwargs):
    start = article.body.index(PHRASE)
    return workflow.annotation_create(
        article=article, author=author, kind=kind, start=start, end=start + len(PHRASE),
        exact=PHRASE, **kwargs,
    )  # fmt: skip


def span_data(article, kind="claim", phrase=PHRASE, **extra):
    start = article.body.index(phrase)
    return {"kind": kind, "start": start, "end": start + len(phrase), "exact": phrase, **extra}


def create(client, article, data, **kwargs):
    return client.post(reverse("annotate_create", args=[article.pk]), data, **kwargs)


def test_duplicate_among_finds_the_authors_span_of_that_kind_the_oldest_first():
    # (id, start, end, author_id, kind) in (start, -end, id) order, as annotation_create reads.
    spans = [(4, 0, 12, 1, "claim"), (2, 5, 9, 1, "claim"), (7, 5, 9, 1, "claim"),
             (3, 5, 9, 2, "claim"), (5, 5, 9, 1, "number"), (6, 5, 8, 1, "claim")]  # fmt: skip

    def find(**overrides):
        return workflow.duplicate_among(
            spans, **{"author_id": 1, "kind": "claim", "start": 5, "end": 9} | overrides
        )

    assert find() == 2
    assert find(kind="number") == 5
    assert find(kind="quotation") is None
    assert find(author_id=2) == 3
    assert find(author_id=9) is None
    assert find(end=10) is None


def test_a_withdrawn_span_is_no_duplicate(annotator):
    article = ArticleFactory()
    claim = draft(annotator, article)
    workflow.annotation_withdraw(annotation_id=claim.pk, user=annotator, version=claim.version)

    again = draft(annotator, article)  # no confirmation needed: the first is gone from the screen

    assert again.pk != claim.pk


def test_creating_an_exact_duplicate_is_refused_until_confirmed(annotator):
    article = ArticleFactory()
    first = draft(annotator, article)

    with pytest.raises(DuplicateSpan) as raised:
        draft(annotator, article)
    assert raised.value.duplicate == first
    assert Annotation.objects.count() == 1

    second = draft(annotator, article, confirm_duplicate=True)
    assert second.pk != first.pk
    assert HistoryEntry.objects.filter(action="created").count() == 2


def test_the_same_span_as_another_kind_or_by_someone_else_is_no_duplicate(
    annotator, other_annotator
):
    article = ArticleFactory()
    draft(annotator, article)
    draft(annotator, article, kind=Kind.QUOTATION)
    draft(other_annotator, article)
    assert Annotation.objects.count() == 3


def test_an_htmx_duplicate_answers_409_with_a_warning_and_a_create_anyway_button(
    client_for, annotator
):
    article = ArticleFactory()
    first = draft(annotator, article)

    response = create(client_for(annotator), article, span_data(article), headers=HTMX)

    assert response.status_code == 409
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="create-box"')
    assert "You already marked this text as a claim" in html
    assert f'href="?a={first.pk}#panel"' in html
    assert 'name="confirm_duplicate" value="1"' in html
    assert "Create anyway" in html
    # The warning keeps the selection, so "Create anyway" sends the same span again.
    assert f'value="{first.start}"' in html and f'value="{first.end}"' in html
    assert Annotation.objects.count() == 1


def test_create_anyway_creates_the_duplicate(client_for, annotator):
    article = ArticleFactory()
    draft(annotator, article)

    response = create(
        client_for(annotator), article, span_data(article, confirm_duplicate="1"), headers=HTMX
    )

    assert response.status_code == 200
    assert Annotation.objects.count() == 2


def test_a_duplicate_without_javascript_shows_the_page_with_the_warning(client_for, annotator):
    article = ArticleFactory()
    draft(annotator, article)
    client = client_for(annotator)

    response = create(client, article, {"kind": "claim", "exact": PHRASE})

    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="article-body"' in html  # the whole page, with the warning in the create box
    assert "You already marked this text as a claim" in html
    assert Annotation.objects.count() == 1

    response = create(client, article, {"kind": "claim", "exact": PHRASE, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert Annotation.objects.count() == 2


def test_a_bad_confirm_value_is_refused_with_the_form(client_for, annotator):
    article = ArticleFactory()
    response = create(
        client_for(annotator), article, span_data(article, confirm_duplicate="²"), headers=HTMX
    )
    assert response.status_code == 422
    assert not Annotation.objects.exists()
