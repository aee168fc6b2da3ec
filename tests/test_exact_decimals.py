"""A number's value is stored exactly on both databases, and the export says it digit for digit.

SQLite gives a `decimal` column NUMERIC affinity, which keeps only 15 significant digits
(12345678901234567890 came back as 12345678901234600000): the value column is TEXT there,
in one canonical form, and numeric(40, 10) on PostgreSQL.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from annotations.exporters import stream_export
from annotations.models import Annotation, Kind

from .export_lines import json_lines_records
from .factories import AnnotationFactory, ArticleFactory, UserFactory, verified_annotation

LONG_VALUES = [
    "12345678901234567890",
    "518400000000.0000000001",
    "0.1",
    "-2.5",
    "0.0000000001",
    "123456789.123456789",
    "9" * 30 + "." + "9" * 10,  # the largest value numeric(40, 10) holds
]


def number(value, **kwargs):
    return AnnotationFactory(
        kind=Kind.NUMBER, phrase="US$518.4 billion", number_value=Decimal(value), **kwargs
    )


@pytest.mark.django_db
@pytest.mark.parametrize("value", LONG_VALUES)
def test_a_long_value_comes_back_from_the_database_exactly(value):
    annotation = number(value)

    assert Annotation.objects.get(pk=annotation.pk).number_value == Decimal(value)
    assert Annotation.objects.filter(pk=annotation.pk).values_list(
        "number_value", flat=True
    ).get() == Decimal(value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["12345678901234567890", "518400000000.0000000001"])
def test_a_long_value_is_exported_digit_for_digit(value):
    verified_annotation(kind=Kind.NUMBER, phrase="US$518.4 billion", number_value=Decimal(value))

    (record,) = json_lines_records("".join(stream_export("jsonl")))

    assert record["attributes"]["value"] == value


@pytest.mark.django_db
def test_values_that_differ_only_past_the_fifteenth_digit_are_told_apart_by_a_lookup():
    article = ArticleFactory()
    author = UserFactory()
    whole = number("518400000000", article=article, author=author)
    number("518400000000.0000000001", article=article, author=author)

    found = Annotation.objects.filter(number_value=Decimal("518400000000.00"))

    assert list(found) == [whole]


@pytest.mark.sqlite
@pytest.mark.django_db
def test_sqlite_stores_the_value_as_canonical_text():
    annotation = number("518400000000.0000000001")
    number("-0", article=annotation.article, author=annotation.author)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number_value, typeof(number_value) FROM annotations_annotation ORDER BY id"
        )
        rows = cursor.fetchall()

    # Fixed point with exactly ten decimals: equal values are equal strings (lookups work).
    assert rows == [("518400000000.0000000001", "text"), ("0.0000000000", "text")]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_keeps_an_exact_numeric_column():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns"
            " WHERE table_name = 'annotations_annotation' AND column_name = 'number_value'"
        )
        assert cursor.fetchone() == ("numeric", 40, 10)
    annotation = number("12345678901234567890.0000000001")
    annotation.refresh_from_db()
    assert annotation.number_value == Decimal("12345678901234567890.0000000001")


# ---- The migration that moved SQLite's column to text ----

BEFORE = ("annotations", "0002_integrity_triggers")
AFTER = ("annotations", "0003_exact_number_values")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_value_as_it_was_read_and_the_span_triggers():
    old_apps = migrate(BEFORE)
    try:
        article = old_apps.get_model("annotations", "Article").objects.create(
            title="Old", body="It cost US$518.4 billion.", checksum="c" * 64
        )
        user = UserFactory()
        OldAnnotation = old_apps.get_model("annotations", "Annotation")
        start = article.body.index("US$")
        # Not the largest value: SQLite rounded it to 1e30, which nothing could read before.
        for value in LONG_VALUES[:-1]:
            OldAnnotation.objects.create(
                article_id=article.pk,
                author_id=user.pk,
                kind=Kind.NUMBER,
                start=start,
                end=start + 16,
                exact="US$518.4 billion",
                number_value=Decimal(value),
            )
        before = dict(OldAnnotation.objects.values_list("pk", "number_value"))

        new_apps = migrate(AFTER)

        NewAnnotation = new_apps.get_model("annotations", "Annotation")
        assert dict(NewAnnotation.objects.values_list("pk", "number_value")) == before
        # Rebuilding the table on SQLite drops its triggers: they must be back.
        with pytest.raises(IntegrityError), transaction.atomic():
            NewAnnotation.objects.create(
                article_id=article.pk,
                author_id=user.pk,
                kind=Kind.CLAIM,
                start=0,
                end=2,
                exact="XX",
            )
    finally:
        (latest,) = MigrationExecutor(connection).loader.graph.leaf_nodes("annotations")
        migrate(latest)
