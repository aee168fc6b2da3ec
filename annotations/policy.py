"""Who may do what: the single answer to "may this user do this to this object?".

Roles are Django groups carrying Django permissions (see ROLE_PERMISSIONS); the rules
below combine a permission with ownership and state. Views, the admin and the workflow
functions all ask here, so a rule changes in one place. `check` raises PermissionDenied
with a message a person can act on; `allows` is the yes/no form for templates.
"""

from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from .models import Annotation, DoubleReviewRound, RoundStatus, State, open_round_of


class Role(StrEnum):
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"
    EDITOR = "editor"
    RESEARCHER = "researcher"


class Action(StrEnum):
    VIEW_ARTICLES = "view_articles"
    IMPORT_ARTICLES = "import_articles"
    CREATE_ANNOTATION = "create_annotation"
    # Run the assistant's engines on an article (and decide its proposals): who annotates.
    PROPOSE = "propose"
    EDIT_ANNOTATION = "edit_annotation"
    WITHDRAW_ANNOTATION = "withdraw_annotation"
    SUBMIT_ANNOTATION = "submit_annotation"
    VIEW_QUEUE = "view_queue"
    VIEW_REVIEW_ITEM = "view_review_item"
    ADD_SOURCE = "add_source"
    TAKE = "take"
    RELEASE = "release"
    EDIT_EVIDENCE = "edit_evidence"
    VERIFY = "verify"
    REJECT = "reject"
    SEND_BACK = "send_back"
    REOPEN = "reopen"
    EXPORT = "export"
    EXPORT_ALL = "export_all"
    ASSIGN_ARTICLES = "assign_articles"
    VIEW_COMMENTS = "view_comments"
    COMMENT = "comment"
    # Team work: agreement pages and reports, blind double annotation, adjudication, and
    # the export of every annotator's submitted spans.
    VIEW_AGREEMENT = "view_agreement"
    SET_BLIND = "set_blind"
    ADJUDICATE = "adjudicate"
    EXPORT_ANNOTATORS = "export_annotators"
    LINK_CLAIMS = "link_claims"
    # Double review: mark articles for two independent decisions per item, and settle an
    # item whose two reviewers disagree.
    SET_DOUBLE_REVIEW = "set_double_review"
    SETTLE = "settle"


# app_label.codename of each role's permissions; `sync_roles` writes them to the groups.
ROLE_PERMISSIONS = {
    Role.ANNOTATOR: ["annotations.view_article", "annotations.add_annotation"],
    Role.REVIEWER: [
        "annotations.view_article",
        "annotations.view_agreement",
        "annotations.review_annotation",
        "annotations.add_source",
        "annotations.add_evidence",
    ],
    Role.EDITOR: [
        "annotations.view_article",
        "annotations.add_annotation",
        "annotations.review_annotation",
        "annotations.reopen_annotation",
        "annotations.import_articles",
        "annotations.export_verified",
        "annotations.add_source",
        "annotations.add_evidence",
        "annotations.change_source",
        "annotations.view_annotation",
        "annotations.change_annotation",
        "annotations.view_importbatch",
        "annotations.view_source",
        "annotations.view_evidence",
        "annotations.view_review",
        "annotations.view_historyentry",
        "annotations.view_apitoken",
        "annotations.change_apitoken",
        # Everyone's background jobs (imports, export files): their status, reports, files.
        "annotations.view_job",
        "annotations.view_suggestion",
        "annotations.change_article",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        # Webhooks (admin): register endpoints, read the deliveries log, retry them.
        "annotations.view_webhookendpoint",
        "annotations.add_webhookendpoint",
        "annotations.change_webhookendpoint",
        "annotations.delete_webhookendpoint",
        "annotations.view_webhookdelivery",
        "annotations.change_webhookdelivery",
        # Teams: assign articles to annotators and reviewers, with a due date.
        "annotations.assign_articles",
        "annotations.view_assignment",
        # Team work: agreement, blind double annotation, adjudication.
        "annotations.view_agreement",
        "annotations.add_blindsetting",
        "annotations.change_blindsetting",
        "annotations.delete_blindsetting",
        "annotations.view_blindsetting",
        "annotations.adjudicate_article",
        # Double review: which articles need two independent decisions per item.
        "annotations.add_doublereview",
        "annotations.delete_doublereview",
        "annotations.view_doublereview",
    ],
    # Researchers read what they export (articles, annotations: the IRIs in an export point
    # at them), read-only: no annotating, no reviewing.
    Role.RESEARCHER: [
        "annotations.export_verified",
        "annotations.view_article",
        "annotations.view_agreement",
    ],
}

REVIEW_PERMISSION = "annotations.review_annotation"
REOPEN_PERMISSION = "annotations.reopen_annotation"

