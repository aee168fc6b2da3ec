"""Per-article annotation counters for the article list, kept by database triggers.

The article list aggregated every article's annotations before it could show one page
(291 ms at 25,000 articles and 127,000 annotations, growing linearly). Now each article has
one row of counters (annotations_articlecounts) that triggers keep exact on every write:
an article insert adds its row; an annotation insert, delete, or change of state, kind or
article moves its counts (the old contribution out, the new one in). Triggers, not Python,
so that bulk updates (submit all), the admin and raw SQL are counted too.

The existing rows are counted once, under a lock that keeps writers out until the
triggers exist. The list's order (newest published first, unpublished last, then id) gets
an index on each database: PostgreSQL needs NULLS LAST in it, SQLite puts NULLs last in
a descending index anyway and refuses the clause.

On SQLite a migration that rebuilds annotations_annotation drops its triggers: it must
run SQLITE_ANNOTATION_TRIGGERS again (as 0003 does for 0002's span triggers).
"""

import django.db.models.deletion
from django.db import migrations, models

KINDS = ("claim", "number", "quotation")
STATES = ("draft", "submitted", "in_review", "verified", "rejected", "withdrawn")
COUNTERS = (*KINDS, *STATES, "total")
TABLE = "annotations_articlecounts"


def _contributions(row: str, as_int) -> dict[str, str]:
    """Each counter's 0/1 contribution of one annotation row (NEW or OLD), as SQL."""
    live = f"{row}.state <> 'withdrawn'"
    terms = {kind: as_int(f"{row}.kind = '{kind}' AND {live}") for kind in KINDS}
    terms |= {state: as_int(f"{row}.state = '{state}'") for state in STATES}
    terms["total"] = as_int(live)
    return terms


def _apply(row: str, sign: str, as_int) -> str:
    """UPDATE the counters of `row`'s article by `sign` times its contribution."""
    terms = _contributions(row, as_int)
    sets = ", ".join(f"{name} = {name} {sign} {terms[name]}" for name in COUNTERS)
    return f"UPDATE {TABLE} SET {sets} WHERE article_id = {row}.article_id;"


def _sqlite_int(condition: str) -> str:
    return f"({condition})"  # SQLite's comparisons are 0 or 1 already


def _postgres_int(condition: str) -> str:
    return f"({condition})::integer"


CHANGED = "OLD.state IS NOT NEW.state OR OLD.kind IS NOT NEW.kind OR OLD.article_id IS NOT NEW.article_id"

SQLITE_ARTICLE_TRIGGER = f"""
    CREATE TRIGGER article_counts_row AFTER INSERT ON annotations_article
    BEGIN
        INSERT INTO {TABLE} (article_id) VALUES (NEW.id);
    END;
"""
SQLITE_ANNOTATION_TRIGGERS = [
    f"""
    CREATE TRIGGER annotation_counts_insert AFTER INSERT ON annotations_annotation
    BEGIN
        {_apply("NEW", "+", _sqlite_int)}
    END;
    """,
    f"""
    CREATE TRIGGER annotation_counts_delete AFTER DELETE ON annotations_annotation
    BEGIN
        {_apply("OLD", "-", _sqlite_int)}
    END;
    """,
    f"""
    CREATE TRIGGER annotation_counts_update
    AFTER UPDATE OF state, kind, article_id ON annotations_annotation
    WHEN {CHANGED}
    BEGIN
        {_apply("OLD", "-", _sqlite_int)}
        {_apply("NEW", "+", _sqlite_int)}
    END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS article_counts_row;",
    "DROP TRIGGER IF EXISTS annotation_counts_insert;",
    "DROP TRIGGER IF EXISTS annotation_counts_delete;",
    "DROP TRIGGER IF EXISTS annotation_counts_update;",
    "DROP INDEX IF EXISTS article_list_order_idx;",
]

POSTGRES_FORWARD = [
    # Writers wait until the counts below and the triggers exist (both commit together).
    "LOCK TABLE annotations_article, annotations_annotation IN SHARE ROW EXCLUSIVE MODE;",
    f"""
    CREATE FUNCTION article_counts_row() RETURNS trigger AS $$
    BEGIN
        INSERT INTO {TABLE} (article_id) VALUES (NEW.id);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER article_counts_row AFTER INSERT ON annotations_article
    FOR EACH ROW EXECUTE FUNCTION article_counts_row();
    """,
    f"""
    CREATE FUNCTION annotation_counts() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_apply("OLD", "-", _postgres_int)}
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            {_apply("NEW", "+", _postgres_int)}
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER annotation_counts_insert_delete
    AFTER INSERT OR DELETE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION annotation_counts();
    """,
    f"""
    CREATE TRIGGER annotation_counts_update
    AFTER UPDATE OF state, kind, article_id ON annotations_annotation
    FOR EACH ROW WHEN ({CHANGED.replace(" IS NOT ", " IS DISTINCT FROM ")})
    EXECUTE FUNCTION annotation_counts();
    """,
    """
    CREATE INDEX article_list_order_idx
    ON annotations_article (published DESC NULLS LAST, id DESC);
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS annotation_counts_update ON annotations_annotation;",
    "DROP TRIGGER IF EXISTS annotation_counts_insert_delete ON annotations_annotation;",
    "DROP FUNCTION IF EXISTS annotation_counts();",
    "DROP TRIGGER IF EXISTS article_counts_row ON annotations_article;",
    "DROP FUNCTION IF EXISTS article_counts_row();",
    "DROP INDEX IF EXISTS article_list_order_idx;",
]

SQLITE_FORWARD = [
    SQLITE_ARTICLE_TRIGGER,
    *SQLITE_ANNOTATION_TRIGGERS,
    "CREATE INDEX article_list_order_idx ON annotations_article (published DESC, id DESC);",
]


def _count_existing(as_int) -> str:
    """One row per article with its annotations counted (zeros for an article without)."""
    terms = _contributions("an", as_int)
    sums = ", ".join(f"COALESCE(SUM({terms[name]}), 0)" for name in COUNTERS)
    return f"""
        INSERT INTO {TABLE} (article_id, {", ".join(COUNTERS)})
        SELECT ar.id, {sums}
        FROM annotations_article ar
        LEFT JOIN annotations_annotation an ON an.article_id = ar.id
        GROUP BY ar.id
    """


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [*POSTGRES_FORWARD, _count_existing(_postgres_int)]
    else:  # SQLite: the migration holds the database's write lock throughout
        statements = [*SQLITE_FORWARD, _count_existing(_sqlite_int)]
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0009_annotation_versions'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArticleCounts',
            fields=[
                ('article', models.OneToOneField(editable=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='counts', serialize=False, to='annotations.article')),
                ('claim', models.PositiveIntegerField(db_default=0, editable=False)),
                ('number', models.PositiveIntegerField(db_default=0, editable=False)),
                ('quotation', models.PositiveIntegerField(db_default=0, editable=False)),
                ('draft', models.PositiveIntegerField(db_default=0, editable=False)),
                ('submitted', models.PositiveIntegerField(db_default=0, editable=False)),
                ('in_review', models.PositiveIntegerField(db_default=0, editable=False)),
                ('verified', models.PositiveIntegerField(db_default=0, editable=False)),
                ('rejected', models.PositiveIntegerField(db_default=0, editable=False)),
                ('withdrawn', models.PositiveIntegerField(db_default=0, editable=False)),
                ('total', models.PositiveIntegerField(db_default=0, editable=False)),
            ],
            options={
                'verbose_name_plural': 'article counts',
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
