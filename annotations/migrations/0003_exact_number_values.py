"""Number values exact on SQLite: the column becomes TEXT in a canonical fixed-point form.

On PostgreSQL nothing changes (numeric(40, 10) was already exact). On SQLite, changing a
column's type rebuilds the table, which drops its triggers: the two span triggers of 0002
are created again after the rebuild, in both directions.

Existing values keep the value Django read before. SQLite had stored anything over 15
significant digits as a REAL, and Django read a REAL with 15 significant digits; the digits
lost then cannot be recovered, but no value read before changes now. The rebuild copies a
REAL into the TEXT column as SQLite writes it; that text is read back here as a float and
rounded the way Django's SQLite backend did, then written in the canonical form.
"""

import importlib
from decimal import Context, Decimal, InvalidOperation

from django.db import migrations

import annotations.models

TRIGGERS = importlib.import_module("annotations.migrations.0002_integrity_triggers")
ANNOTATION_TRIGGERS = ("annotation_span_in_body_insert", "annotation_span_in_body_update")
MAX_DIGITS, DECIMAL_PLACES = 40, 10
# Django's SQLite backend reads a REAL with this many significant digits (SQLite's own).
SQLITE_REAL_DIGITS = 15


def _recreate_span_triggers(schema_editor):
    statements = [
        statement
        for statement in TRIGGERS.SQLITE_FORWARD
        if any(name in statement for name in ANNOTATION_TRIGGERS)
    ]
    for name in ANNOTATION_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
    for statement in statements:
        schema_editor.execute(statement)


def _value_as_read_before(text: str) -> Decimal:
    if text.lstrip("-").isdigit():
        return Decimal(text)  # stored as an INTEGER: exact
    return Context(prec=SQLITE_REAL_DIGITS).create_decimal_from_float(float(text))


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    _recreate_span_triggers(schema_editor)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, number_value FROM annotations_annotation WHERE number_value IS NOT NULL"
        )
        updates, unreadable = [], []
        for pk, text in cursor.fetchall():
            try:
                canonical = annotations.models.canonical_decimal_text(
                    _value_as_read_before(str(text)), MAX_DIGITS, DECIMAL_PLACES
                )
            except InvalidOperation:
                unreadable.append(pk)
                continue
            updates.append((canonical, pk))
        if unreadable:
            # A REAL rounded past numeric(40, 10) (about 1e30) could not be read before
            # either; which value was meant is unknown, so a person decides.
            raise RuntimeError(
                "These annotations' number values were rounded by SQLite beyond 30 integer "
                f"digits and cannot be kept: ids {unreadable}. Set them to NULL or to the "
                "right value (UPDATE annotations_annotation ...) and migrate again."
            )
        cursor.executemany(
            "UPDATE annotations_annotation SET number_value = %s WHERE id = %s", updates
        )


def backwards_after_rebuild(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _recreate_span_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0002_integrity_triggers")]

    operations = [
        # Unapplying rebuilds the table again: this step's reverse restores the triggers.
        migrations.RunPython(migrations.RunPython.noop, backwards_after_rebuild),
        migrations.AlterField(
            model_name="annotation",
            name="number_value",
            field=annotations.models.ExactDecimalField(
                blank=True, decimal_places=DECIMAL_PLACES, max_digits=MAX_DIGITS, null=True
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
