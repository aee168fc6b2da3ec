"""Seen before and claim groups: other appearances of a claim, and the groups that link them.

The annotate screen loads the "seen before" list with htmx (`seen_before`); the review item
renders the same list itself. Linking and unlinking are plain forms (they work without
JavaScript) that answer with the group's page.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import matching, policy, visibility
from ..inputs import parse_id
from ..matching import (
    ClaimGroupError,
    claim_group_appearances,
    claim_group_link,
    claim_group_unlink,
)
from ..models import Annotation, ClaimGroup, Verdict
from ..policy import Action

SEEN_BEFORE_TEMPLATE = "annotations/includes/seen_before.html"


def _get_annotation_for(user, annotation_id: int) -> Annotation:
    """404 if missing, 403 unless the role may read annotations (everyone's, by design)."""
    policy.check(user, Action.VIEW_ARTICLES)
    annotation = get_object_or_404(Annotation.objects.select_related("article"), pk=annotation_id)
    if not visibility.may_see(user, annotation):  # hidden by blind annotation: as if absent
        raise Http404("No annotation matches the given query.")
    return annotation


@require_GET
def seen_before(request, annotation_id: int):
    annotation = _get_annotation_for(request.user, annotation_id)
    context = matching.seen_before(request.user, annotation)
    return render(request, SEEN_BEFORE_TEMPLATE, context)


@require_POST
def claim_group_link_view(request, annotation_id: int):
    annotation = _get_annotation_for(request.user, annotation_id)
    other_id = parse_id(request.POST.get("other"), name="other (the annotation to link)")
    try:
        group = claim_group_link(annotation_id=annotation.pk, other_id=other_id, user=request.user)
    except ClaimGroupError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("review_item", annotation.pk)
    messages.success(request, "Linked: both are now appearances of one claim.")
    return redirect("claim_group", group.pk)


@require_POST
def claim_group_unlink_view(request, annotation_id: int):
    annotation = _get_annotation_for(request.user, annotation_id)
    member = getattr(annotation, "claim_group_member", None)
    try:
        group = claim_group_unlink(annotation_id=annotation.pk, user=request.user)
    except ClaimGroupError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("review_item", annotation.pk)
    if group is None:
        messages.success(
            request, f"Claim group {member.group_id} had one appearance left: it is gone."
        )
        return redirect("review_item", annotation.pk)
    messages.success(request, "Taken out of the claim group.")
    return redirect("claim_group", group.pk)


@require_GET
def claim_group_detail(request, group_id: int):
    policy.check(request.user, Action.VIEW_ARTICLES)
    group = get_object_or_404(ClaimGroup, pk=group_id)
    appearances = list(claim_group_appearances(group.pk))
    for appearance in appearances:
        appearance.verdict_label = Verdict(appearance.verdict).label if appearance.verdict else ""
    context = {
        "group": group,
        "appearances": appearances,
        "can_link": policy.allows(request.user, Action.LINK_CLAIMS),
        "can_review": policy.allows(request.user, Action.VIEW_QUEUE),
    }
    return render(request, "annotations/claim_group.html", context)
