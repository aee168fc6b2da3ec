"""Database triggers for the two invariants that span tables or forbid updates.

1. An article's body never changes after insert (every offset points into it).
2. An annotation's span lies inside its article's body and `exact` equals that slice.
SQLite's and PostgreSQL's length() and substr() both count characters (code points), the
same unit as Python string indices.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER article_body_immutable
    BEFORE UPDATE OF body ON annotations_article
    WHEN NEW.body IS NOT OLD.body
    BEGIN
        SELECT RAISE(ABORT, 'article body is immutable');
    END;
    """,
    """
    CREATE TRIGGER annotation_span_in_body_insert
    BEFORE INSERT ON annotations_annotation
    WHEN NEW."end" > (SELECT length(body) FROM annotations_article WHERE id = NEW.article_id)
      OR NEW.exact IS NOT (SELECT substr(body, NEW.start + 1, NEW."end" - NEW.start)
                           FROM annotations_article WHERE id = NEW.article_id)
    BEGIN
        SELECT RAISE(ABORT, 'annotation span does not match the article body');
    END;
    """,
    """
    CREATE TRIGGER annotation_span_in_body_update
    BEFORE UPDATE OF start, "end", exact, article_id ON annotations_annotation
    WHEN NEW."end" > (SELECT length(body) FROM annotations_article WHERE id = NEW.article_id)
      OR NEW.exact IS NOT (SELECT substr(body, NEW.start + 1, NEW."end" - NEW.start)
                           FROM annotations_article WHERE id = NEW.article_id)
    BEGIN
        SELECT RAISE(ABORT, 'annotation span does not match the article body');
    END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS article_body_immutable;",
    "DROP TRIGGER IF EXISTS annotation_span_in_body_insert;",
    "DROP TRIGGER IF EXISTS annotation_span_in_body_update;",
]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION article_body_immutable() RETURNS trigger AS $$
    BEGIN
        IF NEW.body IS DISTINCT FROM OLD.body THEN
            RAISE EXCEPTION 'article body is immutable'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER article_body_immutable
    BEFORE UPDATE OF body ON annotations_article
    FOR EACH ROW EXECUTE FUNCTION article_body_immutable();
    """,
    """
    CREATE FUNCTION annotation_span_in_body() RETURNS trigger AS $$
    DECLARE
        article_body text;
    BEGIN
        IF NEW."end" <= NEW.start THEN
            RAISE EXCEPTION 'annotation span is empty or reversed'
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT body INTO article_body FROM annotations_article WHERE id = NEW.article_id;
        IF NEW."end" > length(article_body)
           OR NEW.exact IS DISTINCT FROM substr(article_body, NEW.start + 1, NEW."end" - NEW.start)
        THEN
            RAISE EXCEPTION 'annotation span does not match the article body'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER annotation_span_in_body
    BEFORE INSERT OR UPDATE OF start, "end", exact, article_id ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION annotation_span_in_body();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS annotation_span_in_body ON annotations_annotation;",
    "DROP FUNCTION IF EXISTS annotation_span_in_body();",
    "DROP TRIGGER IF EXISTS article_body_immutable ON annotations_article;",
    "DROP FUNCTION IF EXISTS article_body_immutable();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
