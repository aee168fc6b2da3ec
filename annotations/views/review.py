"""The review screens: the queue, one item in review, its sources, evidence and verdict.

Every view loads through `get_item_for` (or checks the queue permission), binds a form,
calls one function of `workflow.py` or `sources.py`, and picks a response. A refusal is
shown on the item page: 409 for a stale form, 422 for a rule, 403 for a person who may
not; an htmx request gets only the panel it asked for (`review_item.html#<fragment>`).
"""

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from .. import matching, policy, workflow
from ..double_review import disputed_items
from ..forms.review import (
    Decision,
    DecisionForm,
    EvidenceForm,
    QueueFilterForm,
    SettleForm,
    SourceForm,
    VersionForm,
)
from ..inputs import parse_optional_id
from ..models import (
    Annotation,
    Evidence,
    HistoryEntry,
    Kind,
    Review,
    ReviewOutcome,
    RoundStatus,
    Source,
    State,
    Verdict,
    open_round_of,
)
from ..policy import Action
from ..sources import source_find_or_create, sources_search
from ..text import paragraph_around

ITEMS_PER_PAGE = 50
QUEUE_TEMPLATE = "annotations/review_queue.html"
ITEM_TEMPLATE = "annotations/review_item.html"
# htmx asks for a region by its id (HX-Target); these are the ones the item page serves.
ITEM_FRAGMENTS = {"history": "history", "source-results": "source_results"}
REFUSALS = (workflow.StaleVersion, workflow.WorkflowError, PermissionDenied)
HISTORY_CHANGED = "historyChanged"


def get_item_for(user, annotation_id: int) -> Annotation:
    """The one way review views load an item: 404 if missing, 403 unless the user may see it.

    Its reviews are those the user may read: under double review a sealed first decision
    shows only to the reviewer who gave it (`Review.objects.visible_to`)."""
    annotation = get_object_or_404(
        Annotation.objects.select_related(
            "article", "article__double_review", "author", "reviewer"
        ).prefetch_related(
            Prefetch("reviews", Review.objects.visible_to(user).select_related("reviewer"))
        ),
        pk=annotation_id,
    )
    policy.check(user, Action.VIEW_REVIEW_ITEM, annotation)
    return annotation


# ---- The queue ----


def _with_query(url: str, query: dict) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def _queue_url(filters: QueueFilterForm) -> str:
    return _with_query(reverse("review_queue"), filters.as_query())


def _item_url(annotation_id: int, filters: QueueFilterForm, **extra) -> str:
    """The item page, keeping the queue's filters (they ride in the query string through
    the item page and its forms, so "& take next" and the way back know them)."""
    return _with_query(reverse("review_item", args=[annotation_id]), filters.as_query() | extra)


def _take_next(request, filters: QueueFilterForm) -> Annotation | None:
    """Take the oldest waiting item this user may take that matches `filters` (atomic)."""
    takeable = policy.takeable_by(request.user, filters.filter(Annotation.objects.all()))
    return workflow.queue_take_next(reviewer=request.user, waiting=takeable)


@require_GET
def review_queue(request):
    policy.check(request.user, Action.VIEW_QUEUE)
    filters = QueueFilterForm(request.GET)
    matching = filters.filter(Annotation.objects.waiting())
    # Counts, list and "Take next" show what this user may take (never their own).
    waiting = policy.takeable_by(request.user, matching)
    rows = waiting.select_related("article", "author").defer("article__body")
    counts = waiting.aggregate(
        total=Count("id"), **{kind: Count("id", filter=Q(kind=kind)) for kind in Kind.values}
    )
    context = {
        "filters": filters,
        "filter_query": urlencode(filters.as_query()),
        "own_waiting_count": matching.filter(author=request.user).count(),
        "page": Paginator(rows, ITEMS_PER_PAGE).get_page(
            parse_optional_id(request.GET.get("page"), name="page")
        ),
        "counts": counts,
        "in_review_count": Annotation.objects.filter(state=State.IN_REVIEW).count(),
        "mine": Annotation.objects.filter(state=State.IN_REVIEW, reviewer=request.user)
        .select_related("article")
        .defer("article__body")
        .order_by("taken_at", "id"),
    }
    template = f"{QUEUE_TEMPLATE}#queue_results" if request.htmx else QUEUE_TEMPLATE
    return render(request, template, context)