# What a reviewer does to an item; all of them obey the four-eyes rule.
REVIEW_ACTIONS = frozenset(
    {
        Action.TAKE,
        Action.RELEASE,
        Action.EDIT_EVIDENCE,
        Action.VERIFY,
        Action.REJECT,
        Action.SEND_BACK,
    }
)

# Actions that need only a permission, whatever the object.
PERMISSION_FOR = {
    Action.VIEW_ARTICLES: "annotations.view_article",
    Action.IMPORT_ARTICLES: "annotations.import_articles",
    Action.CREATE_ANNOTATION: "annotations.add_annotation",
    Action.PROPOSE: "annotations.add_annotation",
    Action.VIEW_QUEUE: REVIEW_PERMISSION,
    Action.ADD_SOURCE: "annotations.add_source",
    Action.EXPORT: "annotations.export_verified",
    # Every live annotation, drafts included (moving a project to another tool): those who
    # see every annotation in every state in the admin, the editors.
    Action.EXPORT_ALL: "annotations.view_annotation",
    Action.ASSIGN_ARTICLES: "annotations.assign_articles",
    Action.VIEW_AGREEMENT: "annotations.view_agreement",
    Action.SET_BLIND: "annotations.add_blindsetting",
    Action.ADJUDICATE: "annotations.adjudicate_article",
    Action.SET_DOUBLE_REVIEW: "annotations.add_doublereview",
    # Every annotator's submitted spans, pseudonymous: for those who publish data sets.
    Action.EXPORT_ANNOTATORS: "annotations.export_verified",
    # Linking appearances of one claim into a group (matching.claim_group_link).
    Action.LINK_CLAIMS: REVIEW_PERMISSION,
}


def sync_roles() -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)


def _state_name(annotation: Annotation) -> str:
    return annotation.get_state_display().lower()


def _annotation_reason(user, action: Action, annotation: Annotation) -> str | None:
    """Why `user` may not do `action` to `annotation`, or None when they may."""
    is_author = annotation.author_id == user.pk
    is_reviewer = user.has_perm(REVIEW_PERMISSION)
    is_editor = user.has_perm(REOPEN_PERMISSION)

    if action == Action.VIEW_REVIEW_ITEM:
        # Reviewers see every item; an author sees their own (to read the outcome).
        if is_reviewer or is_author:
            return None
        return "Only reviewers and the author may open this review item."

    if action in (Action.EDIT_ANNOTATION, Action.WITHDRAW_ANNOTATION, Action.SUBMIT_ANNOTATION):
        if not is_author:
            return "Only the author may change this annotation."
        if not user.has_perm(PERMISSION_FOR[Action.CREATE_ANNOTATION]):
            return "Your role does not allow annotating."
        if annotation.state != State.DRAFT:
            return f"This annotation is {_state_name(annotation)}, not a draft."
        return None

    if action in REVIEW_ACTIONS:
        if not is_reviewer:
            return "Only reviewers may review annotations."
        # Checked before anything else: the four-eyes rule holds for editors too.
        if is_author:
            return "You cannot review your own annotation (four-eyes rule)."
        if action == Action.TAKE:
            if annotation.state != State.SUBMITTED:
                return f"This annotation is {_state_name(annotation)}, not waiting for review."
            return _double_review_take_reason(user, annotation)
        if annotation.state != State.IN_REVIEW:
            if action == Action.RELEASE:
                return "Only an item in review can be released."
            return f"This annotation is {_state_name(annotation)}: take it for review first."
        if action == Action.RELEASE and is_editor:
            return None  # editors may put back an item a reviewer left behind
        if annotation.reviewer_id != user.pk:
            return "Another reviewer holds this annotation."
        return None

    if action in (Action.VIEW_COMMENTS, Action.COMMENT):
        # The team's thread: whoever works on annotations (annotators, reviewers, editors)
        # and may read the article it is in. Researchers read exports, not discussions.
        if not user.has_perm(PERMISSION_FOR[Action.VIEW_ARTICLES]):
            return "Your role does not allow reading articles."
        if not (is_reviewer or user.has_perm(PERMISSION_FOR[Action.CREATE_ANNOTATION])):
            return "Only annotators, reviewers and editors take part in comments."
        if action == Action.COMMENT and annotation.state == State.WITHDRAWN:
            return "This annotation was withdrawn: its comments are closed."
        return None

    if action == Action.SETTLE:
        if not is_editor:
            return "Only editors settle a disputed item."
        if is_author:
            return "You cannot settle your own annotation (four-eyes rule)."
        review_round = open_round_of(annotation) if annotation.state == State.SUBMITTED else None
        if review_round is None or review_round.status != RoundStatus.DISPUTED:
            return "Only an item whose two reviewers disagree can be settled."
        if user.pk in (review_round.first.reviewer_id, review_round.second.reviewer_id):
            return "You gave one of the two reviews: another editor settles this item."
        return None

    if action == Action.REOPEN:
        if not is_editor:
            return "Only editors may reopen a decided annotation."
        if is_author:
            return "You cannot reopen your own annotation (four-eyes rule)."
        if annotation.state not in (State.VERIFIED, State.REJECTED):
            return "Only a verified or rejected annotation can be reopened."
        return None

    raise ValueError(f"{action} is not an action on an annotation")


