"""Search and matching: full-text indexes, the matching index's tables, claim groups.

Full-text search (annotations/search.py) indexes article titles and bodies and annotation
texts (exact, speaker, claimant):
- SQLite: two FTS5 tables with external content (the rows stay in annotations_article and
  annotations_annotation; FTS5 keeps only its index), kept in step by triggers;
- PostgreSQL: a stored generated `search_vector` tsvector column on each of the two tables
  (title weighted above body) with a GIN index. Generated columns are always in step and
  are invisible to Django (no model field: Django never selects or writes them).
Both use English stemming (Porter on SQLite, the `english` configuration on PostgreSQL).

The matching index (annotations/matching.py) lives in new tables (MatchEntry, MatchKey);
triggers queue every inserted annotation, and every annotation whose text, span, kind or
figure changes, in MatchPending, which `matching.index_pending` empties. Every annotation
that exists now is queued here (`manage.py index_matches` indexes them at once).

On SQLite a migration that rebuilds annotations_annotation drops its triggers: it must
run SQLITE_ANNOTATION_TRIGGERS again, as 0010's docstring says for its own. (Adding a
nullable column, as this one does to annotations_evidence, does not rebuild a table.)
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
MATCH_COLUMNS = 'kind, exact, start, "end", number_value, number_unit, article_id'

SQLITE_ARTICLE_TRIGGERS = [
    f"""
    CREATE VIRTUAL TABLE annotations_article_fts USING fts5(
        title, body, content='annotations_article', content_rowid='id',
        tokenize='{FTS_TOKENIZER}'
    );
    """,
    """
    CREATE TRIGGER article_fts_insert AFTER INSERT ON annotations_article
    BEGIN
        INSERT INTO annotations_article_fts (rowid, title, body)
        VALUES (NEW.id, NEW.title, NEW.body);
    END;
    """,
    """
    CREATE TRIGGER article_fts_delete AFTER DELETE ON annotations_article
    BEGIN
        INSERT INTO annotations_article_fts (annotations_article_fts, rowid, title, body)
        VALUES ('delete', OLD.id, OLD.title, OLD.body);
    END;
    """,
    """
    CREATE TRIGGER article_fts_update AFTER UPDATE OF title, body ON annotations_article
    BEGIN
        INSERT INTO annotations_article_fts (annotations_article_fts, rowid, title, body)
        VALUES ('delete', OLD.id, OLD.title, OLD.body);
        INSERT INTO annotations_article_fts (rowid, title, body)
        VALUES (NEW.id, NEW.title, NEW.body);
    END;
    """,
    "INSERT INTO annotations_article_fts (annotations_article_fts) VALUES ('rebuild');",
]
SQLITE_ANNOTATION_FTS = f"""
    CREATE VIRTUAL TABLE annotations_annotation_fts USING fts5(
        exact, speaker, claimant, content='annotations_annotation', content_rowid='id',
        tokenize='{FTS_TOKENIZER}'
    );
