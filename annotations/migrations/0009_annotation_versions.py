"""The article version at which each annotation was created and last changed on screen.

The live update of the annotate screen asks for what changed since the version a screen
shows (`changed_version > v`, indexed with the article). Existing annotations get 0: no
screen has a version below it, so none of them counts as new or changed.

On SQLite, adding a NOT NULL column rebuilds the table, which drops its triggers: the two
span triggers of 0002 are created again after the rebuild, in both directions (as 0003
does).
"""

import importlib

from django.db import migrations, models

SCHEMA_0003 = importlib.import_module("annotations.migrations.0003_exact_number_values")


def recreate_span_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        SCHEMA_0003._recreate_span_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0008_api_token_scopes")]

    operations = [
        # Unapplying rebuilds the table again: this step's reverse restores the triggers.
        migrations.RunPython(migrations.RunPython.noop, recreate_span_triggers),
        migrations.AddField(
            model_name="annotation",
            name="created_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="annotation",
            name="changed_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="annotation",
            index=models.Index(fields=["article", "changed_version"], name="annotation_changed_idx"),
        ),
        migrations.RunPython(recreate_span_triggers, migrations.RunPython.noop),
    ]
