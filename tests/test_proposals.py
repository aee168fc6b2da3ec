"""Storing, accepting and dismissing the assistant's proposals (annotations/proposals.py)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    Annotation,
    HistoryEntry,
    Kind,
    State,
    Suggestion,
    SuggestionStatus,
)
from annotations.proposals import (
    PushedSpan,
    origin_of,
    proposals_push,
    suggestion_accept,
    suggestion_dismiss,
    suggestions_accept_all,
    suggestions_refresh,
)
from annotations.suggest import Proposal
from annotations.workflow import RecordsRefused, WorkflowError, annotation_update

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

BODY = (
    "Exports rose 30 percent to US$518.4 billion in 2024, the minister said.\n\n"
    "“We will double it by 2030,” said Trade Minister Ana Ruiz. More than 200 firms agreed."
)


@pytest.fixture
def article():
    return ArticleFactory(body=BODY)


def test_refresh_stores_the_engines_proposals_once(article):
    added = suggestions_refresh(article=article)

    assert added > 0
    assert Suggestion.objects.filter(article=article).count() == added
    money = Suggestion.objects.get(article=article, exact="US$518.4 billion")
    assert money.kind == Kind.NUMBER
    assert money.attributes["number_value"] == "518400000000"
    assert money.attributes["number_unit"] == "USD"
    assert money.engine == "numbers" and money.engine_version
    assert money.status == SuggestionStatus.PENDING
    assert suggestions_refresh(article=article) == 0  # running twice adds nothing


def test_refresh_bumps_the_article_version_only_when_something_is_new(article):
    suggestions_refresh(article=article)
    article.refresh_from_db()
    version = article.annotations_version

    suggestions_refresh(article=article)
    article.refresh_from_db()

    assert version > 0
    assert article.annotations_version == version


def test_a_dismissed_proposal_is_not_proposed_again_by_the_same_version(article, annotator):
    suggestions_refresh(article=article)
    money = Suggestion.objects.get(article=article, exact="US$518.4 billion")

    suggestion_dismiss(suggestion_id=money.pk, user=annotator)
    suggestions_refresh(article=article)

    assert Suggestion.objects.filter(article=article, exact="US$518.4 billion").count() == 1
    money.refresh_from_db()
    assert money.status == SuggestionStatus.DISMISSED
    assert money.decided_by == annotator


def test_a_new_engine_version_replaces_the_pending_proposals_of_the_old_one(article, annotator):
    old = [
        Proposal(0, 7, "claim", engine="checkworthy", version="1", score=0.9),
        Proposal(8, 12, "claim", engine="checkworthy", version="1", score=0.8),
    ]
    suggestions_refresh(article=article, proposals=old)
    decided = Suggestion.objects.get(article=article, start=8)
    suggestion_dismiss(suggestion_id=decided.pk, user=annotator)

    suggestions_refresh(
        article=article,
        proposals=[Proposal(0, 7, "claim", engine="checkworthy", version="2", score=0.95)],
    )

    rows = Suggestion.objects.filter(article=article).order_by("start", "engine_version")
    assert [(row.start, row.engine_version, row.status) for row in rows] == [
        (0, "2", SuggestionStatus.PENDING),
        (8, "1", SuggestionStatus.DISMISSED),  # a decision is kept
    ]


def test_nothing_is_proposed_where_the_same_kind_is_already_marked(article, annotator):
    from annotations.workflow import annotation_create

    start = BODY.index("US$518.4 billion")
    annotation_create(
        article=article,
        author=annotator,
        kind=Kind.NUMBER,
        start=start,
        end=start + len("US$518.4 billion"),
        exact="US$518.4 billion",
    )

    suggestions_refresh(article=article)

    assert not Suggestion.objects.filter(article=article, exact="US$518.4 billion").exists()


def test_accepting_makes_a_draft_with_the_attributes_and_its_origin(article, annotator):
    suggestions_refresh(article=article)
    money = Suggestion.objects.get(article=article, exact="US$518.4 billion")

    annotation = suggestion_accept(suggestion_id=money.pk, user=annotator)

    assert annotation.state == State.DRAFT
    assert annotation.author == annotator
    assert annotation.exact == "US$518.4 billion"
    assert annotation.number_value == Decimal("518400000000")
    assert annotation.number_unit == "USD"
    assert annotation.suggestion == money
    money.refresh_from_db()
    assert money.status == SuggestionStatus.ACCEPTED
    created = HistoryEntry.objects.get(annotation=annotation)
    assert created.changes["suggestion"] == [None, money.pk]
    origin = origin_of(annotation, money)
    assert origin["engine"] == "numbers"
    assert origin["span_changed"] is False
    assert origin["attributes_changed"] is False
    assert origin["details"]["type"] == "money"


def test_the_origin_says_what_the_annotator_changed(article, annotator):
    suggestions_refresh(article=article)
    money = Suggestion.objects.get(article=article, exact="US$518.4 billion")
    annotation = suggestion_accept(suggestion_id=money.pk, user=annotator)

    annotation = annotation_update(
        annotation_id=annotation.pk,
        user=annotator,
        version=annotation.version,
        changes={"number_counts": "exports"},
    )

    origin = origin_of(annotation, money)
    assert origin["attributes_changed"] is True
    assert origin["span_changed"] is False
    assert origin_of(annotation, None) is None


def test_a_decided_proposal_cannot_be_decided_again(article, annotator, other_annotator):
    suggestions_refresh(article=article)
    money = Suggestion.objects.get(article=article, exact="US$518.4 billion")
    suggestion_accept(suggestion_id=money.pk, user=annotator)

    with pytest.raises(WorkflowError, match="already accepted"):
        suggestion_accept(suggestion_id=money.pk, user=other_annotator)
    with pytest.raises(WorkflowError, match="already accepted"):
        suggestion_dismiss(suggestion_id=money.pk, user=other_annotator)
    assert Annotation.objects.count() == 1


def test_only_people_who_may_annotate_decide_proposals(article, reviewer, researcher):
    suggestions_refresh(article=article)
    money = Suggestion.objects.get(article=article, exact="US$518.4 billion")

    for user in (reviewer, researcher):
        with pytest.raises(PermissionDenied):
            suggestion_accept(suggestion_id=money.pk, user=user)
        with pytest.raises(PermissionDenied):
            suggestion_dismiss(suggestion_id=money.pk, user=user)
    money.refresh_from_db()
    assert money.status == SuggestionStatus.PENDING


def test_accept_all_of_a_kind_in_a_paragraph(article, annotator):
    suggestions_refresh(article=article)
    first_paragraph_end = BODY.index("\n\n")
    pending = Suggestion.objects.pending().filter(
        article=article, kind=Kind.NUMBER, end__lte=first_paragraph_end
    )
    expected = sorted(pending.values_list("exact", flat=True))
    assert len(expected) >= 3  # 30 percent, US$518.4 billion, 2024

    accepted = suggestions_accept_all(
        article=article, kind=Kind.NUMBER, start=0, end=first_paragraph_end, user=annotator
    )

    assert sorted(annotation.exact for annotation in accepted) == expected
    assert all(annotation.suggestion_id for annotation in accepted)
    assert HistoryEntry.objects.filter(annotation__in=accepted).count() == len(expected)
    assert not pending.exists()
    # Later paragraphs and other kinds are left alone.
    assert Suggestion.objects.pending().filter(article=article, kind=Kind.NUMBER).exists()


def test_accept_all_costs_the_same_for_few_and_many(annotator):
    articles = [
        ArticleFactory(body="Counts: " + " ".join(f"{n} firms," for n in range(count)) + " end.")
        for count in (1, 2, 40)
    ]
    for article in articles:
        suggestions_refresh(article=article)
    counts = []
    for article in articles:
        with CaptureQueriesContext(connection) as captured:
            accepted = suggestions_accept_all(
                article=article, kind=Kind.NUMBER, start=0, end=len(article.body), user=annotator
            )
        assert accepted
        counts.append(len(captured))

    # The first call also loads the user's permissions; after that, 2 or 40 cost the same.
    assert counts[1] == counts[2]


def test_the_suggest_command_runs_every_article_and_reports(capsys):
    first = ArticleFactory(body=BODY)
    ArticleFactory(body="Nothing to see here at all.")

    call_command("suggest", "--all")
    out = capsys.readouterr().out

    assert "Stored" in out
    assert Suggestion.objects.filter(article=first).exists()
    call_command("suggest", "--article", str(first.pk))
    assert "Stored 0 new proposals." in capsys.readouterr().out


def test_an_import_queues_a_suggestion_run_that_a_worker_completes(run_worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from annotations.importers import import_uploads
    from annotations.models import Job, JobKind, JobStatus

    upload = SimpleUploadedFile(
        "two.jsonl",
        (
            '{"title": "Trade", "body": "Exports rose 30 percent to US$518.4 billion."}\n'
            '{"title": "Talks", "body": "“We agreed,” said Ana Ruiz on May 13, 2025."}\n'
        ).encode(),
    )
    [report] = import_uploads([upload])
    job = Job.objects.get(kind=JobKind.SUGGEST)
    assert sorted(job.params["articles"]) == sorted(article.pk for article in report.imported)

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["proposals"] == Suggestion.objects.count() > 0
    assert Suggestion.objects.filter(exact="US$518.4 billion").exists()


# ---- Pushed by an outside model (the API's pre-annotations) ----


def pushed(phrase, kind=Kind.NUMBER, **extra):
    start = BODY.index(phrase)
    return PushedSpan(kind=kind, start=start, end=start + len(phrase), score=0.5, **extra)


def test_a_pushed_model_stores_its_proposals_beside_the_engines(article, annotator):
    suggestions_refresh(article=article)
    engines = Suggestion.objects.count()

    result = proposals_push(
        article=article, engine="ner", version="1", user=annotator,
        spans=[pushed("30 percent", attributes={"number_value": Decimal("30.0")})],
    )  # fmt: skip

    assert result.added == 1 and result.created == [True]
    (stored,) = result.stored
    assert stored.attributes == {"number_value": "30"}  # as the export writes decimals
    assert Suggestion.objects.count() == engines + 1  # the engines' proposals stay


def test_a_model_may_not_take_the_name_of_a_built_in_engine(article, annotator):
    suggestions_refresh(article=article)
    engines = set(Suggestion.objects.values_list("pk", "status"))

    with pytest.raises(WorkflowError, match="one of Workbench's own engines"):
        proposals_push(
            article=article, engine="numbers", version="0", user=annotator,
            spans=[pushed("30 percent")],
        )  # fmt: skip

    assert set(Suggestion.objects.values_list("pk", "status")) == engines


def test_only_people_who_annotate_may_push(article, researcher):
    with pytest.raises(PermissionDenied):
        proposals_push(
            article=article, engine="ner", version="1", user=researcher,
            spans=[pushed("30 percent")],
        )  # fmt: skip

    assert not Suggestion.objects.exists()


def test_a_refused_span_stores_nothing_and_names_its_index(article, annotator):
    spans = [pushed("30 percent"), pushed("30 percent", exact="31 percent")]

    with pytest.raises(RecordsRefused) as refused:
        proposals_push(article=article, engine="ner", version="1", user=annotator, spans=spans)

    assert [problem.index for problem in refused.value.problems] == [1]
    assert not Suggestion.objects.exists()
