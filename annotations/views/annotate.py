"""The annotate screen's actions: open a span, create, edit, change kind, nudge, withdraw,
submit one or all, and the live-update poll.

The screen itself is the article page (`articles.article_detail`), built by
`screen_context`. Every action loads through a permission helper, binds a form, calls one
function of `workflow.py` and picks a response: for htmx the fragments of
"annotations/article_detail.html" that changed, otherwise a redirect back to the page (or
the whole page again with the refusal and its status: 403, 409 or 422).

A write costs what it changes: the screen sends the version it shows (header
`X-Annotations-Shown`, set by static/js/annotate.js), and the answer carries, besides the
panel, only what changed since that version (`highlight.screen_changes`: the paragraphs
touched, the list rows, the counts), as the live-update poll does for `?v=`.
"""

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Exists, Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import policy, workflow
from ..forms.annotate import (
    AttributionForm,
    CreateForm,
    KindForm,
    NudgeForm,
    SubmitAllForm,
    VersionForm,
    attributes_form,
)
from ..highlight import (
    article_paragraphs,
    attribute_summary,
    body_html,
    excerpt,
    proposal_counts,
    rows_html,
    screen_changes,
    screen_state,
)
from ..inputs import parse_optional_id
from ..models import Annotation, Article, HistoryAction, HistoryEntry, Kind, Review, State
from ..policy import Action
from ..templatetags.fragments import render_jinja
from ..text import nudge_span
from ..visibility import is_blind_for, visible_annotations, with_blind_setting
from .articles import get_article_for

TEMPLATE = "annotations/article_detail.html"
HISTORY_SHOWN = 8
CONFLICT_MESSAGE = (
    "Someone changed this annotation at the same moment. Nothing was saved: try again."
)


# Answers drawn by Jinja2 alone when they carry what changed (not the whole screen): the
# answers to every span created and every change, and a colleague's live update.
JINJA_FRAGMENTS = {
    "created": "annotations/jinja/created.html",
    "changed": "annotations/jinja/changed.html",
    "refresh": "annotations/jinja/changes.html",
}


def render_fragment(request, partial: str, context: dict, *, status: int = 200):
    """An htmx answer of the annotate screen: the `partial` of its template, or the same
    parts in Jinja2 (templates/annotations/jinja/) for the answers sent most often."""
    if partial in JINJA_FRAGMENTS and context.get("changes"):
        html = render_jinja(request, JINJA_FRAGMENTS[partial], context)
        return HttpResponse(html, status=status)
    return render(request, f"{TEMPLATE}#{partial}", context, status=status)


def _get_annotation_for(user, annotation_id: int) -> Annotation:
    """The one way these views load an annotation: 404 if missing, 403 unless readable.

    Whether the user may *change* it is the workflow's question (author, draft, version).
    """
    policy.check(user, Action.VIEW_ARTICLES)
    return get_object_or_404(
        visible_annotations(user).select_related("article__blind_setting", "author"),
        pk=annotation_id,
    )


def _screen_url(annotation: Annotation) -> str:
    url = reverse("article_detail", args=[annotation.article_id])
    return f"{url}?a={annotation.pk}#panel"


def updates_context(request, article: Article) -> dict:
    """The whole body, list, proposals box and poller, as the page draws them. The spans
    this user may see, the pending proposals and the version they are at: two queries
    whatever their numbers (`highlight.screen_state`)."""
    spans, proposals = screen_state(article, visible_annotations(request.user, article))
    return {
        "article": article,
        "annotation_count": len(spans),
        "body_html": body_html(
            article.body, spans, article_paragraphs(article), proposals=proposals
        ),
        "proposal_counts": proposal_counts(proposals),
        "rows_html": rows_html(spans, request.user.pk),
        "my_draft_count": sum(
            1 for span in spans if span.author_id == request.user.pk and span.state == State.DRAFT
        ),
    }


def refresh_context(request, article: Article, shown: int | None, *, known=()) -> dict:
    """What a screen showing version `shown` of the article's annotations needs to be up to
    date: what changed since (`changes`), or the whole body and list when it did not say
    which version it shows or too much changed (`highlight.too_many_changes`). `known`: the
    annotations this request changed, as they are now."""
    changes = None
    # Blind annotation: what an annotator sees changes with their own submits, so whole.
    # Where it does not apply, the user sees every annotation of the article.
    if shown is not None and not is_blind_for(request.user, article):
        changes = screen_changes(article, shown, request.user.pk, known=known)
    if changes is None:
        return updates_context(request, article)
    return {"article": article, "changes": changes}


