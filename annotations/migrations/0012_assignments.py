"""Assignments: an editor gives an article to an annotator or a reviewer, with a due date.

A new table only: annotations_annotation is not touched (its SQLite triggers stay).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0011_suggestion_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Assignment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[("annotator", "Annotator"), ("reviewer", "Reviewer")],
                        max_length=20,
                    ),
                ),
                ("due", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="annotations.article",
                    ),
                ),
                (
                    "assigned_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "assignee",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["due", "article_id", "id"],
                "permissions": [
                    ("assign_articles", "Can assign articles to annotators and reviewers")
                ],
                "indexes": [
                    models.Index(fields=["assignee", "role"], name="assignment_assignee_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("article", "assignee", "role"), name="assignment_once_per_role"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("role__in", ["annotator", "reviewer"])),
                        name="assignment_role_valid",
                    ),
                ],
            },
        ),
    ]
