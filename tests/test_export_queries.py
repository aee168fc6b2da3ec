"""An export costs a constant number of queries per chunk, whatever the number of records."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import exporters
from annotations.exporters import stream_export
from annotations.models import Evidence, Kind, Source, SpeechType, Stance
from annotations.policy import Role

from .factories import ArticleFactory, EvidenceFactory, UserFactory, verified_annotation

pytestmark = pytest.mark.django_db

PHRASES = {
    Kind.CLAIM: "exports rose 30 percent",
    Kind.NUMBER: "US$518.4 billion",
    Kind.QUOTATION: "exports rose 30 percent to US$518.4 billion",
}


@pytest.fixture
def make_verified():
    annotators = [UserFactory(role=Role.ANNOTATOR) for _ in range(3)]
    reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(3)]
    articles = [ArticleFactory() for _ in range(4)]
    made = []

    def make(count):
        for _ in range(count):
            n = len(made)
            kind = list(PHRASES)[n % 3]
            attributes = {
                Kind.CLAIM: {"claimant": "the minister"},
                Kind.NUMBER: {"number_value": 518400000000, "number_unit": "USD"},
                Kind.QUOTATION: {"speaker": "the minister", "speech_type": SpeechType.DIRECT},
            }[kind]
            annotation = verified_annotation(
                article=articles[n % 4],
                author=annotators[n % 3],
                reviewer=reviewers[n % 3],
                kind=kind,
                phrase=PHRASES[kind],
                **attributes,
            )
            EvidenceFactory(annotation=annotation, added_by=reviewers[n % 3], stance=Stance.CONTEXT)
            made.append(annotation)
        return made

    return make


def queries_for(export_format, **options):
    with CaptureQueriesContext(connection) as context:
        stream = stream_export(export_format, **options)
        text = "".join(stream)
    assert text
    return len(context), stream.records


@pytest.mark.parametrize("export_format", list(exporters.FORMATS))
def test_exporting_10_or_200_records_costs_the_same_queries(make_verified, export_format):
    make_verified(10)
    few, few_records = queries_for(export_format)
    make_verified(190)
    many, many_records = queries_for(export_format)

    assert many_records > few_records > 0
    assert many == few
    # The annotations; per chunk their verdicts, their articles and, in the research
    # format, their evidence and the sources not read before (each item has its own here).
    assert few == (5 if export_format in ("json", "jsonl") else 3)


def test_each_chunk_costs_the_same_small_number_of_queries(make_verified):
    make_verified(200)

    queries, records = queries_for("json", chunk_size=50)

    assert records == 200
    # Per chunk its rows (the next 50 after the last read), their verdicts, articles,
    # evidence and sources; then one query finds no more rows (the last chunk was full).
    assert queries == 4 * 5 + 1


def test_a_source_is_read_once_per_export_however_many_items_cite_it(make_verified):
    made = make_verified(200)
    Evidence.objects.filter(annotation__in=made).update(source=Source.objects.earliest("pk"))

    queries, records = queries_for("jsonl", chunk_size=50)

    assert records == 200
    # Per chunk its rows, verdicts, articles and evidence, the one query that finds no
    # more rows, and the shared source, in the first chunk only.
    assert queries == 4 * 4 + 1 + 1


@pytest.mark.parametrize("whole_second", [False, True])
def test_chunks_meeting_at_one_verification_time_lose_and_repeat_nothing(
    make_verified, whole_second
):
    """Chunks follow each other by (decided_at, id): records verified at the same instant
    across a chunk boundary come once each, in id order. The next chunk starts from the
    time as the export wrote it, microseconds included, also when they are zero (SQLite
    then stores none)."""
    import json

    from annotations.models import Annotation

    made = make_verified(7)
    same = made[0].decided_at
    if whole_second:
        same = same.replace(microsecond=0)
    Annotation.objects.filter(pk__in=[annotation.pk for annotation in made[2:6]]).update(
        decided_at=same
    )

    lines = "".join(stream_export("jsonl", chunk_size=3)).splitlines()
    ids = [json.loads(line)["id"] for line in lines[:-1]]  # the end line last

    expected = Annotation.objects.filter(pk__in=[a.pk for a in made]).order_by("decided_at", "pk")
    assert ids == list(expected.values_list("pk", flat=True))
    assert len(set(ids)) == 7
