"""The annotate screen's actions: open a span, create, edit, change kind, nudge, withdraw,
submit one or all, and the live-update poll.

The screen itself is the article page (`articles.article_detail`), built by
`screen_context`. Every action loads through a permission helper, binds a form, calls one
function of `workflow.py` and picks a response: for htmx the fragments of
"annotations/article_detail.html" that changed, otherwise a redirect back to the page (or
the whole page again with the refusal and its status: 403, 409 or 422).
"""

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Exists, Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import policy, workflow
from ..forms.annotate import (
    AttributionForm,
    CreateForm,
    KindForm,
    NudgeForm,
    VersionForm,
    attributes_form,
)
from ..highlight import attribute_summary, body_html, rows_html, screen_spans
from ..models import Annotation, Article, Kind, Review, State
from ..policy import Action
from ..text import nudge_span
from .articles import get_article_for

TEMPLATE = "annotations/article_detail.html"
HISTORY_SHOWN = 8
CONFLICT_MESSAGE = (
    "Someone changed this annotation at the same moment. Nothing was saved: try again."
)


def _get_annotation_for(user, annotation_id: int) -> Annotation:
    """The one way these views load an annotation: 404 if missing, 403 unless readable.

    Whether the user may *change* it is the workflow's question (author, draft, version).
    """
    policy.check(user, Action.VIEW_ARTICLES)
    return get_object_or_404(
        Annotation.objects.select_related("article", "author"), pk=annotation_id
    )


def _screen_url(annotation: Annotation) -> str:
    url = reverse("article_detail", args=[annotation.article_id])
    return f"{url}?a={annotation.pk}#panel"


def updates_context(request, article: Article) -> dict:
    """The parts every client re-renders after a change: body, list, poller. One query
    whatever the number of annotations (the article is passed in)."""
    spans = screen_spans(article)
    return {
        "article": article,
        "annotation_count": len(spans),
        "body_html": body_html(article.body, spans),
        "rows_html": rows_html(spans, request.user.pk),
        "my_draft_count": sum(
            1 for span in spans if span.author_id == request.user.pk and span.state == State.DRAFT
        ),
    }


def _attribution_text(annotation: Annotation) -> str:
    if annotation.attribution_start is None or annotation.attribution_end is None:
        return ""
    return annotation.article.body[annotation.attribution_start : annotation.attribution_end]


def panel_context(user, annotation: Annotation | None, *, form=None, error="", notice="",
                  focus=False) -> dict:  # fmt: skip
    """The side panel: one annotation with its forms when the user may change it."""
    context = {"open": annotation, "error": error, "notice": notice}
    if annotation is None:
        return context
    # The latest review (outcome, verdict, reason) shows in the panel: one query.
    prefetch_related_objects(
        [annotation], Prefetch("reviews", Review.objects.select_related("reviewer"))
    )
    can_edit = policy.allows(user, Action.EDIT_ANNOTATION, annotation)
    if can_edit and form is None:
        form = attributes_form(annotation)
    if can_edit and focus:
        # Opening a span puts the cursor in its first field: the keyboard loop continues there.
        first = next(iter(form.visible_fields()), None)
        if first is not None:
            first.field.widget.attrs["autofocus"] = True
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
        "history": annotation.history.select_related("actor").order_by("-at", "-id")[
            :HISTORY_SHOWN
        ],
    }


def screen_context(request, article: Article, *, open_id=None, create_form=None, **panel) -> dict:
    """Everything the annotate page shows, with `open_id` (or `annotation=`) in the panel."""
    annotation = panel.pop("annotation", None)
    if annotation is None and str(open_id or "").isdigit():
        annotation = (
            Annotation.objects.select_related("author").filter(article=article, pk=open_id).first()
        )
        if annotation is not None:
            annotation.article = article  # the body is already here
    return (
        updates_context(request, article)
        | panel_context(request.user, annotation, **panel)
        | {
            "can_create": policy.allows(request.user, Action.CREATE_ANNOTATION),
            "create_form": create_form or CreateForm(article=article),
        }
    )


def _changed(request, annotation: Annotation, notice: str, *, status=200, error=""):
    """After a change (or a 409 showing what changed): htmx gets the panel and the updated
    body and list; a plain form post is redirected back to the page."""
    article = Article.objects.get(pk=annotation.article_id)  # its annotations_version moved
    if request.htmx:
        context = updates_context(request, article) | panel_context(
            request.user, annotation, notice=notice, error=error
        )
        return render(request, f"{TEMPLATE}#changed", context, status=status)
    if error:
        context = screen_context(request, article, annotation=annotation, error=error)
        return render(request, TEMPLATE, context, status=status)
    messages.success(request, notice)
    return redirect(_screen_url(annotation))


