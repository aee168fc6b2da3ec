"""Comments: an annotation's thread, read and added to.

The annotate panel and the review item load the thread with htmx (`hx-get` on load) and
get the fragment `includes/comments.html`; without JavaScript the same URL is a page of
its own. Posting answers the fragment to htmx, and redirects back to the page otherwise.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from .. import comments, policy, visibility
from ..forms.comments import CommentForm
from ..models import Annotation
from ..policy import Action

PAGE_TEMPLATE = "annotations/comments.html"
FRAGMENT_TEMPLATE = "annotations/includes/comments.html"


def get_annotation_for(user, annotation_id: int) -> Annotation:
    """404 if missing, 403 unless `user` may read the annotation's thread."""
    annotation = get_object_or_404(
        Annotation.objects.select_related("article").defer("article__body"), pk=annotation_id
    )
    policy.check(user, Action.VIEW_COMMENTS, annotation)
    if not visibility.may_see(user, annotation):  # hidden by blind annotation: as if absent
        raise Http404("No annotation matches the given query.")
    return annotation


def _notified_message(result: comments.CommentResult) -> str:
    parts = ["Comment added."]
    if result.notified:
        names = ", ".join(user.get_username() for user in result.notified)
        parts.append(f"Notified {names}.")
    if result.unknown:
        names = ", ".join(f"@{name}" for name in result.unknown)
        parts.append(f"Nobody was notified for {names} (no such person, or not on the team).")
    return " ".join(parts)


def _render(request, annotation, *, form=None, status=200, error=None, notice=None):
    thread = list(comments.thread(annotation))
    for comment in thread:
        comment.parts = comments.body_parts(comment.body)
    context = {
        "annotation": annotation,
        "thread": thread,
        "form": form or CommentForm(),
        "can_comment": policy.allows(request.user, Action.COMMENT, annotation),
        "error": error,
        "notice": notice,
    }
    template = FRAGMENT_TEMPLATE if request.htmx else PAGE_TEMPLATE
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def thread(request, annotation_id: int):
    annotation = get_annotation_for(request.user, annotation_id)
    if request.method == "GET":
        return _render(request, annotation)
    form = CommentForm(request.POST)
    if not form.is_valid():
        error = " ".join(error for errors in form.errors.values() for error in errors)
        return _render(request, annotation, form=form, status=422, error=error)
    try:
        result = comments.comment_add(
            annotation_id=annotation.pk, user=request.user, body=form.cleaned_data["body"]
        )
    except PermissionDenied as error:
        return _render(request, annotation, form=form, status=403, error=str(error))
    except comments.CommentError as error:
        return _render(request, annotation, form=form, status=422, error=" ".join(error.messages))
    if not request.htmx:
        messages.success(request, _notified_message(result))
        return redirect("comments", annotation_id=annotation.pk)
    response = _render(request, annotation, notice=_notified_message(result))
    # The review item's history lists the comment too: it reloads on this event.
    return trigger_client_event(response, "historyChanged")
