"""The Django admin: every list loads with bounded queries, and nothing in it bypasses a rule."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from annotations import workflow
from annotations.models import (
    Annotation,
    ApiToken,
    HistoryEntry,
    Review,
    ReviewOutcome,
    Source,
    Stance,
    State,
    Verdict,
)

from .factories import (
    AnnotationFactory,
    ApiTokenFactory,
    ArticleFactory,
    HistoryEntryFactory,
    ImportBatchFactory,
    SourceFactory,
    UserFactory,
    verified_annotation,
    workflow_submitted,
)

pytestmark = pytest.mark.django_db

PHRASE = "exports rose 30 percent"
MODELS = [
    "annotation",
    "article",
    "source",
    "evidence",
    "review",
    "historyentry",
    "importbatch",
    "apitoken",
]


def changelist(model: str) -> str:
    app = "auth" if model == "user" else "annotations"
    return reverse(f"admin:{app}_{model}_changelist")


def change(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def submitted(author):
    return workflow_submitted(author, phrase=PHRASE)


def in_review(author, reviewer):
    annotation = submitted(author)
    return workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)


def verified(author, reviewer):
    annotation = in_review(author, reviewer)
    workflow.evidence_add(
        annotation_id=annotation.pk, user=reviewer, source=SourceFactory(), stance=Stance.SUPPORTS
    )
    return workflow.annotation_verify(
        annotation_id=annotation.pk,
        reviewer=reviewer,
        version=annotation.version,
        verdict=Verdict.ACCURATE,
    )


def run_action(client, action: str, annotations, **data):
    return client.post(
        changelist("annotation"),
        {"action": action, "index": 0, ACTION_CHECKBOX_NAME: [a.pk for a in annotations], **data},
        follow=True,
    )


def apply_action(client, action: str, annotations, **data):
    """The second step of an action with a reason: the confirmation page posting back."""
    versions = {f"version_{a.pk}": a.version for a in annotations}
    return client.post(
        changelist("annotation"),
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [a.pk for a in annotations],
            "apply": "yes",
            **versions,
            **data,
        },
        follow=True,
    )


def fresh(annotation) -> Annotation:
    return Annotation.objects.get(pk=annotation.pk)


@pytest.fixture
def populated(annotator, reviewer):
    """A bit of everything, so each list has rows and foreign keys to show."""
    for _ in range(15):
        verified_annotation()
    for _ in range(5):
        in_review(annotator, reviewer)
    HistoryEntryFactory.create_batch(5)
    ApiTokenFactory.create_batch(5)
    ImportBatchFactory.create_batch(5)


# ---- lists, filters, search ----


@pytest.mark.parametrize("model", [*MODELS, "user"])
def test_every_changelist_loads_for_an_editor_with_bounded_queries(
    client_for, editor, populated, model, django_assert_max_num_queries
):
    client = client_for(editor)
    with django_assert_max_num_queries(12):
        response = client.get(changelist(model))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"state__exact": "verified"},
        {"kind__exact": "claim"},
        {"verdict": "accurate"},
        {"q": "exports"},
        {"o": "9"},  # by age
    ],
)
def test_annotation_filters_and_search_load_with_bounded_queries(
    client_for, editor, populated, query, django_assert_max_num_queries
):
    client = client_for(editor)
    with django_assert_max_num_queries(12):
        response = client.get(changelist("annotation"), query)
    assert response.status_code == 200


def test_verdict_filter_uses_the_latest_review(client_for, editor):
    accurate = verified_annotation(verdict=Verdict.ACCURATE)
    misleading = verified_annotation(verdict=Verdict.MISLEADING)
    response = client_for(editor).get(changelist("annotation"), {"verdict": "misleading"})
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [misleading.pk] and accurate.pk not in shown


def test_the_queue_shows_article_kind_excerpt_state_people_and_age(
    client_for, editor, annotator, reviewer
):
    annotation = in_review(annotator, reviewer)
    page = client_for(editor).get(changelist("annotation")).content.decode()
    for text in (annotation.article.title, "Claim", PHRASE, "In review", "anna", "rita"):
        assert text in page


def test_the_admin_is_named_and_its_index_opens_the_review_queue(client_for, editor):
    page = client_for(editor).get(reverse("admin:index")).content.decode()
    assert "Workbench administration" in page and "Django administration" not in page
    queue = f'href="{changelist("annotation")}?state__exact=submitted">Review queue</a>'
    assert queue in page


def test_the_admin_review_queue_lists_waiting_items_oldest_first(client_for, editor, annotator):
    first, second, third = (submitted(annotator) for _ in range(3))
    Annotation.objects.filter(pk=second.pk).update(submitted_at=first.submitted_at - timedelta(1))
    response = client_for(editor).get(changelist("annotation"), {"state__exact": "submitted"})
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [second.pk, first.pk, third.pk]


def test_reviewers_without_staff_status_cannot_open_the_admin(client_for, reviewer):
    response = client_for(reviewer).get(changelist("annotation"))
    assert response.status_code == 302 and "login" in response.url


# ---- read-only records ----


def test_annotation_page_is_read_only_with_evidence_reviews_and_history(client_for, editor):
    annotation = verified_annotation()
    page = client_for(editor).get(change(annotation)).content.decode()
    assert "Evidence" in page and "Reviews" in page and "History" in page
    assert 'name="_save"' not in page and 'name="state"' not in page
    assert reverse("review_item", args=[annotation.pk]) in page  # "view on site"
    assert "Number value" not in page  # only the attributes of its kind


def test_a_crafted_post_cannot_change_an_annotation(client_for, editor, annotator, reviewer):
    annotation = in_review(annotator, reviewer)
    response = client_for(editor).post(
        change(annotation),
        {
            "state": "verified",
            "version": 99,
            "start": 0,
            "end": 3,
            "exact": "The",
            "reviewer": editor.pk,
            "claimant": "x",
        },
    )
    assert response.status_code == 403
    after = fresh(annotation)
    assert (after.state, after.version, after.start, after.reviewer, after.claimant) == (
        State.IN_REVIEW,
        annotation.version,
        annotation.start,
        reviewer,
        "",
    )


def test_annotations_cannot_be_added_or_deleted_in_the_admin(client_for, editor):
    annotation = verified_annotation()
    client = client_for(editor)
    assert client.get(reverse("admin:annotations_annotation_add")).status_code == 403
    delete = reverse("admin:annotations_annotation_delete", args=[annotation.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Annotation.objects.filter(pk=annotation.pk).exists()


@pytest.mark.parametrize("model", ["review", "historyentry", "evidence"])
def test_reviews_history_and_evidence_cannot_be_changed(client_for, editor, model):
    annotation = verified_annotation()
    obj = {
        "review": annotation.reviews.get,
        "historyentry": lambda: HistoryEntryFactory(annotation=annotation),
        "evidence": annotation.evidence.get,
    }[model]()
    client = client_for(editor)
    assert client.get(change(obj)).status_code == 200  # readable
    assert client.post(change(obj), {"rationale": "rewritten", "comment": "x"}).status_code == 403


def test_article_body_cannot_be_changed_in_the_admin(client_for, editor):
    article = ArticleFactory()
    body = article.body
    response = client_for(editor).post(
        change(article),
        {
            "title": "A better title",
            "body": "Rewritten body",
            "checksum": "0" * 64,
            "publisher": article.publisher,
            "url": article.url,
            "published": "",
            "language": "en",
            "supersedes": "",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "A better title"
    assert article.body == body and article.checksum != "0" * 64


def test_an_article_with_annotations_cannot_be_deleted_even_by_a_superuser(client_for, annotator):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    annotation = submitted(annotator)
    url = reverse("admin:annotations_article_delete", args=[annotation.article_id])
    assert client_for(admin).post(url, {"post": "yes"}).status_code == 403
    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_articles_are_not_added_in_the_admin(client_for, editor):
    assert client_for(editor).get(reverse("admin:annotations_article_add")).status_code == 403


# ---- actions go through the workflow ----


def test_release_action_puts_items_back_through_the_workflow(
    client_for, editor, annotator, reviewer
):
    annotation = in_review(annotator, reviewer)
    response = run_action(client_for(editor), "release", [annotation])
    assert "Released 1 annotation." in response.content.decode()
    assert fresh(annotation).state == State.SUBMITTED
    entry = HistoryEntry.objects.filter(annotation=annotation).last()
    assert (entry.action, entry.actor) == ("released", editor)


def test_release_action_refuses_the_four_eyes_violation_per_item(
    client_for, editor, annotator, reviewer
):
    own = in_review(editor, reviewer)
    other = in_review(annotator, reviewer)
    page = run_action(client_for(editor), "release", [own, other]).content.decode()
    assert f"Not released #{own.pk}" in page and "four-eyes" in page
    assert "Released 1 annotation." in page
    assert fresh(own).state == State.IN_REVIEW and fresh(other).state == State.SUBMITTED


def test_send_back_action_asks_for_a_reason_first(client_for, editor, annotator):
    annotation = submitted(annotator)
    response = run_action(client_for(editor), "send_back", [annotation])
    page = response.content.decode()
    assert response.status_code == 200 and 'name="reason"' in page
    assert f'name="version_{annotation.pk}" value="{annotation.version}"' in page
    assert fresh(annotation).state == State.SUBMITTED


def test_send_back_action_returns_a_waiting_item_to_its_author_with_the_reason(
    client_for, editor, annotator
):
    annotation = submitted(annotator)
    page = apply_action(
        client_for(editor), "send_back", [annotation], reason="Span misses the unit."
    ).content.decode()
    assert "Sent back 1 annotation." in page
    after = fresh(annotation)
    review = Review.objects.get(annotation=annotation)
    assert (after.state, after.reviewer) == (State.DRAFT, None)
    assert (review.outcome, review.reviewer, review.rationale) == (
        ReviewOutcome.SENT_BACK,
        editor,
        "Span misses the unit.",
    )
    assert list(
        HistoryEntry.objects.filter(annotation=annotation).values_list("action", flat=True)
    )[-2:] == [
        "taken",
        "sent_back",
    ]


def test_send_back_action_without_a_reason_asks_again(client_for, editor, annotator):
    annotation = submitted(annotator)
    response = apply_action(client_for(editor), "send_back", [annotation], reason="  ")
    assert "This field is required." in response.content.decode()
    assert fresh(annotation).state == State.SUBMITTED


def test_send_back_action_refuses_the_editors_own_annotation(client_for, editor):
    annotation = submitted(editor)
    page = apply_action(
        client_for(editor), "send_back", [annotation], reason="Mine."
    ).content.decode()
    assert "four-eyes" in page
    assert fresh(annotation).state == State.SUBMITTED
    assert not Review.objects.exists()


def test_send_back_action_refuses_an_item_another_reviewer_holds(
    client_for, editor, annotator, reviewer
):
    annotation = in_review(annotator, reviewer)
    page = apply_action(
        client_for(editor), "send_back", [annotation], reason="No."
    ).content.decode()
    assert "Another reviewer holds this annotation." in page
    assert fresh(annotation).reviewer == reviewer


def test_send_back_action_refuses_an_item_changed_since_the_confirmation_page(
    client_for, editor, annotator, reviewer
):
    annotation = submitted(annotator)
    shown = fresh(annotation)
    workflow.annotation_take(annotation_id=annotation.pk, reviewer=reviewer)
    workflow.annotation_release(annotation_id=annotation.pk, user=reviewer)
    page = apply_action(client_for(editor), "send_back", [shown], reason="No.").content.decode()
    assert "changed by someone else" in page
    assert fresh(annotation).state == State.SUBMITTED


def test_reopen_action_reopens_decided_items_and_reports_the_others(
    client_for, editor, annotator, reviewer
):
    done = verified(annotator, reviewer)
    waiting = submitted(annotator)
    page = apply_action(
        client_for(editor), "reopen", [done, waiting], reason="Source revised."
    ).content.decode()
    assert "Reopened 1 annotation." in page and f"Not reopened #{waiting.pk}" in page
    assert fresh(done).state == State.SUBMITTED
    entry = HistoryEntry.objects.filter(annotation=done).last()
    assert (entry.action, entry.comment) == ("reopened", "Source revised.")


@pytest.mark.parametrize("version", ["²", "٣", "1e3", "99999999999999999999"])
def test_reopen_action_refuses_a_version_that_is_not_a_number_per_item(
    client_for, editor, annotator, reviewer, version
):
    done = verified(annotator, reviewer)
    other = verified(annotator, reviewer)
    response = client_for(editor).post(
        changelist("annotation"),
        {
            "action": "reopen",
            ACTION_CHECKBOX_NAME: [done.pk, other.pk],
            "apply": "yes",
            f"version_{done.pk}": version,
            f"version_{other.pk}": other.version,
            "reason": "Source revised.",
        },
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Not reopened #{done.pk}" in page and f"The version of #{done.pk}" in page
    assert "Reopened 1 annotation." in page
    assert fresh(done).state == State.VERIFIED and fresh(other).state == State.SUBMITTED


def test_the_admin_offers_no_way_for_an_author_to_verify_their_own_item(
    client_for, editor, reviewer
):
    annotation = in_review(editor, reviewer)
    client = client_for(editor)
    actions = client.get(changelist("annotation")).context["action_form"].fields["action"].choices
    assert "verify" not in {name for name, _label in actions}
    client.post(change(annotation), {"state": "verified"})
    assert fresh(annotation).state == State.IN_REVIEW


# ---- sources, tokens, users ----


def source_data(**overrides):
    return {
        "url": "https://stats.example.org/t",
        "title": "Table",
        "publisher": "",
        "kind": "statistics",
        "accessed": "",
        "archived_url": "",
        **overrides,
    }


def test_source_admin_stores_the_normalised_url(client_for, editor):
    response = client_for(editor).post(
        reverse("admin:annotations_source_add"),
        source_data(url="HTTPS://Stats.Example.org/t?utm_source=x#top"),
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.url, source.created_by) == ("https://stats.example.org/t", editor)


def test_source_admin_labels_an_untitled_source_by_its_address(client_for, editor):
    client_for(editor).post(
        reverse("admin:annotations_source_add"),
        source_data(url="https://www.stats.example.org/t/2024", title=""),
    )
    assert Source.objects.get().title == "stats.example.org/t/2024"


def test_source_admin_refuses_a_known_url_spelt_differently(client_for, editor):
    SourceFactory(url="https://stats.example.org/t")
    response = client_for(editor).post(
        reverse("admin:annotations_source_add"), source_data(url="https://STATS.example.org:443/t")
    )
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert Source.objects.count() == 1


def test_token_revoke_action_revokes_and_the_hash_cannot_be_edited(client_for, editor):
    token = ApiTokenFactory()
    client = client_for(editor)
    client.post(
        changelist("apitoken"), {"action": "revoke", "index": 0, ACTION_CHECKBOX_NAME: [token.pk]}
    )
    client.post(change(token), {"name": "renamed", "key_hash": "f" * 64, "user": editor.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None and token.name == "renamed"
    assert token.key_hash != "f" * 64 and token.user != editor
    assert ApiToken.objects.active().count() == 0


def test_an_editor_cannot_make_anyone_a_superuser(client_for, editor, annotator):
    client_for(editor).post(
        change(annotator),
        {
            "username": "anna",
            "first_name": "Anna",
            "last_name": "",
            "email": "anna@example.org",
            "is_active": "on",
            "is_superuser": "on",
            "groups": [],
        },
    )
    annotator.refresh_from_db()
    assert annotator.first_name == "Anna"  # the form was saved…
    assert not annotator.is_superuser  # …without the field an editor may not set


def test_an_editor_cannot_change_a_superusers_account(client_for, editor):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456789")
    response = client_for(editor).post(
        change(root), {"username": "root", "email": "mine@example.org", "is_active": ""}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.email == "root@example.org"


# ---- accounts: editors manage annotators, reviewers and researchers only ----


def password_change(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def user_data(user, **overrides):
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
        **overrides,
    }


NEW_PASSWORD = {"password1": "a-new-Passw0rd-2026", "password2": "a-new-Passw0rd-2026"}


def test_an_editor_cannot_set_another_editors_password(client_for, editor):
    other = UserFactory(username="eve", role="editor")
    client = client_for(editor)
    assert client.get(password_change(other)).status_code == 403
    response = client.post(password_change(other), NEW_PASSWORD)
    assert response.status_code == 403
    other.refresh_from_db()
    assert not other.check_password(NEW_PASSWORD["password1"])


def test_an_editor_cannot_give_themselves_roles(client_for, editor):
    every_group = list(Group.objects.values_list("pk", flat=True))
    response = client_for(editor).post(change(editor), user_data(editor, groups=every_group))
    assert response.status_code == 403
    assert set(editor.groups.values_list("name", flat=True)) == {"editor"}


def test_an_editor_cannot_change_another_staff_account(client_for, editor):
    staff = UserFactory(username="sam", is_staff=True)
    response = client_for(editor).post(change(staff), user_data(staff, email="mine@example.org"))
    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.email == "sam@example.org"


def test_an_editor_gives_an_annotator_the_reviewer_role(client_for, editor, annotator):
    reviewer_role = Group.objects.get(name="reviewer")
    response = client_for(editor).post(
        change(annotator), user_data(annotator, groups=[reviewer_role.pk])
    )
    assert response.status_code == 302
    assert list(annotator.groups.values_list("name", flat=True)) == ["reviewer"]


def test_an_editor_sets_an_annotators_password(client_for, editor, annotator):
    response = client_for(editor).post(password_change(annotator), NEW_PASSWORD)
    assert response.status_code == 302
    annotator.refresh_from_db()
    assert annotator.check_password(NEW_PASSWORD["password1"])


def test_an_editor_is_offered_only_the_roles_they_may_give(client_for, editor, annotator):
    form = client_for(editor).get(change(annotator)).context["adminform"].form
    offered = {group.name for group in form.fields["groups"].queryset}
    assert offered == {"annotator", "reviewer", "researcher"}


def test_an_editor_cannot_make_an_annotator_an_editor_or_staff(client_for, editor, annotator):
    editor_role = Group.objects.get(name="editor")
    client_for(editor).post(
        change(annotator), user_data(annotator, groups=[editor_role.pk], is_staff="on")
    )
    annotator.refresh_from_db()
    assert list(annotator.groups.values_list("name", flat=True)) == ["annotator"]
    assert not annotator.is_staff


def test_a_superuser_manages_editors_and_their_roles(client, editor):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(root)
    assert client.post(password_change(editor), NEW_PASSWORD).status_code == 302
    reviewer_role = Group.objects.get(name="reviewer")
    data = user_data(editor, groups=[reviewer_role.pk], is_staff="on")
    data |= {"date_joined_0": "2025-01-01", "date_joined_1": "09:00:00"}  # superusers edit it
    response = client.post(change(editor), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    editor.refresh_from_db()
    assert editor.check_password(NEW_PASSWORD["password1"])
    assert list(editor.groups.values_list("name", flat=True)) == ["reviewer"]


def test_the_article_list_shows_live_annotations_from_the_counters(client_for, editor, annotator):
    article = ArticleFactory(title="Counted article")
    AnnotationFactory(article=article, author=annotator)
    AnnotationFactory(article=article, author=annotator, kind="number", phrase="30 percent")
    AnnotationFactory(article=article, author=annotator, state=State.WITHDRAWN)

    page = client_for(editor).get(changelist("article")).content.decode()

    assert '<td class="field-annotation_count">2</td>' in page
