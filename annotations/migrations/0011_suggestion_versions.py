"""The article version at which each proposal was stored or last decided.

The annotate screen draws the pending proposals in the text; its live update redraws the
paragraphs of those changed since the version a screen shows (`changed_version > v`,
indexed with the article), as for annotations (0009). Existing proposals get 0: no screen
has a version below it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotations", "0010_article_counts")]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="changed_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(fields=["article", "changed_version"], name="suggestion_changed_idx"),
        ),
    ]