def shown_version(request) -> int | None:
    """The version of the article's annotations the screen sending this request shows."""
    return parse_optional_id(
        request.headers.get("X-Annotations-Shown"),
        name="The X-Annotations-Shown header (the version the screen shows)",
    )


def _attribution_text(annotation: Annotation) -> str:
    if annotation.attribution_start is None or annotation.attribution_end is None:
        return ""
    return annotation.article.body[annotation.attribution_start : annotation.attribution_end]


def _unsaved_rows(unsaved: workflow.UnsavedSuggestions | None) -> list[dict]:
    """Each draft "Submit all" refused, with its suggestions written as the list writes them."""
    rows = []
    for draft, suggestions in unsaved.drafts if unsaved else []:
        suggested = copy.copy(draft)
        for name, value in suggestions.items():
            setattr(suggested, name, value)
        rows.append({"annotation": draft, "excerpt": excerpt(draft.exact, 60),
                     "suggested": attribute_summary(suggested)})  # fmt: skip
    return rows


def panel_context(user, annotation: Annotation | None, *, form=None, error="", notice="",
                  focus=False, unsaved=None, created=False) -> dict:  # fmt: skip
    """The side panel: one annotation with its forms when the user may change it; or what
    "Submit all" refused (`unsaved`), with the way to submit them anyway. `created`: it was
    created by this very request, so it has no review yet."""
    context = {"open": annotation, "error": error, "notice": notice,
               "unsaved_rows": _unsaved_rows(unsaved)}  # fmt: skip
    if annotation is None:
        return context
    # The latest review (outcome, verdict, reason) shows in the panel: one query.
    # Under double review a sealed first decision shows only to its reviewer.
    if created:
        # Nothing to read: the panel's review list is empty. The cache holds an evaluated
        # empty queryset, as a prefetch leaves it: a bare none() would be compiled again
        # (to find it has no SQL) each time the template iterates it.
        no_reviews = Review.objects.none()
        no_reviews._result_cache, no_reviews._prefetch_done = [], True
        annotation._prefetched_objects_cache = {"reviews": no_reviews}
    else:
        reviews = Review.objects.visible_to(user).select_related("reviewer")
        prefetch_related_objects([annotation], Prefetch("reviews", reviews))
    can_edit = policy.allows(user, Action.EDIT_ANNOTATION, annotation)
    if can_edit and form is None:
        form = attributes_form(annotation)
    if can_edit and focus:
        # Opening a span puts the cursor in its first field: the keyboard loop continues there.
        # The screen's script moves it (annotate.js, focusFirstField), not `autofocus`: htmx
        # would focus that field once the answer settles even while the annotator is
        # already dragging over the next span, and the drag would lose its selection.
        first = next(iter(form.visible_fields()), None)
        if first is not None:
            first.field.widget.attrs["data-first-field"] = True
    return context | {
        "can_edit": can_edit,
        "can_submit": policy.allows(user, Action.SUBMIT_ANNOTATION, annotation),
        "can_withdraw": policy.allows(user, Action.WITHDRAW_ANNOTATION, annotation),
        "can_open_review": policy.allows(user, Action.VIEW_REVIEW_ITEM, annotation),
        "attribution_text": _attribution_text(annotation),
        "read_only_reason": None
        if can_edit
        else policy.reason_denied(user, Action.EDIT_ANNOTATION, annotation),
        "attributes_form": form,
        "kind_choices": Kind.choices,
        "open_summary": attribute_summary(annotation),
        "history": _created_history(user, annotation)
        if created
        else annotation.history.select_related("actor").order_by("-at", "-id")[:HISTORY_SHOWN],
    }


def _created_history(user, annotation: Annotation) -> list[HistoryEntry]:
    """The history of an annotation this very request created: its creation by `user`
    (the entry `workflow.annotation_create` wrote), without reading it back."""
    entry = HistoryEntry(annotation=annotation, actor=user, action=HistoryAction.CREATED,
                         to_state=State.DRAFT, at=annotation.created_at)  # fmt: skip
    return [entry]


