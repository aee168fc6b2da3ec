"""The policy as a matrix: role × action × ownership × state, against a table written here.

The expectations below restate DESIGN.md's rules in the simplest form, independently of
`policy.py`, so a change to a rule shows up as a failing cell rather than passing silently.
"""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from annotations import policy
from annotations.models import Annotation, State
from annotations.policy import Action, Role

from .factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = [Role.ANNOTATOR, Role.REVIEWER, Role.EDITOR, Role.RESEARCHER, None]
# The user's relation to the annotation: its author, the reviewer holding it, or neither.
OWNERSHIPS = ["author", "holder", "other"]

PERMISSION_ACTIONS = {
    # Researchers read what they export (read-only: they create and review nothing).
    Action.VIEW_ARTICLES: {Role.ANNOTATOR, Role.REVIEWER, Role.EDITOR, Role.RESEARCHER},
    Action.IMPORT_ARTICLES: {Role.EDITOR},
    Action.CREATE_ANNOTATION: {Role.ANNOTATOR, Role.EDITOR},
    # Running the assistant's engines on demand: the same rule as annotating.
    Action.PROPOSE: {Role.ANNOTATOR, Role.EDITOR},
    Action.VIEW_QUEUE: {Role.REVIEWER, Role.EDITOR},
    Action.ADD_SOURCE: {Role.REVIEWER, Role.EDITOR},
    Action.EXPORT: {Role.EDITOR, Role.RESEARCHER},
    # Every live annotation, not only verified ones: editors only.
    Action.EXPORT_ALL: {Role.EDITOR},
    # Teams: only editors assign articles to people.
    Action.ASSIGN_ARTICLES: {Role.EDITOR},
    # Team work (issue 12): agreement for those who review or publish the work.
    Action.VIEW_AGREEMENT: {Role.REVIEWER, Role.EDITOR, Role.RESEARCHER},
    Action.SET_BLIND: {Role.EDITOR},
    Action.ADJUDICATE: {Role.EDITOR},
    Action.EXPORT_ANNOTATORS: {Role.EDITOR, Role.RESEARCHER},
    # Appearances of one claim linked into a group: those who review.
    Action.LINK_CLAIMS: {Role.REVIEWER, Role.EDITOR},
    # Double review: editors say which articles need two decisions per item.
    Action.SET_DOUBLE_REVIEW: {Role.EDITOR},
}

AUTHORS = {Role.ANNOTATOR, Role.EDITOR}
REVIEWERS = {Role.REVIEWER, Role.EDITOR}
DECIDED = {State.VERIFIED, State.REJECTED}


def expected(action: Action, role, ownership: str, state: State) -> bool:
    """DESIGN.md's rules for one cell of the matrix."""
    author, holder = ownership == "author", ownership == "holder"
    if action == Action.VIEW_REVIEW_ITEM:
        return role in REVIEWERS or author
    if action in (Action.EDIT_ANNOTATION, Action.WITHDRAW_ANNOTATION, Action.SUBMIT_ANNOTATION):
        return role in AUTHORS and author and state == State.DRAFT
    if action == Action.TAKE:
        return role in REVIEWERS and not author and state == State.SUBMITTED
    if action == Action.RELEASE:
        # The holder, or an editor putting back an item someone left behind.
        return (
            role in REVIEWERS
            and not author
            and state == State.IN_REVIEW
            and (holder or role == Role.EDITOR)
        )
    if action in (Action.EDIT_EVIDENCE, Action.VERIFY, Action.REJECT, Action.SEND_BACK):
        return role in REVIEWERS and not author and holder and state == State.IN_REVIEW
    if action == Action.REOPEN:
        return role == Role.EDITOR and not author and state in DECIDED
    if action == Action.VIEW_COMMENTS:
        return role in AUTHORS | REVIEWERS
    if action == Action.SETTLE:
        # Only an item whose two reviewers disagree (double review), which none of these
        # is: tests/test_double_review.py covers the rule on disputed items.
        return False
    if action == Action.COMMENT:
        return role in AUTHORS | REVIEWERS and state != State.WITHDRAWN
    raise AssertionError(f"no rule for {action}")


OBJECT_ACTIONS = [
    Action.VIEW_REVIEW_ITEM,
    Action.EDIT_ANNOTATION,
    Action.WITHDRAW_ANNOTATION,
    Action.SUBMIT_ANNOTATION,
    Action.TAKE,
    Action.RELEASE,
    Action.EDIT_EVIDENCE,
    Action.VERIFY,
    Action.REJECT,
    Action.SEND_BACK,
    Action.REOPEN,
    Action.VIEW_COMMENTS,
    Action.COMMENT,
    Action.SETTLE,
]


# Other people only need an identity: unsaved users with ids nobody else has.
SOMEONE = get_user_model()(pk=10**9, username="someone")
ANOTHER_REVIEWER = get_user_model()(pk=10**9 + 1, username="another-reviewer")