@require_POST
def review_take_next(request):
    policy.check(request.user, Action.VIEW_QUEUE)
    filters = QueueFilterForm(request.POST)
    taken = _take_next(request, filters)
    if taken is None:
        messages.info(request, "Nothing is waiting for you here: the queue is empty.")
        return redirect(_queue_url(filters))
    messages.success(request, f"You are now reviewing {taken}.")
    return redirect(_item_url(taken.pk, filters))


# ---- One item ----


def _paragraph(annotation: Annotation) -> dict:
    """The span in its paragraph, cut in three so the template can mark the middle."""
    body = annotation.article.body
    start, end = paragraph_around(body, annotation.start, annotation.end)
    return {
        "before": body[start : annotation.start],
        "span": body[annotation.start : annotation.end],
        "after": body[annotation.end : end],
    }


def _attributes(annotation: Annotation) -> list[tuple[str, object]]:
    """(label, value) of the attributes of the annotation's kind, as the template lists them."""
    if annotation.kind == Kind.NUMBER:
        value = annotation.number_value
        return [
            ("Value", "" if value is None else f"{value.normalize():f}"),
            ("Unit or currency", annotation.number_unit),
            ("Scale as written", annotation.number_scale),
            ("Qualifier", annotation.number_qualifier),
            ("Counts", annotation.number_counts),
        ]
    if annotation.kind == Kind.QUOTATION:
        attribution = ""
        if annotation.attribution_start is not None:
            attribution = annotation.article.body[
                annotation.attribution_start : annotation.attribution_end
            ]
        return [
            ("Speaker", annotation.speaker),
            ("Speech", annotation.get_speech_type_display()),
            ("Attribution", attribution),
        ]
    worthy = {True: "yes", False: "no", None: ""}[annotation.check_worthy]
    return [("Claimant", annotation.claimant), ("Check-worthy", worthy)]


EVIDENCE_FIELDS = {"evidence", "source", "stance", "excerpt", "locator"}
LABELS = {"verdict": Verdict, "kind": Kind}


