"""The search page: articles and annotations found by their text, a number's value and unit."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import policy
from ..forms.search import SearchForm
from ..inputs import BadInput, parse_optional_id
from ..policy import Action
from ..search import PER_PAGE, SearchResults, parse_query, search

TEMPLATE = "annotations/search.html"


@require_GET
def search_page(request):
    policy.check(request.user, Action.VIEW_ARTICLES)
    page = parse_optional_id(request.GET.get("page"), name="page") or 1
    form = SearchForm(request.GET)
    results, error, status = None, "", 200
    if form.is_valid():
        try:
            query = parse_query(form.cleaned_data["q"])
        except BadInput as refused:
            error, status = str(refused), 400
        else:
            results = search(query, form.filters(), page=page)
    else:
        status = 400
    context = {
        "form": form,
        "results": results,
        "error": error,
        "page": page,
        "pages": _pages(results, page, request.GET),
        "can_review": policy.allows(request.user, Action.VIEW_QUEUE),
    }
    return render(request, TEMPLATE, context, status=status)


def _pages(results: SearchResults | None, page: int, params) -> dict:
    """Links to the previous and next page (both sections move together)."""
    if results is None:
        return {}
    largest = max(results.annotation_count, results.article_count)
    kept = {name: value for name, value in params.items() if name != "page" and value}

    def url(number):
        return "?" + urlencode(kept | {"page": number})

    return {
        "previous": url(page - 1) if page > 1 else "",
        "next": url(page + 1) if page * PER_PAGE < largest else "",
    }
