"""The adjudication screen: one article's submitted spans side by side, grouped where they
overlap, and the form that turns a choice into a reference span (`adjudication.py`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import policy
from ..adjudication import CONTEXT, AlreadyAdjudicated, adjudicate, adjudication_of
from ..forms.adjudication import AdjudicateForm
from ..highlight import attribute_summary
from ..models import Article, Kind
from ..policy import Action
from ..workflow import WorkflowError
from .articles import get_article_for

TEMPLATE = "annotations/adjudicate.html"
KIND_LABELS = dict(Kind.choices)


def _get_article_to_adjudicate(user, article_id: int) -> Article:
    article = get_article_for(user, article_id)
    policy.check(user, Action.ADJUDICATE)
    return article


def _cell(article: Article, group, span) -> dict:
    """One annotator's span in its group's context: the text before, the span, after."""
    body = article.body
    left, right = max(0, group.start - CONTEXT), min(len(body), group.end + CONTEXT)
    return {
        "span": span,
        "before": ("…" if left else "") + body[left : span.start],
        "text": body[span.start : span.end],
        "after": body[span.end : right] + ("…" if right < len(body) else ""),
        "summary": attribute_summary(span),
        "same": [other.pk for other in group.identical_to(span)],
    }


def _context(article: Article, *, error: str = "", form=None) -> dict:
    adjudication = adjudication_of(article)
    groups = [
        {
            "group": group,
            "label": KIND_LABELS[group.kind],
            "columns": [
                {"number": index, "name": user.get_username(),
                 "cells": [_cell(article, group, span) for span in column]}
                for index, (user, column) in enumerate(
                    zip(adjudication.annotators, group.columns, strict=True), start=1
                )
            ],
            "union_text": article.body[group.start : group.end],
            "source_ids": [span.pk for span in group.spans],
        }
        for group in adjudication.groups
    ]  # fmt: skip
    return {
        "article": article,
        "adjudication": adjudication,
        "groups": groups,
        "kinds": Kind.choices,
        "error": error,
        "form": form,
    }


@require_GET
def adjudicate_page(request, article_id: int):
    article = _get_article_to_adjudicate(request.user, article_id)
    return render(request, TEMPLATE, _context(article))


@require_POST
def adjudicate_submit(request, article_id: int):
    article = _get_article_to_adjudicate(request.user, article_id)
    form = AdjudicateForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        return render(request, TEMPLATE, _context(article, error=errors, form=form), status=422)
    data = form.cleaned_data
    try:
        reference = adjudicate(
            article=article,
            editor=request.user,
            kind=data["kind"],
            start=data["start"],
            end=data["end"],
            exact=data["exact"],
            source_ids=data["sources"],
            attributes_from=data["attributes_from"],
        )
    except (AlreadyAdjudicated, IntegrityError) as conflict:
        message = str(conflict.message if hasattr(conflict, "message") else conflict)
        return render(request, TEMPLATE, _context(article, error=message), status=409)
    except PermissionDenied:
        raise
    except WorkflowError as refused:
        message = " ".join(refused.messages)
        return render(request, TEMPLATE, _context(article, error=message), status=422)
    messages.success(
        request,
        f"Reference {reference.get_kind_display().lower()} “{reference.exact[:60]}” "
        "submitted for review.",
    )
    # Back to the page after the group just decided (adjudicate.js goes on from there). A
    # query, not a #fragment: the browser would focus a fragment's element after the script.
    after = f"?after={data['group']}" if data["group"] else ""
    return redirect(reverse("adjudicate", args=[article.pk]) + after)