def _refused(request, annotation: Annotation, *, status: int, form=None, error=""):
    """A refused change: the panel says why, next to the field when a field is at fault."""
    if request.htmx:
        context = panel_context(request.user, annotation, form=form, error=error)
        return render(request, f"{TEMPLATE}#panel", context, status=status)
    context = screen_context(request, annotation.article, annotation=annotation, form=form,
                             error=error)  # fmt: skip
    return render(request, TEMPLATE, context, status=status)


def _apply(request, annotation: Annotation, change, *, notice: str, form=None):
    """Run one workflow call and answer: 409 stale, 403 not allowed, 422 refused by a rule."""
    try:
        changed = change()
    except workflow.StaleVersion as stale:
        return _changed(request, stale.annotation, "", status=409, error=str(stale))
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
    return render(request, f"{TEMPLATE}#panel", context)


@require_POST
def create(request, article_id: int):
    article = get_article_for(request.user, article_id)
    form = CreateForm(request.POST, article=article)
    if form.is_valid():
        try:
            annotation = workflow.annotation_create(
                article=article,
                author=request.user,
                kind=form.cleaned_data["kind"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                exact=form.cleaned_data["exact"],
            )
        except workflow.WorkflowError as error:
            form.add_error("exact", error)
        else:
            return _created(request, annotation)
    if request.htmx:
        context = {"article": article, "can_create": True, "create_form": form}
        return render(request, f"{TEMPLATE}#create_box", context, status=422)
    return render(request, TEMPLATE, screen_context(request, article, create_form=form), status=422)


def _created(request, annotation: Annotation):
    notice = f"{annotation.get_kind_display()} created as a draft."
    if not request.htmx:
        messages.success(request, notice)
        return redirect(_screen_url(annotation))
    article = Article.objects.get(pk=annotation.article_id)
    annotation.article = article
    context = (
        updates_context(request, article)
        | panel_context(request.user, annotation, notice=notice, focus=True)
        | {"can_create": True, "create_form": CreateForm(article=article)}
    )
    return render(request, f"{TEMPLATE}#created", context)


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
    return _transition(
        request, annotation_id, workflow.annotation_submit, notice="Submitted for review."
    )


@require_POST
def submit_all(request, article_id: int):
    article = get_article_for(request.user, article_id)
    submitted = workflow.annotations_submit_all(article=article, user=request.user)
    notice = f"Submitted {len(submitted)} draft{'s' if len(submitted) != 1 else ''} for review."
    if not request.htmx:
        messages.success(request, notice)
        return redirect("article_detail", article_id=article.pk)
    article.refresh_from_db(fields=["annotations_version"])
    context = updates_context(request, article) | panel_context(request.user, None, notice=notice)
    return render(request, f"{TEMPLATE}#changed", context)


@never_cache
@login_not_required
@require_GET
def poll(request, article_id: int):
    """204 when the article's annotations are as the client last saw them, else the
    re-rendered body, list and poller for out-of-band swaps.

    Every open screen asks every few seconds, so the unchanged answer costs one query:
    the session comes from the cache (cached_db sessions) and one statement checks both
    that the article is still at version `v` and that the session's user may read
    articles. Only "nothing changed" is ever answered that way; anything else takes the
    full path: authentication (with its session hash check), the policy, rendering.
    """
    seen = request.GET.get("v", "")
    user_id = request.session.get(SESSION_KEY)
    if user_id is not None and seen.isdigit():
        may_read = Exists(policy.readers_of_articles().filter(pk=user_id))
        unchanged = Article.objects.filter(pk=article_id, annotations_version=int(seen))
        if unchanged.filter(may_read).exists():
            return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    policy.check(request.user, Action.VIEW_ARTICLES)
    version = (
        Article.objects.filter(pk=article_id).values_list("annotations_version", flat=True).first()
    )
    if version is None:
        raise Http404("No such article.")
    if request.GET.get("v") == str(version):
        return HttpResponse(status=204)
    article = get_object_or_404(Article, pk=article_id)
    response = render(request, f"{TEMPLATE}#updates", updates_context(request, article))
    response["X-Annotations-Version"] = str(article.annotations_version)
    return response