def screen_context(request, article: Article, *, open_id=None, create_form=None, duplicate=None,
                   **panel) -> dict:  # fmt: skip
    """Everything the annotate page shows, with `open_id` (or `annotation=`) in the panel.

    `open_id` is the raw `?a=` of the page: parsed strictly, a bad one answers 400.
    """
    annotation = panel.pop("annotation", None)
    open_id = parse_optional_id(open_id, name="?a= (the annotation to open)")
    if annotation is None and open_id is not None:
        visible = visible_annotations(request.user, article)
        annotation = visible.select_related("author").filter(pk=open_id).first()
        if annotation is not None:
            annotation.article = article  # the body is already here
    return (
        updates_context(request, article)
        | panel_context(request.user, annotation, **panel)
        | create_context(request, article, create_form, duplicate=duplicate)
        | {"proposal_notice": "", "proposal_error": ""}  # the proposals box's status line
    )


def create_context(request, article: Article, form=None, *, duplicate=None) -> dict:
    """The create box: the form, and the warning when the author already has this span."""
    return {
        "article": article,
        "can_create": policy.allows(request.user, Action.CREATE_ANNOTATION),
        "create_form": form,  # None: a blank form, drawn once per process
        "duplicate": duplicate,
    }


def _changed(request, annotation: Annotation, notice: str, *, status=200, error=""):
    """After a change (or a 409 showing what changed): htmx gets the panel and the updated
    body and list; a plain form post is redirected back to the page."""
    article = annotation.article  # refresh_context reads its annotations_version again
    if request.htmx:
        context = refresh_context(request, article, shown_version(request)) | panel_context(
            request.user, annotation, notice=notice, error=error
        )
        return render_fragment(request, "changed", context, status=status)
    if error:
        context = screen_context(request, article, annotation=annotation, error=error)
        return render(request, TEMPLATE, context, status=status)
    messages.success(request, notice)
    return redirect(_screen_url(annotation))


def _refused(request, annotation: Annotation, *, status: int, form=None, error=""):
    """A refused change: the panel says why, next to the field when a field is at fault."""
    if request.htmx:
        context = panel_context(request.user, annotation, form=form, error=error)
        return render_fragment(request, "panel", context, status=status)
    context = screen_context(request, annotation.article, annotation=annotation, form=form,
                             error=error)  # fmt: skip
    return render(request, TEMPLATE, context, status=status)


def _apply(request, annotation: Annotation, change, *, notice: str, form=None):
    """Run one workflow call and answer: 409 stale, 403 not allowed, 422 refused by a rule."""
    try:
        changed = change()
    except workflow.StaleVersion as stale:  # Busy included: nothing could be read then
        shown = stale.annotation or annotation
        return _changed(request, shown, "", status=409, error=str(stale))
    except IntegrityError:
        return _changed(request, annotation, "", status=409, error=CONFLICT_MESSAGE)
    except PermissionDenied as denied:
        return _refused(request, annotation, status=403, form=form, error=str(denied))
    except ValidationError as invalid:  # WorkflowError included
        if form is not None:
            form.add_error(None, invalid)
            return _refused(request, annotation, status=422, form=form)
        return _refused(request, annotation, status=422, error=" ".join(invalid.messages))
    return _changed(request, changed, notice)


@require_GET
def panel(request, annotation_id: int):
    annotation = _get_annotation_for(request.user, annotation_id)
    if not request.htmx:
        return redirect(_screen_url(annotation))
    # ?focus=1: opened from the keyboard, so the first field takes the cursor.
    context = panel_context(request.user, annotation, focus=request.GET.get("focus") == "1")
    return render_fragment(request, "panel", context)


