"""Adjudication: groups of the annotators' spans, references made from them through the
workflow (created, recorded with their sources, submitted), and who may do it."""

import pytest
from django.urls import reverse

from annotations import workflow
from annotations.adjudication import AlreadyAdjudicated, adjudicate, adjudication_of
from annotations.agreement_data import agreement_data
from annotations.models import AdjudicationSource, Annotation, Article, HistoryAction, Kind, State

from .factories import AnnotationFactory, ArticleFactory

pytestmark = pytest.mark.django_db

BODY = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"


def span(article, author, start, end, kind=Kind.CLAIM, **attributes):
    return AnnotationFactory(article=article, author=author, kind=kind, start=start, end=end,
                             state=State.SUBMITTED, **attributes)  # fmt: skip


@pytest.fixture
def disputed(annotator, other_annotator):
    """Anna: claim [0,10), number [20,25) 30 USD. Otto: claim [2,10), number [20,25) 31 USD,
    quotation [30,35)."""
    article = ArticleFactory(body=BODY)
    spans = {
        "anna_claim": span(article, annotator, 0, 10),
        "otto_claim": span(article, other_annotator, 2, 10),
        "anna_number": span(article, annotator, 20, 25, Kind.NUMBER, number_value="30",
                            number_unit="USD"),
        "otto_number": span(article, other_annotator, 20, 25, Kind.NUMBER, number_value="31",
                            number_unit="USD"),
        "otto_quote": span(article, other_annotator, 30, 35, Kind.QUOTATION),
    }  # fmt: skip
    return article, spans


def test_spans_are_grouped_by_kind_and_overlap(disputed, annotator, other_annotator):
    article, spans = disputed
    adjudication = adjudication_of(article)
    assert [user.pk for user in adjudication.annotators] == [annotator.pk, other_annotator.pk]
    summary = [(g.kind, g.start, g.end, g.agreed, [len(c) for c in g.columns])
               for g in adjudication.groups]  # fmt: skip
    assert summary == [
        ("claim", 0, 10, False, [1, 1]),
        ("number", 20, 25, True, [1, 1]),  # same offsets: agreed (attributes differ)
        ("quotation", 30, 35, False, [0, 1]),
    ]
    assert adjudication.open_disagreements == 2


def test_merging_makes_a_submitted_reference_by_the_editor_with_its_sources(disputed, editor):
    article, spans = disputed
    sources = [spans["anna_claim"].pk, spans["otto_claim"].pk]
    reference = adjudicate(article=article, editor=editor, kind="claim", start=0, end=10,
                           exact=BODY[0:10], source_ids=sources,
                           attributes_from=spans["anna_claim"].pk)  # fmt: skip
    assert reference.author == editor
    assert reference.state == State.SUBMITTED
    assert set(reference.adjudication_sources.values_list("source_annotation", flat=True)) == set(
        sources
    )
    actions = list(reference.history.values_list("action", flat=True))
    assert actions == [HistoryAction.CREATED, HistoryAction.SUBMITTED]
    # The group is done, and the reference is not counted as an annotator's work.
    assert adjudication_of(article).groups[0].done
    result = agreement_data(Article.objects.filter(pk=article.pk)).articles[0]
    assert editor.pk not in result.spans_by_annotator


def test_accepting_copies_the_chosen_spans_attributes(disputed, editor):
    article, spans = disputed
    chosen = spans["otto_number"]
    reference = adjudicate(article=article, editor=editor, kind="number", start=20, end=25,
                           exact=None, source_ids=[spans["anna_number"].pk, chosen.pk],
                           attributes_from=chosen.pk)  # fmt: skip
    assert str(reference.number_value).startswith("31")
    assert reference.number_unit == "USD"


def test_the_same_spans_cannot_be_adjudicated_twice_until_the_reference_is_rejected(
    disputed, editor, reviewer
):
    article, spans = disputed
    sources = [spans["otto_quote"].pk]
    first = adjudicate(article=article, editor=editor, kind="quotation", start=30, end=35,
                       exact=None, source_ids=sources)  # fmt: skip
    with pytest.raises(AlreadyAdjudicated):
        adjudicate(article=article, editor=editor, kind="quotation", start=30, end=35,
                   exact=None, source_ids=sources)  # fmt: skip
    taken = workflow.annotation_take(annotation_id=first.pk, reviewer=reviewer)
    workflow.annotation_reject(annotation_id=first.pk, reviewer=reviewer,
                               version=taken.version, rationale="Not a quotation.")  # fmt: skip
    again = adjudicate(article=article, editor=editor, kind="claim", start=30, end=35,
                       exact=None, source_ids=sources)  # fmt: skip
    assert again.kind == "claim"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"exact": "wrong text"}, "does not match"),
        ({"start": 5, "end": 99}, "outside the article"),
        ({"source_ids": []}, "which annotators"),
        ({"attributes_from": 1_000_000}, "one of the source spans"),
    ],
)
def test_bad_references_are_refused_and_nothing_is_written(disputed, editor, change, message):
    article, spans = disputed
    arguments = {"article": article, "editor": editor, "kind": "claim", "start": 0, "end": 10,
                 "exact": BODY[0:10], "source_ids": [spans["anna_claim"].pk]} | change  # fmt: skip
    before = Annotation.objects.count()
    with pytest.raises(workflow.WorkflowError, match=message):
        adjudicate(**arguments)
    assert Annotation.objects.count() == before
    assert not AdjudicationSource.objects.exists()