"""
# The triggers on annotations_annotation (to run again after a rebuild of that table).
SQLITE_ANNOTATION_TRIGGERS = [
    """
    CREATE TRIGGER annotation_fts_insert AFTER INSERT ON annotations_annotation
    BEGIN
        INSERT INTO annotations_annotation_fts (rowid, exact, speaker, claimant)
        VALUES (NEW.id, NEW.exact, NEW.speaker, NEW.claimant);
        INSERT OR IGNORE INTO annotations_matchpending (annotation_id) VALUES (NEW.id);
    END;
    """,
    """
    CREATE TRIGGER annotation_fts_delete AFTER DELETE ON annotations_annotation
    BEGIN
        INSERT INTO annotations_annotation_fts
            (annotations_annotation_fts, rowid, exact, speaker, claimant)
        VALUES ('delete', OLD.id, OLD.exact, OLD.speaker, OLD.claimant);
    END;
    """,
    """
    CREATE TRIGGER annotation_fts_update
    AFTER UPDATE OF exact, speaker, claimant ON annotations_annotation
    BEGIN
        INSERT INTO annotations_annotation_fts
            (annotations_annotation_fts, rowid, exact, speaker, claimant)
        VALUES ('delete', OLD.id, OLD.exact, OLD.speaker, OLD.claimant);
        INSERT INTO annotations_annotation_fts (rowid, exact, speaker, claimant)
        VALUES (NEW.id, NEW.exact, NEW.speaker, NEW.claimant);
    END;
    """,
    f"""
    CREATE TRIGGER annotation_match_update AFTER UPDATE OF {MATCH_COLUMNS}
    ON annotations_annotation
    BEGIN
        INSERT OR IGNORE INTO annotations_matchpending (annotation_id) VALUES (NEW.id);
    END;
    """,
]
SQLITE_FORWARD = [
    *SQLITE_ARTICLE_TRIGGERS,
    SQLITE_ANNOTATION_FTS,
    *SQLITE_ANNOTATION_TRIGGERS,
    "INSERT INTO annotations_annotation_fts (annotations_annotation_fts) VALUES ('rebuild');",
    "INSERT INTO annotations_matchpending (annotation_id) SELECT id FROM annotations_annotation;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS article_fts_insert;",
    "DROP TRIGGER IF EXISTS article_fts_delete;",
    "DROP TRIGGER IF EXISTS article_fts_update;",
    "DROP TRIGGER IF EXISTS annotation_fts_insert;",
    "DROP TRIGGER IF EXISTS annotation_fts_delete;",
    "DROP TRIGGER IF EXISTS annotation_fts_update;",
    "DROP TRIGGER IF EXISTS annotation_match_update;",
    "DROP TABLE IF EXISTS annotations_article_fts;",
    "DROP TABLE IF EXISTS annotations_annotation_fts;",
]

POSTGRES_FORWARD = [
    """
    ALTER TABLE annotations_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, body), 'B')
    ) STORED;
    """,
    "CREATE INDEX article_search_idx ON annotations_article USING gin (search_vector);",
    """
    ALTER TABLE annotations_annotation ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, exact || ' ' || speaker || ' ' || claimant)
    ) STORED;
    """,
    "CREATE INDEX annotation_search_idx ON annotations_annotation USING gin (search_vector);",
    """
    CREATE FUNCTION annotation_match_pending() RETURNS trigger AS $$
    BEGIN
        INSERT INTO annotations_matchpending (annotation_id) VALUES (NEW.id)
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE TRIGGER annotation_match_pending
    AFTER INSERT OR UPDATE OF {MATCH_COLUMNS} ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION annotation_match_pending();
    """,
    "INSERT INTO annotations_matchpending (annotation_id) SELECT id FROM annotations_annotation;",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS annotation_match_pending ON annotations_annotation;",
    "DROP FUNCTION IF EXISTS annotation_match_pending();",
    "DROP INDEX IF EXISTS annotation_search_idx;",
    "ALTER TABLE annotations_annotation DROP COLUMN IF EXISTS search_vector;",
    "DROP INDEX IF EXISTS article_search_idx;",
    "ALTER TABLE annotations_article DROP COLUMN IF EXISTS search_vector;",
]


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_FORWARD if postgres else SQLITE_FORWARD:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_BACKWARD if postgres else SQLITE_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0014_agreement'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MatchEntry',
            fields=[
                ('annotation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='match_entry', serialize=False, to='annotations.annotation')),
                ('kind', models.CharField(choices=[('claim', 'Claim'), ('number', 'Number'), ('quotation', 'Quotation')], max_length=20)),
                ('text', models.TextField()),
                ('figure', models.CharField(blank=True, max_length=120)),
            ],
            options={
                'verbose_name_plural': 'match entries',
            },
        ),
        migrations.CreateModel(
            name='MatchPending',
            fields=[
                ('annotation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='annotations.annotation')),
            ],
            options={
                'verbose_name_plural': 'match pending',
            },
        ),
        migrations.AddField(
            model_name='evidence',
            name='copied_from',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='copies', to='annotations.evidence'),
        ),
        migrations.CreateModel(
            name='ClaimGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='ClaimGroupMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added_at', models.DateTimeField(auto_now_add=True)),
                ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('annotation', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='claim_group_member', to='annotations.annotation')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='annotations.claimgroup')),
            ],
            options={
                'ordering': ['added_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='MatchKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.BigIntegerField()),
                ('annotation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='annotations.annotation')),
            ],
            options={
                'indexes': [models.Index(fields=['key', 'annotation'], name='match_key_idx')],
                'constraints': [models.UniqueConstraint(fields=('annotation', 'key'), name='match_key_once')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
