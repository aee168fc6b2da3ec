"""The assistant's proposals on the annotate screen: run the engines on the article, accept
one, dismiss one, accept all of one kind in a paragraph.

Each view loads the article through `get_article_for` and the proposal through
`_get_proposal_for` (a strictly parsed id; 404 unless it is one of this article's), calls
one function of `proposals.py` and answers as the screen's other actions do: for htmx the
proposals box's status line, what changed since the version the screen shows
(`annotate.refresh_context`) and, after an accept, the new draft in the panel; without
JavaScript a redirect back to the page. A proposal decided meanwhile is a 409 that also
brings the screen up to date (the proposal disappears), never a 500.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import policy, proposals
from ..inputs import parse_id
from ..models import Article, Suggestion
from ..policy import Action
from ..workflow import DuplicateSpan, WorkflowError
from .annotate import (
    CONFLICT_MESSAGE,
    TEMPLATE,
    panel_context,
    refresh_context,
    render_fragment,
    screen_context,
    shown_version,
)
from .articles import get_article_for


class _Refused(Exception):
    """A refusal with its status and the message the proposals box shows."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _get_proposal_for(user, article: Article, raw_id) -> Suggestion:
    """The one way these views load a proposal: 400 for a malformed id (BadInput), 403
    unless the user may decide proposals, 404 unless it is one of this article's."""
    suggestion_id = parse_id(raw_id, name="The proposal (suggestion)")
    policy.check(user, Action.PROPOSE)
    suggestion = Suggestion.objects.filter(pk=suggestion_id, article=article).first()
    if suggestion is None:
        raise _Refused(404, "This proposal is not one of this article's (reload the page).")
    suggestion.article = article  # the body is already here
    return suggestion


def _decide(request, article_id: int, decide):
    """Load, decide, answer. `decide(suggestion)` returns the notice and the annotations it
    created (the first opens in the panel when `open_first`)."""
    article = get_article_for(request.user, article_id)
    try:
        suggestion = _get_proposal_for(request.user, article, request.POST.get("suggestion"))
        notice, created, open_first = decide(suggestion)
    except _Refused as refused:
        return _answer(request, article, error=str(refused), status=refused.status)
    except PermissionDenied as denied:
        return _answer(request, article, error=str(denied), status=403)
    except (proposals.AlreadyDecided, DuplicateSpan) as conflict:
        return _answer(request, article, error=" ".join(conflict.messages), status=409)
    except WorkflowError as invalid:
        return _answer(request, article, error=" ".join(invalid.messages), status=422)
    except IntegrityError:
        return _answer(request, article, error=CONFLICT_MESSAGE, status=409)
    opened = created[0] if open_first else None
    return _answer(request, article, notice=notice, opened=opened, known=created)


def _answer(request, article: Article, *, notice="", error="", status=200, opened=None,
            known=(), whole=False):  # fmt: skip
    """htmx: the status line, what changed since the shown version (everything when
    `whole`), and `opened` in the panel. Otherwise back to the page (a refusal: the page
    again with its status and the message)."""
    if not request.htmx:
        if error and status == 404:
            raise Http404(error)
        if error:
            context = screen_context(request, article) | {"proposal_error": error}
            return render(request, TEMPLATE, context, status=status)
        messages.success(request, notice)
        url = reverse("article_detail", args=[article.pk])
        return redirect(f"{url}?a={opened.pk}#panel" if opened else url)
    shown = None if whole else shown_version(request)
    context = refresh_context(request, article, shown, known=known) | {
        "proposal_notice": notice,
        "proposal_error": error,
    }
    if opened is not None:
        context |= panel_context(request.user, opened, created=True)  # the status line says it
    return render_fragment(request, "proposal_answer", context, status=status)


@require_POST
def proposals_run(request, article_id: int):
    """Run the engines on this article now (they take well under a second per article)."""
    article = get_article_for(request.user, article_id)
    try:
        policy.check(request.user, Action.PROPOSE)
    except PermissionDenied as denied:
        return _answer(request, article, error=str(denied), status=403)
    added = proposals.suggestions_refresh(article=article)
    notice = f"{added} new proposal{'s' if added != 1 else ''}." if added else "Nothing new."
    # New proposals may be anywhere in the text: the whole body and list, not the changes.
    return _answer(request, article, notice=notice, whole=bool(added))


@require_POST
def proposal_accept(request, article_id: int):
    """The proposal becomes the user's draft, attributes filled in; the panel opens on it."""

    def accept(suggestion: Suggestion):
        annotation = proposals.suggestion_accept(suggestion_id=suggestion.pk, user=request.user)
        kind = annotation.get_kind_display().lower()
        return f"Accepted: your {kind} draft, attributes filled in.", [annotation], True

    return _decide(request, article_id, accept)


@require_POST
def proposal_dismiss(request, article_id: int):
    def dismiss(suggestion: Suggestion):
        proposals.suggestion_dismiss(suggestion_id=suggestion.pk, user=request.user)
        return "Dismissed: it will not be proposed again.", [], False

    return _decide(request, article_id, dismiss)


@require_POST
def proposal_accept_paragraph(request, article_id: int):
    """Every pending proposal of the focused one's kind in its paragraph, at once."""

    def accept_all(suggestion: Suggestion):
        accepted = proposals.suggestions_accept_paragraph(suggestion=suggestion, user=request.user)
        if not accepted:
            raise _Refused(409, "No pending proposal of this kind is left in this paragraph.")
        label = suggestion.get_kind_display().lower()
        plural = "s" if len(accepted) != 1 else ""
        return f"Accepted {len(accepted)} {label}{plural} in this paragraph.", accepted, False

    return _decide(request, article_id, accept_all)