def test_drafts_and_other_articles_spans_are_no_sources(disputed, editor, annotator):
    article, spans = disputed
    draft = AnnotationFactory(article=article, author=annotator, start=0, end=5)
    elsewhere = span(ArticleFactory(), annotator, 0, 5)
    for source in (draft, elsewhere):
        with pytest.raises(workflow.WorkflowError, match="not an annotator's submitted span"):
            adjudicate(article=article, editor=editor, kind="claim", start=0, end=5, exact=None,
                       source_ids=[source.pk])  # fmt: skip


# ---- The screen ----


def test_the_screen_shows_the_groups_side_by_side(client_for, editor, disputed):
    article, spans = disputed
    response = client_for(editor).get(reverse("adjudicate", args=[article.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="adj-group') == 3
    assert "Did not mark this." in html
    assert 'data-key="m"' in html and 'data-key="1"' in html


def test_posting_a_choice_creates_the_reference_and_returns_to_the_group(
    client_for, editor, disputed
):
    article, spans = disputed
    response = client_for(editor).post(
        reverse("adjudicate_submit", args=[article.pk]),
        {"group": "1", "kind": "claim", "start": "2", "end": "10", "exact": BODY[2:10],
         "sources": [str(spans["otto_claim"].pk)], "attributes_from": str(spans["otto_claim"].pk)},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("adjudicate", args=[article.pk]) + "?after=1")
    reference = Annotation.objects.get(author=editor)
    assert (reference.start, reference.end, reference.state) == (2, 10, State.SUBMITTED)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "claim", "start": "x", "end": "10", "sources": ["1"]},
        {"kind": "opinion", "start": "0", "end": "10", "sources": ["1"]},
        {"kind": "claim", "start": "0", "end": "10", "sources": ["٣"]},
        {"kind": "claim", "start": "0", "end": "10"},
    ],
)
def test_malformed_posts_are_refused_with_422(client_for, editor, disputed, data):
    article, _ = disputed
    response = client_for(editor).post(reverse("adjudicate_submit", args=[article.pk]), data)
    assert response.status_code == 422
    assert not Annotation.objects.filter(author=editor).exists()


def test_a_second_adjudication_of_the_same_spans_is_a_409(client_for, editor, disputed):
    article, spans = disputed
    data = {"kind": "quotation", "start": "30", "end": "35", "sources": [spans["otto_quote"].pk]}
    client = client_for(editor)
    url = reverse("adjudicate_submit", args=[article.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 409
    assert Annotation.objects.filter(author=editor).count() == 1


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "researcher", "outsider"])
def test_only_editors_adjudicate(request, client_for, persona, disputed):
    article, spans = disputed
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("adjudicate", args=[article.pk])).status_code == 403
    data = {"kind": "quotation", "start": "30", "end": "35", "sources": [spans["otto_quote"].pk]}
    assert client.post(reverse("adjudicate_submit", args=[article.pk]), data).status_code == 403
    assert not AdjudicationSource.objects.exists()


def test_the_screen_and_the_form_accept_only_their_methods(client_for, editor, disputed):
    article, _ = disputed
    client = client_for(editor)
    assert client.post(reverse("adjudicate", args=[article.pk])).status_code == 405
    assert client.get(reverse("adjudicate_submit", args=[article.pk])).status_code == 405


@pytest.mark.parametrize("pairs", [2, 25])
def test_the_screen_costs_the_same_queries_for_more_spans(
    client_for, editor, annotator, other_annotator, pairs, django_assert_max_num_queries
):
    article = ArticleFactory(body="word " * 60)
    for index in range(pairs):
        start = (index * 10) % 290
        span(article, annotator, start, start + 4)
        span(article, other_annotator, start, start + 9)
    client = client_for(editor)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("adjudicate", args=[article.pk]))
    assert response.status_code == 200
