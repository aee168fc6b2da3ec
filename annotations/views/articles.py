"""The article list (filters, sorting, and the editors' assign form) and the article page
(which is the annotate screen)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import assignments, policy
from ..assignments import assignable_annotators, assignable_reviewers
from ..forms.articles import ArticleFilterForm, AssignAction, AssignForm
from ..inputs import parse_optional_id
from ..models import Article, ArticleCounts, Assignment, ImportBatch, Kind, State
from ..policy import Action
from ..visibility import article_with_blind_setting

ARTICLES_PER_PAGE = 25
# Import batches offered in the assign form: the latest ones.
RECENT_BATCHES = 30


def get_article_for(user, article_id: int) -> Article:
    """The one way views load an article: 404 if missing, 403 unless the role may read it."""
    policy.check(user, Action.VIEW_ARTICLES)
    article = article_with_blind_setting(article_id)
    if article is None:
        raise Http404("No article has this id.")
    return article


def listed_articles(query: str = "") -> QuerySet[Article]:
    """The article list's rows, newest published first (unpublished last), with counts.

    The counts are the counters the database keeps (`Article.objects.with_counts`), one
    join on the article's primary key (which counting the articles for the pages leaves
    out); the order has an index of its own (migration
    0010), so a page costs the same at 100 and at 100,000 articles.
    """
    counts = [f"counts__{name}" for name in ArticleCounts.COUNTERS]
    articles = (
        Article.objects.with_counts()
        .only("id", "title", "publisher", "published", "language", "created_at", *counts)
        .order_by(F("published").desc(nulls_last=True), "-id")
    )
    if query:
        articles = articles.filter(title__icontains=query)
    return articles


def _assign_context(user) -> dict | None:
    """What the editors' assign form offers (three queries), or None for other roles."""
    if not policy.allows(user, Action.ASSIGN_ARTICLES):
        return None
    return {
        "annotators": list(assignable_annotators().only("id", "username")),
        "reviewers": list(assignable_reviewers().only("id", "username")),
        "batches": list(ImportBatch.objects.only("id", "filename", "created_at")[:RECENT_BATCHES]),
        "today": timezone.localdate(),
    }


def _render_list(request, *, status=200, error=None, assign_form=None):
    user = request.user
    filters = ArticleFilterForm(request.GET)
    can_assign = policy.allows(user, Action.ASSIGN_ARTICLES)
    if filters.is_valid():
        articles = filters.apply(listed_articles(), user)
        if can_assign:
            # Everyone assigned to the page's articles: one more query, whatever the page.
            articles = articles.prefetch_related(
                Prefetch(
                    "assignments",
                    Assignment.objects.select_related("assignee").only(
                        "article_id", "role", "due", "assignee__username"
                    ),
                )
            )
    else:
        articles, status = Article.objects.none(), 400
    page_number = parse_optional_id(request.GET.get("page"), name="page")
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(page_number)
    filter_query = urlencode(filters.as_query())
    context = {
        "page": page,
        "filters": filters,
        "filter_query": filter_query,
        "query": filters.cleaned_data.get("q", "") if filters.is_valid() else "",
        "kinds": Kind,
        "states": State,
        "assign": _assign_context(user),
        "assign_form": assign_form,
        "error": error,
    }
    return render(request, "annotations/article_list.html", context, status=status)


@require_GET
def article_list(request):
    policy.check(request.user, Action.VIEW_ARTICLES)
    return _render_list(request)


def _people(users) -> str:
    return ", ".join(user.get_username() for user in users)


@require_POST
def articles_assign(request):
    """Assign (or unassign) the ticked articles, or an import batch, then back to the list
    with its filters (they ride in the form's query string)."""
    policy.check(request.user, Action.ASSIGN_ARTICLES)
    form = AssignForm(request.POST)
    if not form.is_valid():
        errors = " ".join(error for errors in form.errors.values() for error in errors)
        return _render_list(request, status=400, error=errors, assign_form=form)
    data = form.cleaned_data
    try:
        if data["action"] == AssignAction.ASSIGN:
            result = assignments.articles_assign(
                editor=request.user,
                articles=form.articles(),
                annotators=data["annotators"],
                reviewers=data["reviewers"],
                due=data["due"],
            )
            people = _people([*data["annotators"], *data["reviewers"]])
            due = f", due {data['due']:%Y-%m-%d}" if data["due"] else ""
            messages.success(
                request,
                f"Assigned {result.articles} article{pluralize(result.articles)} to {people}{due}"
                f" ({result.created} new, {result.updated} updated).",
            )
        else:
            removed = assignments.articles_unassign(
                editor=request.user,
                articles=form.articles(),
                annotators=data["annotators"],
                reviewers=data["reviewers"],
            )
            messages.success(request, f"Removed {removed} assignment{pluralize(removed)}.")
    except assignments.AssignmentError as error:
        return _render_list(request, status=422, error=" ".join(error.messages), assign_form=form)
    url = reverse("article_list")
    query = ArticleFilterForm(request.GET).as_query()
    return redirect(f"{url}?{urlencode(query)}" if query else url)


@require_GET
def article_detail(request, article_id: int):
    """The annotate screen: the text with every annotation, the side panel, the list.

    `?a=<id>` opens that annotation in the side panel (the no-JavaScript way to pick one).
    """
    # Imported here because views.annotate builds on get_article_for above.
    from .annotate import screen_context

    article = get_article_for(request.user, article_id)
    open_id = parse_optional_id(request.GET.get("a"), name="a (the annotation to open)")
    context = screen_context(request, article, open_id=open_id)
    return render(request, "annotations/article_detail.html", context)
