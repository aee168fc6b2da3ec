"""Statements built by the ORM once per process (annotations/statements.py): the same rows
and the same written values as the ORM's own path, one statement each, and a clear error
for a statement that cannot be prepared."""

from decimal import Decimal

import pytest
from django.db.models.signals import post_save, pre_save

from annotations import statements
from annotations.highlight import CHANGED_PROPOSALS, CHANGED_SPANS
from annotations.models import (
    Annotation,
    Article,
    BlindSetting,
    HistoryAction,
    HistoryEntry,
    Kind,
    State,
)
from annotations.permission_cache import CachedPermissionsBackend
from annotations.visibility import article_with_blind_setting, is_blind_for
from annotations.workflow import LIVE_SPANS
from tests.factories import AnnotationFactory, ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_rows_are_the_querysets_rows_with_its_converted_values():
    article = ArticleFactory()
    AnnotationFactory(article=article, kind=Kind.NUMBER, phrase="30 percent",
                      number_value=Decimal("30.5"), changed_version=4)  # fmt: skip
    AnnotationFactory(article=article, kind=Kind.CLAIM, phrase="exports rose",
                      check_worthy=True, changed_version=2)  # fmt: skip
    AnnotationFactory(article=article, phrase="200 projects", state=State.WITHDRAWN,
                      changed_version=7)  # fmt: skip
    AnnotationFactory(phrase="200 projects")  # another article's
    query = statements.PreparedQuery(
        lambda article_id, since: Annotation.objects.filter(
            article_id=article_id, changed_version__gt=since
        ).values_list("id", "kind", "number_value", "check_worthy", "changed_version"),
        "article_id",
        "since",
    )
    for since in (0, 3, 5, 9):
        expected = list(
            Annotation.objects.filter(article=article, changed_version__gt=since).values_list(
                "id", "kind", "number_value", "check_worthy", "changed_version"
            )
        )
        assert query.rows(article_id=article.pk, since=since) == expected
    rows = query.rows(article_id=article.pk, since=0)
    assert {type(row[2]) for row in rows} == {Decimal, type(None)}
    assert {row[3] for row in rows} == {True, None}


def test_a_prepared_query_is_built_once_and_runs_as_one_statement(django_assert_num_queries):
    built = []

    def build(article_id):
        built.append(article_id)
        return Annotation.objects.filter(article_id=article_id).values_list("id")

    query = statements.PreparedQuery(build, "article_id")
    first, second = AnnotationFactory(), AnnotationFactory()
    with django_assert_num_queries(1):
        assert query.rows(article_id=first.article_id) == [(first.pk,)]
    with django_assert_num_queries(1):
        assert query.rows(article_id=second.article_id) == [(second.pk,)]
    assert len(built) == 1


def test_the_screens_statements_match_their_querysets():
    article = ArticleFactory()
    spans = [AnnotationFactory(article=article, phrase=phrase, changed_version=version)
             for phrase, version in (("exports rose", 1), ("30 percent", 3))]  # fmt: skip
    rows = LIVE_SPANS.rows(article_id=article.pk)
    assert rows == [(span.pk, span.start, span.end, span.author_id, span.kind)
                    for span in sorted(spans, key=lambda span: span.start)]  # fmt: skip
    changed = CHANGED_SPANS.rows(article_id=article.pk, since=2)
    assert [row[0] for row in changed] == [spans[0].pk, spans[1].pk]  # live ones, changed or not
    assert CHANGED_PROPOSALS.rows(article_id=article.pk, since=0) == []


def test_a_statement_without_its_argument_as_a_parameter_is_refused():
    unused = statements.PreparedQuery(lambda article_id: Annotation.objects.values_list("id"),
                                      "article_id")  # fmt: skip
    with pytest.raises(ValueError, match="article_id"):
        unused.rows(article_id=1)
    sliced = statements.PreparedQuery(
        lambda count: Annotation.objects.values_list("id")[:count], "count"
    )
    with pytest.raises(ValueError, match="count"):
        sliced.rows(count=3)


def _stored(model, pk) -> dict:
    values = model.objects.filter(pk=pk).values().get()
    return {name: value for name, value in values.items() if name not in {"id", "created_at",
            "updated_at", "at"}}  # fmt: skip


def test_insert_writes_what_save_writes():
    article = ArticleFactory()
    author = UserFactory()
    fields = dict(article=article, author=author, kind=Kind.NUMBER, start=4, end=12,
                  exact=article.body[4:12], prefix="The ", suffix=" said",
                  number_value=Decimal("518.4"), number_unit="US$", created_version=3,
                  changed_version=3)  # fmt: skip
    saved = Annotation(**fields)
    saved.save()
    inserted = statements.insert(Annotation(**fields))
    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding
    assert inserted.created_at is not None
    assert _stored(Annotation, inserted.pk) == _stored(Annotation, saved.pk)

    changes = {"span": [None, [4, 12]], "kind": [None, "number"]}
    entry = dict(annotation=inserted, actor=author, action=HistoryAction.CREATED,
                 to_state=State.DRAFT, changes=changes)  # fmt: skip
    saved_entry = HistoryEntry(**entry)
    saved_entry.save()
    inserted_entry = statements.insert(HistoryEntry(**entry))
    assert _stored(HistoryEntry, inserted_entry.pk) == _stored(HistoryEntry, saved_entry.pk)
    assert HistoryEntry.objects.get(pk=inserted_entry.pk).changes["span"] == [None, [4, 12]]


def test_no_receiver_listens_to_the_models_insert_writes():
    """insert() sends no signals: nothing may depend on them for these models."""
    for model in (Annotation, HistoryEntry):
        assert not post_save.has_listeners(model)
        assert not pre_save.has_listeners(model)


def test_the_article_is_loaded_with_its_blind_setting_in_one_statement(
    django_assert_num_queries,
):
    plain, blind = ArticleFactory(), ArticleFactory()
    BlindSetting.objects.create(article=blind, annotators=3)
    annotator = UserFactory(role="annotator")
    with django_assert_num_queries(1):
        loaded = article_with_blind_setting(plain.pk)
    with django_assert_num_queries(1):
        loaded_blind = article_with_blind_setting(blind.pk)
    with django_assert_num_queries(0):
        assert not hasattr(loaded, "blind_setting")
        assert loaded_blind.blind_setting.annotators == 3
        assert loaded_blind.blind_setting.article is loaded_blind
    assert (loaded.title, loaded.body, loaded.checksum) == (plain.title, plain.body, plain.checksum)
    assert loaded.published == Article.objects.get(pk=plain.pk).published
    assert article_with_blind_setting(blind.pk + 1000) is None
    annotator.get_all_permissions()  # the role's permissions cached: only the rule is left
    with django_assert_num_queries(0):
        assert is_blind_for(annotator, loaded_blind)
        assert not is_blind_for(annotator, loaded)


def test_the_signed_in_user_is_read_as_the_orm_reads_them():
    user = UserFactory(role="annotator", first_name="Ada")
    backend = CachedPermissionsBackend()
    read = backend.get_user(user.pk)
    assert read == user and read.first_name == "Ada" and read.password == user.password
    assert backend.get_user(user.pk + 1000) is None
    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None
