"""Whose annotations a user may see: everyone's, except on an article marked for blind
double annotation (`BlindSetting`), where an annotator sees only their own spans until
they have submitted their work there.

Every read of annotations that a person sees (the annotate screen, its live update, the
side panel, the API) goes through `visible_annotations`, so the rule lives here once.

An annotator's work on a blind article counts as submitted when they have submitted at
least one annotation there and have no draft left ("Submit all" does both). A draft made
afterwards hides the others again until it is submitted: whatever an annotator marks
while they can see the others' spans would not be independent work.

Reviewers and editors see everyone's work (they review and adjudicate it); so do roles
that do not annotate (researchers), whose reading cannot bias anybody's work.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from . import policy, statements
from .models import Annotation, Article, BlindSetting, State
from .policy import PERMISSION_FOR, REVIEW_PERMISSION, Action

# An annotator's submitted work: what they sent for review, whatever became of it since.
SUBMITTED_WORK = (State.SUBMITTED, State.IN_REVIEW, State.VERIFIED, State.REJECTED)


def sees_everyones_work(user) -> bool:
    """Whether blind annotation never hides anything from `user` (reviewers, editors and
    everyone who does not annotate)."""
    return user.has_perm(REVIEW_PERMISSION) or not user.has_perm(
        PERMISSION_FOR[Action.CREATE_ANNOTATION]
    )


def visible_annotations(user, article: Article | None = None) -> QuerySet[Annotation]:
    """The annotations `user` may see, of `article` (or of every article), as a QuerySet:
    withdrawn ones included (callers filter `.live()` as before).

    No extra query: on blind articles the rule is two subqueries of the same statement.
    """
    annotations = Annotation.objects.all() if article is None else article.annotations.all()
    if sees_everyones_work(user):
        return annotations
    if article is not None and _known_not_blind(article):
        return annotations  # no subqueries to build and run: most articles are not blind
    blind = BlindSetting.objects.filter(article=OuterRef("article"))
    own = Annotation.objects.filter(article=OuterRef("article"), author=user)
    submitted = Exists(own.filter(state__in=SUBMITTED_WORK)) & ~Exists(
        own.filter(state=State.DRAFT)
    )
    return annotations.filter(Q(author=user) | ~Exists(blind) | submitted)


def _known_not_blind(article: Article) -> bool:
    """Whether `article` was loaded with its blind setting (`with_blind_setting`) and has
    none; no query either way."""
    return Article.blind_setting.is_cached(article) and not hasattr(article, "blind_setting")


def may_see(user, annotation: Annotation) -> bool:
    """Whether `user` may see `annotation` (its thread included): the rule of
    `visible_annotations` for one annotation. No query unless blind annotation could hide
    it from them (another annotator's span on an article marked blind), then one."""
    if sees_everyones_work(user) or annotation.author_id == user.pk:
        return True
    return visible_annotations(user).filter(pk=annotation.pk).exists()


def is_blind_for(user, article: Article) -> bool:
    """Whether blind annotation applies to `user` on `article`.

    What such a user sees changes with their own work (a submit reveals the others' spans,
    a new draft hides them), so their annotate screen is updated whole, never by the
    changes since the version it shows. No query when the article was loaded with
    `select_related("blind_setting")` (`with_blind_setting`), one otherwise.
    """
    if sees_everyones_work(user):
        return False
    return hasattr(article, "blind_setting")  # a missing row raises an AttributeError


def with_blind_setting(articles: QuerySet[Article]) -> QuerySet[Article]:
    """Articles with their blind setting in the same query (for `is_blind_for`)."""
    return articles.select_related("blind_setting")


def _article_with_blind_setting(article_id):
    fields = statements.field_names(Article)
    setting = [f"blind_setting__{name}" for name in statements.field_names(BlindSetting)]
    return Article.objects.filter(pk=article_id).values_list(*fields, *setting)


ARTICLE_WITH_BLIND_SETTING = statements.PreparedQuery(_article_with_blind_setting, "article_id")


def article_with_blind_setting(article_id: int) -> Article | None:
    """The article `article_id` as `with_blind_setting` loads it (None: there is none), in
    one statement built once per process (`statements`): every annotate request loads
    its article."""
    rows = ARTICLE_WITH_BLIND_SETTING.rows(article_id=article_id)
    if not rows:
        return None
    width = len(Article._meta.concrete_fields)
    article = statements.instance(Article, rows[0][:width])
    setting = None
    if rows[0][width] is not None:  # its primary key is the article's
        setting = statements.instance(BlindSetting, rows[0][width:])
        BlindSetting.article.field.set_cached_value(setting, article)
    Article.blind_setting.related.set_cached_value(article, setting)
    return article


def blind_article_ids(article_ids) -> set[int]:
    """Which of these articles are marked for blind annotation (one query)."""
    return set(
        BlindSetting.objects.filter(article_id__in=article_ids).values_list("article_id", flat=True)
    )


def blind_mark(*, articles: QuerySet[Article], annotators: int, editor) -> int:
    """Mark `articles` (one, or an import batch's) for `annotators` independent annotators;
    articles already marked take the new number. Returns how many articles are marked."""
    policy.check(editor, Action.SET_BLIND)
    if not 2 <= annotators <= 20:
        raise ValueError("Blind annotation needs 2 to 20 annotators.")
    article_ids = list(articles.values_list("pk", flat=True))
    with transaction.atomic():
        BlindSetting.objects.filter(article_id__in=article_ids).update(annotators=annotators)
        marked = blind_article_ids(article_ids)
        BlindSetting.objects.bulk_create(
            BlindSetting(article_id=pk, annotators=annotators, created_by=editor)
            for pk in article_ids
            if pk not in marked
        )
    return len(article_ids)


def blind_unmark(*, articles: QuerySet[Article], editor) -> int:
    """End blind annotation on `articles`: everyone sees everyone's spans again."""
    policy.check(editor, Action.SET_BLIND)
    deleted, _ = BlindSetting.objects.filter(article__in=articles).delete()
    return deleted