def _double_review_take_reason(user, annotation: Annotation) -> str | None:
    """Double review: the first reviewer does not take the item again, and nobody takes a
    disputed one (an editor settles it). No query unless the item is waiting."""
    review_round = open_round_of(annotation)
    if review_round is None:
        return None
    if review_round.status == RoundStatus.DISPUTED:
        return "Its two reviewers disagree: an editor settles this item."
    if review_round.first.reviewer_id == user.pk:
        return "You gave this item's first review: a second reviewer decides it (double review)."
    return None


def reason_denied(user, action: Action, obj=None) -> str | None:
    """The message explaining a refusal, or None when the action is allowed."""
    if not user.is_authenticated or not user.is_active:
        return "Please log in."
    if action in PERMISSION_FOR:
        if not user.has_perm(PERMISSION_FOR[action]):
            return "Your role does not allow this."
        return None
    if obj is None:
        raise ValueError(f"{action} needs an object")
    return _annotation_reason(user, action, obj)


def takeable_by(user, annotations):
    """The part of `annotations` that `user` may take for review, as a QuerySet: the TAKE
    rule for a whole queue at once. Nothing for someone who may not review; never their
    own annotations (four-eyes rule, editors included); under double review, never an item
    they gave the first review of, nor a disputed one. The state is the caller's filter
    (`Annotation.objects.waiting()`). No extra query: the double-review rule is a subquery.
    """
    if not user.has_perm(REVIEW_PERMISSION):
        return annotations.none()
    barred = DoubleReviewRound.objects.open().filter(
        Q(status=RoundStatus.DISPUTED) | Q(first__reviewer=user), annotation=OuterRef("pk")
    )
    return annotations.exclude(author=user).exclude(Exists(barred))


# The roles an editor gives and takes away in the admin. Editor (staff) and superuser
# powers, and permissions outside the roles, are a superuser's to grant.
ROLES_EDITORS_MANAGE = (Role.ANNOTATOR, Role.REVIEWER, Role.RESEARCHER)
MANAGE_ACCOUNTS_PERMISSION = "auth.change_user"


def account_change_denied(manager, account) -> str | None:
    """Why `manager` may not change `account` (its details, password, roles), or None.

    Superusers manage every account. Whoever else may change users (editors) manages only
    the accounts of the roles they may give: never a staff or superuser account (another
    editor's password would be theirs to take), and never their own (no granting oneself a
    role; one's own password changes through the admin's "Change password", which asks
    for the old one).
    """
    if not manager.is_authenticated or not manager.is_active:
        return "Please log in."
    if manager.is_superuser:
        return None
    if not manager.has_perm(MANAGE_ACCOUNTS_PERMISSION):
        return "Your role does not allow managing accounts."
    if account.pk == manager.pk:
        return "You cannot change your own account here: ask a superuser."
    if account.is_superuser or account.is_staff:
        return "Only superusers manage staff accounts."
    managed = {role.value for role in ROLES_EDITORS_MANAGE}
    if any(group.name not in managed for group in account.groups.all()):
        roles = ", ".join(sorted(managed))
        return f"Only superusers manage accounts with roles other than {roles}."
    return None


def assignable_roles(manager):
    """The role groups `manager` may give in the admin: all groups for a superuser."""
    if manager.is_superuser:
        return Group.objects.all()
    return Group.objects.filter(name__in=[role.value for role in ROLES_EDITORS_MANAGE])


def landing_page(user) -> str:
    """The URL name where `user` starts after logging in: their main work. Someone who
    exports but neither annotates nor reviews (a researcher) starts on the export page."""
    if allows(user, Action.EXPORT) and not (
        allows(user, Action.CREATE_ANNOTATION) or allows(user, Action.VIEW_QUEUE)
    ):
        return "export_page"
    return "article_list"


def readers_of_articles():
    """The users who may read articles, as a QuerySet: the same rule as VIEW_ARTICLES,
    for checks that must run inside another query (the live-update poll)."""
    return get_user_model().objects.with_perm(PERMISSION_FOR[Action.VIEW_ARTICLES])


def allows(user, action: Action, obj=None) -> bool:
    return reason_denied(user, action, obj) is None


def check(user, action: Action, obj=None) -> None:
    """Raise PermissionDenied with the reason when `user` may not do `action`."""
    reason = reason_denied(user, action, obj)
    if reason is not None:
        raise PermissionDenied(reason)


def user_roles(user) -> list[str]:
    return sorted(group.name for group in user.groups.all())