def _annotation_for(user, ownership: str, state: State) -> Annotation:
    """An unsaved annotation in `state` whose author/reviewer relate to `user` as asked."""
    reviewer = None
    if state in (State.IN_REVIEW, *DECIDED):
        reviewer = user if ownership == "holder" else ANOTHER_REVIEWER
    return Annotation(
        author=user if ownership == "author" else SOMEONE,
        reviewer=reviewer,
        state=state,
        start=0,
        end=1,
        exact="x",
    )


def test_every_action_is_in_the_matrix():
    assert set(PERMISSION_ACTIONS) | set(OBJECT_ACTIONS) == set(Action)


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "no-role")
@pytest.mark.parametrize("action", list(PERMISSION_ACTIONS))
def test_permission_actions_follow_the_role(action, role):
    user = UserFactory(role=role)
    assert policy.allows(user, action) is (role in PERMISSION_ACTIONS[action])


@pytest.mark.parametrize("ownership", OWNERSHIPS)
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "no-role")
@pytest.mark.parametrize("action", OBJECT_ACTIONS)
def test_annotation_actions_follow_role_ownership_and_state(action, role, ownership):
    # One user per cell row; the six states are checked on it (and every wrong cell listed).
    user = UserFactory(role=role)
    wrong = {}
    for state in State:
        annotation = _annotation_for(user, ownership, state)
        want = expected(action, role, ownership, state)
        got = policy.allows(user, action, annotation)
        if got is not want:
            wrong[state.value] = {"expected": want, "policy says": got}
        if not want:
            with pytest.raises(PermissionDenied):
                policy.check(user, action, annotation)
    assert wrong == {}


@pytest.mark.parametrize(
    "action", [Action.TAKE, Action.VERIFY, Action.REJECT, Action.SEND_BACK, Action.REOPEN]
)
def test_the_four_eyes_rule_binds_editors_and_says_so(action):
    editor = UserFactory(role=Role.EDITOR)
    state = {Action.TAKE: State.SUBMITTED, Action.REOPEN: State.VERIFIED}.get(
        action, State.IN_REVIEW
    )
    annotation = Annotation(author=editor, state=state, start=0, end=1, exact="x")
    assert "four-eyes" in policy.reason_denied(editor, action, annotation)


def test_anonymous_and_inactive_users_are_asked_to_log_in():
    inactive = UserFactory(role=Role.EDITOR, is_active=False)
    for user, action in itertools.product([AnonymousUser(), inactive], list(PERMISSION_ACTIONS)):
        assert policy.reason_denied(user, action) == "Please log in."


def test_an_annotation_action_without_an_object_is_a_programming_error():
    with pytest.raises(ValueError):
        policy.allows(UserFactory(role=Role.REVIEWER), Action.TAKE)


def test_another_reviewer_holding_the_item_is_named_as_the_reason():
    reviewer = UserFactory(role=Role.REVIEWER)
    annotation = _annotation_for(reviewer, "other", State.IN_REVIEW)
    assert policy.reason_denied(reviewer, Action.VERIFY, annotation) == (
        "Another reviewer holds this annotation."
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "no-role")
def test_takeable_by_is_the_take_rule_for_a_whole_queue(role):
    from .factories import workflow_submitted

    user = UserFactory(role=role)
    author = UserFactory(role=Role.ANNOTATOR)
    others = workflow_submitted(author)
    waiting = Annotation.objects.waiting()
    own = workflow_submitted(user) if role in AUTHORS else None

    takeable = set(policy.takeable_by(user, waiting))

    assert takeable == ({others} if role in REVIEWERS else set())
    assert own not in takeable
    for annotation in waiting:
        assert policy.allows(user, Action.TAKE, annotation) is (annotation in takeable)


@pytest.mark.parametrize(
    "role, landing",
    [
        (Role.ANNOTATOR, "article_list"),
        (Role.REVIEWER, "article_list"),
        (Role.EDITOR, "article_list"),
        (Role.RESEARCHER, "export_page"),
    ],
)
def test_each_role_lands_on_its_main_work(role, landing):
    assert policy.landing_page(UserFactory(role=role)) == landing


ACCOUNTS = ["annotator", "reviewer", "researcher", "editor", "superuser", "self"]


def _account(kind: str, manager):
    if kind == "self":
        return manager
    if kind == "superuser":
        return get_user_model().objects.create_superuser(f"root-{manager.pk}", "", "pw-12345678")
    return UserFactory(role=Role(kind))


@pytest.mark.parametrize("manager_role", [*ROLES, "superuser"], ids=lambda r: r or "no-role")
def test_who_may_change_which_account(manager_role):
    """Superusers: every account. Editors: annotators', reviewers' and researchers', never
    staff, superusers or their own. Everyone else: none."""
    if manager_role == "superuser":
        manager = get_user_model().objects.create_superuser("boss", "", "pw-12345678")
    else:
        manager = UserFactory(role=manager_role)
    wrong = {}
    for kind in ACCOUNTS:
        if manager_role == "superuser":
            want = True
        elif manager_role == Role.EDITOR:
            want = kind in {"annotator", "reviewer", "researcher"}
        else:
            want = False
        got = policy.account_change_denied(manager, _account(kind, manager)) is None
        if got is not want:
            wrong[kind] = {"expected": want, "policy says": got}
    assert wrong == {}