@require_POST
def create(request, article_id: int):
    article = get_article_for(request.user, article_id)
    form = CreateForm(request.POST, article=article)
    duplicate = None
    if form.is_valid():
        try:
            annotation = workflow.annotation_create(
                article=article,
                author=request.user,
                kind=form.cleaned_data["kind"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                exact=form.cleaned_data["exact"],
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
            )
        except workflow.DuplicateSpan as error:
            duplicate = error  # a warning with "Create anyway", not an error of the form
        except workflow.WorkflowError as error:
            form.add_error("exact", error)
        else:
            return _created(request, annotation)
    status = 409 if duplicate else 422
    if request.htmx:
        context = create_context(request, article, form, duplicate=duplicate)
        return render_fragment(request, "create_box", context, status=status)
    context = screen_context(request, article, create_form=form, duplicate=duplicate)
    return render(request, TEMPLATE, context, status=status)


def _created(request, annotation: Annotation):
    notice = f"{annotation.get_kind_display()} created as a draft."
    if not request.htmx:
        messages.success(request, notice)
        return redirect(_screen_url(annotation))
    article = annotation.article  # refresh_context reads its annotations_version again
    context = (
        refresh_context(request, article, shown_version(request), known=[annotation])
        | panel_context(request.user, annotation, notice=notice, focus=True, created=True)
        | create_context(request, article)
    )
    return render_fragment(request, "created", context)


@require_POST
def edit_attributes(request, annotation_id: int):
    annotation = _get_annotation_for(request.user, annotation_id)
    form = attributes_form(annotation, data=request.POST)
    if not form.is_valid():
        return _refused(request, annotation, status=422, form=form)
    return _apply(
        request,
        annotation,
        lambda: workflow.annotation_update(
            annotation_id=annotation.pk,
            user=request.user,
            version=form.cleaned_data["version"],
            changes=form.changes(),
        ),
        notice="Saved.",
        form=form,
    )


@require_POST
def change_kind(request, annotation_id: int):
    annotation = _get_annotation_for(request.user, annotation_id)
    form = KindForm(request.POST)
    if not form.is_valid():
        return _refused(request, annotation, status=422, error="Choose claim, number or quotation.")
    return _apply(
        request,
        annotation,
        lambda: workflow.annotation_update(
            annotation_id=annotation.pk,
            user=request.user,
            version=form.cleaned_data["version"],
            changes={"kind": form.cleaned_data["kind"]},
        ),
        notice="Kind changed.",
    )


@require_POST
def nudge(request, annotation_id: int):
    annotation = _get_annotation_for(request.user, annotation_id)
    form = NudgeForm(request.POST)
    if not form.is_valid():
        return _refused(request, annotation, status=422, error="Choose which end to move.")
    try:
        start, end = nudge_span(annotation.article.body, annotation.start, annotation.end,
                                *form.edge_and_direction)  # fmt: skip
    except ValueError as error:
        return _refused(request, annotation, status=422, error=str(error))
    return _apply(
        request,
        annotation,
        lambda: workflow.annotation_update(
            annotation_id=annotation.pk,
            user=request.user,
            version=form.cleaned_data["version"],
            changes={"start": start, "end": end},
        ),
        notice="Boundaries moved.",
    )


@require_POST
def attribution(request, annotation_id: int):
    """Mark the selection as the quotation's attribution ("X said"), or clear it."""
    annotation = _get_annotation_for(request.user, annotation_id)
    form = AttributionForm(request.POST, article=annotation.article)
    if not form.is_valid():
        return _refused(request, annotation, status=422, error=" ".join(form.non_field_errors()))
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return _apply(
        request,
        annotation,
        lambda: workflow.annotation_update(
            annotation_id=annotation.pk,
            user=request.user,
            version=form.cleaned_data["version"],
            changes={"attribution_start": start, "attribution_end": end},
        ),
        notice="Attribution cleared." if start is None else "Attribution marked.",
    )


def _transition(request, annotation_id: int, transition, *, notice: str):
    """Withdraw and submit: a state change that needs only the version the form was based on."""
    annotation = _get_annotation_for(request.user, annotation_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused(request, annotation, status=422, error="The form is missing its version.")
    return _apply(
        request,
        annotation,
        lambda: transition(
            annotation_id=annotation.pk, user=request.user, version=form.cleaned_data["version"]
        ),
        notice=notice,
    )


@require_POST
def withdraw(request, annotation_id: int):
    return _transition(
        request,
        annotation_id,
        workflow.annotation_withdraw,
        notice="Withdrawn. It stays in the history.",
    )


@require_POST
def submit(request, annotation_id: int):
    """The panel's Submit belongs to the attributes form: what it showed (saved values or
    suggestions) is saved with the submission. A post without attributes submits as is."""
    annotation = _get_annotation_for(request.user, annotation_id)
    form = attributes_form(annotation, data=request.POST)
    if not form.is_valid():
        return _refused(request, annotation, status=422, form=form)
    return _apply(
        request,
        annotation,
        lambda: workflow.annotation_submit(
            annotation_id=annotation.pk,
            user=request.user,
            version=form.cleaned_data["version"],
            changes=form.changes(),
        ),
        notice="Submitted for review.",
        form=form,
    )


@require_POST
def submit_all(request, article_id: int):
    article = get_article_for(request.user, article_id)
    form = SubmitAllForm(request.POST)
    if not form.is_valid():
        return _submit_all_refused(request, article, status=422, error="Submit all again.")
    try:
        submitted = workflow.annotations_submit_all(
            article=article, user=request.user, confirm_unsaved=form.cleaned_data["confirm_unsaved"]
        )
    except workflow.UnsavedSuggestions as unsaved:
        return _submit_all_refused(request, article, status=409, unsaved=unsaved)
    except workflow.StaleVersion as conflict:  # Busy: a draft is being taken at this moment
        return _submit_all_refused(request, article, status=409, error=str(conflict))
    notice = f"Submitted {len(submitted)} draft{'s' if len(submitted) != 1 else ''} for review."
    if not request.htmx:
        messages.success(request, notice)
        return redirect("article_detail", article_id=article.pk)
    context = refresh_context(request, article, shown_version(request)) | panel_context(
        request.user, None, notice=notice
    )
    return render_fragment(request, "changed", context)


def _submit_all_refused(request, article: Article, *, status: int, error="", unsaved=None):
    """Nothing was submitted: the panel says why (and lists unsaved suggestions)."""
    panel = {"error": error or (" ".join(unsaved.messages) if unsaved else ""), "unsaved": unsaved}
    if request.htmx:
        context = {"article": article} | panel_context(request.user, None, **panel)
        return render_fragment(request, "panel", context, status=status)
    return render(request, TEMPLATE, screen_context(request, article, **panel), status=status)


@never_cache
@login_not_required
@require_GET
def poll(request, article_id: int):
    """204 when the article's annotations are as the client last saw them (`v`), else what
    changed since (`refresh_context`) and the new poller, for out-of-band swaps.

    Every open screen asks every few seconds, so the unchanged answer costs one query:
    the session comes from the cache (cached_db sessions) and one statement checks that
    the article is still at version `v` and that the session's user may read articles,
    and fetches that user's password hash, so that the session's auth hash is checked as
    `auth.get_user` checks it (a password change elsewhere ends the session). Only
    "nothing changed" for a session hashed with the current SECRET_KEY is answered that
    way; anything else takes the full path: authentication (which also accepts and renews
    a hash made with one of SECRET_KEY_FALLBACKS), the policy, rendering.
    """
    seen = parse_optional_id(request.GET.get("v"), name="The poll's version v")
    user_id = request.session.get(SESSION_KEY)
    if user_id is not None and seen is not None:
        unchanged = Article.objects.filter(pk=article_id, annotations_version=seen)
        readers = policy.readers_of_articles().filter(pk=user_id).filter(Exists(unchanged))
        password = readers.values_list("password", flat=True).first()
        if password is not None and _session_hash_is_current(request.session, password):
            return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    policy.check(request.user, Action.VIEW_ARTICLES)
    article = get_object_or_404(with_blind_setting(Article.objects), pk=article_id)
    if seen == article.annotations_version:
        return HttpResponse(status=204)
    response = render_fragment(request, "refresh", refresh_context(request, article, seen))
    response["X-Annotations-Version"] = str(article.annotations_version)
    return response


def _session_hash_is_current(session, password: str) -> bool:
    """Whether the session's auth hash is the one `auth.login` made from this password
    hash with the current SECRET_KEY (the user's own method, on an unsaved instance)."""
    if session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    session_hash = session.get(HASH_SESSION_KEY)
    expected = get_user_model()(password=password).get_session_auth_hash()
    return bool(session_hash) and constant_time_compare(session_hash, expected)
