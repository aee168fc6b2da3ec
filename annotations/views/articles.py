"""The article list and the article page (which is the annotate screen)."""

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .. import policy
from ..inputs import parse_optional_id
from ..models import Article, ArticleCounts, Kind, State
from ..policy import Action
from ..visibility import with_blind_setting

ARTICLES_PER_PAGE = 25


def get_article_for(user, article_id: int) -> Article:
    """The one way views load an article: 404 if missing, 403 unless the role may read it."""
    policy.check(user, Action.VIEW_ARTICLES)
    return get_object_or_404(with_blind_setting(Article.objects), pk=article_id)


def listed_articles(query: str = "") -> QuerySet[Article]:
    """The article list's rows, newest published first (unpublished last), with counts.

    The counts are the counters the database keeps (`Article.objects.with_counts`), one
    join on the article's primary key (which counting the articles for the pages leaves
    out); the order has an index of its own (migration
    0004), so a page costs the same at 100 and at 100,000 articles.
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


@require_GET
def article_list(request):
    policy.check(request.user, Action.VIEW_ARTICLES)
    query = request.GET.get("q", "").strip()
    articles = listed_articles(query)
    page_number = parse_optional_id(request.GET.get("page"), name="page")
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(page_number)
    return render(
        request,
        "annotations/article_list.html",
        {"page": page, "query": query, "kinds": Kind, "states": State},
    )


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