def _shown(name: str, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "evidence":
        return f"#{value}"
    if name in LABELS and value in LABELS[name].values:
        return LABELS[name](value).label
    return str(value)


def _describe(changes: dict) -> list[str]:
    """Lines saying what changed: `field: old → new` for pairs, `field: value` otherwise."""
    lines = []
    for name, change in changes.items():
        label = name.replace("_", " ")
        if not (isinstance(change, list) and len(change) == 2):
            lines.append(f"{label}: {_shown(name, change)}")
            continue
        old, new = change
        if old in (None, "") and new not in (None, ""):
            lines.append(f"{label}: {_shown(name, new)}")
        elif new in (None, "") and name in EVIDENCE_FIELDS:
            lines.append(f"{label}: {_shown(name, old)} (removed)")
        elif new in (None, ""):
            lines.append(f"{label}: {_shown(name, old)} → none")
        else:
            lines.append(f"{label}: {_shown(name, old)} → {_shown(name, new)}")
    return lines


def _history_rows(annotation: Annotation) -> list[dict]:
    entries = HistoryEntry.objects.filter(annotation=annotation).select_related("actor")
    return [{"entry": entry, "lines": _describe(entry.changes)} for entry in entries]


def _live_evidence(annotation: Annotation) -> list[Evidence]:
    return list(annotation.evidence.live().select_related("source", "added_by"))


def _source_choices(query: str, chosen: Source | None) -> list[Source]:
    results = list(sources_search(query)) if query else []
    if chosen is not None and chosen not in results:
        results.insert(0, chosen)
    return results


UNDECIDED = (State.SUBMITTED, State.IN_REVIEW)


def _double_review_context(user, annotation: Annotation) -> dict | None:
    """What the item page says about double review: None when it does not apply, else
    whether the article is marked, the round in progress and this user's part in it."""
    marked = hasattr(annotation.article, "double_review")  # loaded with the item
    # A waiting item's round is read anyway (the TAKE rule); one in review is looked up
    # only on a marked article: one query less on every other item page. (An item taken
    # after double review was switched off mid-round is still sealed; only this notice
    # is left out.)
    if annotation.state == State.SUBMITTED or (marked and annotation.state == State.IN_REVIEW):
        review_round = open_round_of(annotation)
    else:
        review_round = None
    if review_round is None and not (marked and annotation.state in UNDECIDED):
        return None
    disputed = review_round is not None and review_round.status == RoundStatus.DISPUTED
    return {
        "round": review_round,
        "disputed": disputed,
        # Both decisions show once both are given (never the first alone: it is sealed).
        "decisions": [review_round.first, review_round.second] if disputed else [],
        "gave_first": review_round is not None and review_round.first.reviewer_id == user.pk,
    }


def _render_item(request, annotation, *, fragment=None, status=200, error=None, **overrides):
    """The item page, or one fragment of it for htmx; `overrides` replace default forms."""
    user = request.user
    queue_filters = QueueFilterForm(request.GET).as_query()
    query = request.GET.get("source_q", "").strip()
    chosen = overrides.pop("chosen_source", None)
    source_id = parse_optional_id(request.GET.get("source"), name="source")
    if chosen is None and source_id is not None:
        chosen = Source.objects.filter(pk=source_id).first()
    context = {
        "annotation": annotation,
        "paragraph": _paragraph(annotation),
        "attributes": _attributes(annotation),
        # Callables: a template evaluates them only if the rendered part uses them.
        "history": partial(_history_rows, annotation),
        "evidence_items": partial(_live_evidence, annotation),
        "seen_before": partial(matching.seen_before, user, annotation),
        "can": {
            "take": policy.allows(user, Action.TAKE, annotation),
            "release": policy.allows(user, Action.RELEASE, annotation),
            "edit_evidence": policy.allows(user, Action.EDIT_EVIDENCE, annotation),
            "decide": policy.allows(user, Action.VERIFY, annotation),
            "settle": policy.allows(user, Action.SETTLE, annotation),
        },
        "double_review": _double_review_context(user, annotation),
        "is_author": annotation.author_id == user.pk,
        "version_form": VersionForm(initial={"version": annotation.version}),
        "decision_form": DecisionForm(initial={"version": annotation.version}),
        "settle_form": SettleForm(initial={"version": annotation.version}),
        "source_form": SourceForm(),
        "evidence_form": EvidenceForm(initial={"source": chosen.pk if chosen else None}),
        "source_query": query,
        "source_results": partial(_source_choices, query, chosen),
        "chosen_source": chosen,
        "error": error,
        "decisions": Decision,
        # The queue's filters, for every form and link of the page to carry along.
        "queue_filters": queue_filters,
        "keep_filters": f"?{urlencode(queue_filters)}" if queue_filters else "",
        **overrides,
    }
    template = f"{ITEM_TEMPLATE}#{fragment}" if fragment and request.htmx else ITEM_TEMPLATE
    return render(request, template, context, status=status)


def _form_errors(form) -> str:
    """Every message of an invalid form, as one line for the page's error banner, each
    naming its field (the banner is far from the fields)."""
    lines = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = (field.label or name.replace("_", " ").capitalize()) if field else ""
        lines += [f"{label}: {error}" if label else error for error in errors]
    return " ".join(lines)


def _refused(request, annotation, error, **kwargs):
    """Show why nothing was done: 409 stale form, 403 not this person, 422 a rule."""
    if isinstance(error, workflow.StaleVersion):
        status, message = 409, str(error)
        annotation = get_item_for(request.user, annotation.pk)  # show what is there now
    elif isinstance(error, PermissionDenied):
        status, message = 403, str(error) or "You may not do this."
    else:
        status, message = 422, " ".join(error.messages)
    return _render_item(request, annotation, status=status, error=message, **kwargs)


@require_GET
def review_item(request, annotation_id: int):
    annotation = get_item_for(request.user, annotation_id)
    fragment = ITEM_FRAGMENTS.get(request.htmx.target) if request.htmx else None
    return _render_item(request, annotation, fragment=fragment)


@require_POST
def review_take(request, annotation_id: int):
    annotation = get_item_for(request.user, annotation_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _render_item(request, annotation, status=422, error="Reload the page and retry.")
    try:
        workflow.annotation_take(
            annotation_id=annotation.pk, reviewer=request.user, version=form.cleaned_data["version"]
        )
    except REFUSALS as error:
        return _refused(request, annotation, error)
    messages.success(request, "You are now reviewing this item.")
    return redirect(_item_url(annotation.pk, QueueFilterForm(request.GET)))


@require_POST
def review_release(request, annotation_id: int):
    annotation = get_item_for(request.user, annotation_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _render_item(request, annotation, status=422, error="Reload the page and retry.")
    try:
        workflow.annotation_release(
            annotation_id=annotation.pk, user=request.user, version=form.cleaned_data["version"]
        )
    except REFUSALS as error:
        return _refused(request, annotation, error)
    messages.success(request, f"Released {annotation}: it is back in the queue.")
    return redirect(_queue_url(QueueFilterForm(request.GET)))


def _decide(decision: str, annotation: Annotation, user, data: dict) -> str:
    """Call the workflow function for the pressed button; return the success message."""
    common = {"annotation_id": annotation.pk, "reviewer": user, "version": data["version"]}
    if decision == Decision.VERIFY:
        workflow.annotation_verify(**common, verdict=data["verdict"], rationale=data["rationale"])
        return f"Verified {annotation} as “{Verdict(data['verdict']).label}”."
    if decision == Decision.REJECT:
        workflow.annotation_reject(**common, rationale=data["rationale"])
        return f"Rejected {annotation}."
    workflow.annotation_send_back(**common, comment=data["rationale"])
    return f"Sent {annotation} back to {annotation.author.get_username()} with your comment."


@require_POST
def review_decide(request, annotation_id: int):
    annotation = get_item_for(request.user, annotation_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_item(
            request, annotation, status=422, decision_form=form, error=_form_errors(form)
        )
    try:
        message = _decide(
            form.cleaned_data["decision"], annotation, request.user, form.cleaned_data
        )
    except REFUSALS as error:
        # Keep what the reviewer typed; the version is the current one, shown on the page.
        retry = DecisionForm(initial={**form.cleaned_data, "version": annotation.version})
        return _refused(request, annotation, error, decision_form=retry)
    messages.success(request, message)
    filters = QueueFilterForm(request.GET)
    if not form.cleaned_data["take_next"]:
        return redirect(_queue_url(filters))
    taken = _take_next(request, filters)
    if taken is None:
        messages.info(request, "Nothing more is waiting for you here.")
        return redirect(_queue_url(filters))
    messages.success(request, f"You are now reviewing {taken}.")
    return redirect(_item_url(taken.pk, filters))


# ---- Double review: the disputed items and an editor's settlement ----

SETTLED_AS = {
    Decision.VERIFY: ReviewOutcome.VERIFIED,
    Decision.REJECT: ReviewOutcome.REJECTED,
    Decision.SEND_BACK: ReviewOutcome.SENT_BACK,
}


@require_GET
def review_disputed(request):
    """Items whose two reviewers disagree (double review), for editors to settle."""
    policy.check(request.user, Action.SET_DOUBLE_REVIEW)
    items = (
        disputed_items()
        .select_related("article", "author")
        .defer("article__body")
        .prefetch_related(Prefetch("reviews", Review.objects.select_related("reviewer")))
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(
        parse_optional_id(request.GET.get("page"), name="page")
    )
    return render(request, "annotations/review_disputed.html", {"page": page})


@require_POST
def review_settle(request, annotation_id: int):
    """An editor's final decision on a disputed item: verify, reject or send back."""
    annotation = get_item_for(request.user, annotation_id)
    form = SettleForm(request.POST)
    if not form.is_valid():
        return _render_item(
            request, annotation, status=422, settle_form=form, error=_form_errors(form)
        )
    data = form.cleaned_data
    outcome = SETTLED_AS[data["decision"]]
    try:
        workflow.annotation_settle(
            annotation_id=annotation.pk,
            editor=request.user,
            version=data["version"],
            outcome=outcome,
            verdict=data["verdict"],
            rationale=data["rationale"],
        )
    except REFUSALS as error:
        retry = SettleForm(initial={**data, "version": annotation.version})
        return _refused(request, annotation, error, settle_form=retry)
    messages.success(request, f"Settled {annotation}: {ReviewOutcome(outcome).label.lower()}.")
    return redirect("review_disputed")


# ---- Sources and evidence (htmx swaps the evidence panel; plain posts redirect) ----


def _evidence_changed(request, annotation, *, chosen_source=None):
    if request.htmx:
        response = _render_item(
            request, annotation, fragment="evidence", chosen_source=chosen_source
        )
        return trigger_client_event(response, HISTORY_CHANGED)
    extra = {"source": chosen_source.pk} if chosen_source is not None else {}
    return redirect(_item_url(annotation.pk, QueueFilterForm(request.GET), **extra) + "#evidence")


@require_POST
def review_source_add(request, annotation_id: int):
    annotation = get_item_for(request.user, annotation_id)
    form = SourceForm(request.POST)
    source = None
    if form.is_valid():
        try:
            source, created = source_find_or_create(details=form.details(), user=request.user)
        except PermissionDenied as error:
            return _refused(request, annotation, error, fragment="evidence", source_form=form)
        except ValidationError as error:
            form.add_error(None, error)
    if source is None:
        return _render_item(request, annotation, fragment="evidence", status=422, source_form=form)
    if created:
        messages.success(request, f"Added the source “{source.title}”; it is selected below.")
    else:
        messages.info(request, f"That url is already a source: “{source.title}”. Selected below.")
    return _evidence_changed(request, annotation, chosen_source=source)


@require_POST
def review_evidence_add(request, annotation_id: int):
    annotation = get_item_for(request.user, annotation_id)
    form = EvidenceForm(request.POST)
    if not form.is_valid():
        return _render_item(
            request,
            annotation,
            fragment="evidence",
            status=422,
            evidence_form=form,
            chosen_source=form.cleaned_data.get("source"),
        )
    try:
        workflow.evidence_add(annotation_id=annotation.pk, user=request.user, **form.cleaned_data)
    except REFUSALS as error:
        return _refused(
            request,
            annotation,
            error,
            fragment="evidence",
            evidence_form=form,
            chosen_source=form.cleaned_data["source"],
        )
    messages.success(request, f"Evidence from “{form.cleaned_data['source'].title}” added.")
    return _evidence_changed(request, annotation)


@require_POST
def review_evidence_remove(request, annotation_id: int, evidence_id: int):
    annotation = get_item_for(request.user, annotation_id)
    evidence = get_object_or_404(Evidence.objects.live(), pk=evidence_id, annotation=annotation)
    try:
        workflow.evidence_remove(evidence_id=evidence.pk, user=request.user)
    except REFUSALS as error:
        return _refused(request, annotation, error, fragment="evidence")
    messages.success(request, "Evidence removed (the history keeps it).")
    return _evidence_changed(request, annotation)


@require_POST
def review_evidence_copy(request, annotation_id: int, match_id: int):
    """Copy a "seen before" match's sources and evidence into this review (never its
    verdict): new evidence rows that say where they came from."""
    annotation = get_item_for(request.user, annotation_id)
    source = get_object_or_404(Annotation, pk=match_id)
    try:
        copies = workflow.evidence_copy(
            annotation_id=annotation.pk, from_annotation_id=source.pk, user=request.user
        )
    except REFUSALS as error:
        return _refused(request, annotation, error)
    count = len(copies)
    messages.success(
        request,
        f"Copied {count} evidence item{'s' if count != 1 else ''} from the match in "
        f"“{source.article.title}”. The verdict is yours to give.",
    )
    return redirect(_item_url(annotation.pk, QueueFilterForm(request.GET)) + "#evidence")
