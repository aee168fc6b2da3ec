"""Blind double annotation: until an annotator has submitted their work on a blind article,
the annotate screen, its live update, the side panel and the API show them only their own
spans; reviewers and editors see everyone's."""

import re

import pytest
from django.urls import reverse

from annotations import comments, visibility, workflow
from annotations.models import Article, BlindSetting

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def create(article, author, phrase):
    start = article.body.index(phrase)
    return workflow.annotation_create(
        article=article, author=author, kind="claim", start=start, end=start + len(phrase),
        exact=phrase,
    )  # fmt: skip


def shown_ids(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'<li id="ann-(\d+)"', html)}


def version_of(html: str) -> int:
    return int(re.search(r'<div id="live"[^>]*data-version="(\d+)"', html)[1])


@pytest.fixture
def blind(article, editor):
    visibility.blind_mark(articles=Article.objects.filter(pk=article.pk), annotators=2,
                          editor=editor)  # fmt: skip
    return article


@pytest.fixture
def two_drafts(blind, annotator, other_annotator):
    mine = create(blind, annotator, "exports rose 30 percent")
    theirs = create(blind, other_annotator, "More than 200 projects")
    return mine, theirs


def page(client, article) -> str:
    response = client.get(reverse("article_detail", args=[article.pk]))
    assert response.status_code == 200
    return response.content.decode()


def poll(client, article, version):
    url = reverse("annotate_poll", args=[article.pk])
    return client.get(url, {"v": version}, headers=HTMX)


def test_an_annotator_sees_only_their_own_spans_on_a_blind_article(
    client_for, annotator, two_drafts, blind
):
    mine, theirs = two_drafts
    assert shown_ids(page(client_for(annotator), blind)) == {mine.pk}


def test_without_the_setting_everyone_sees_everyone(client_for, annotator, two_drafts, blind):
    BlindSetting.objects.filter(article=blind).delete()
    assert shown_ids(page(client_for(annotator), blind)) == {span.pk for span in two_drafts}


@pytest.mark.parametrize("persona", ["reviewer", "editor", "researcher"])
def test_reviewers_editors_and_readers_see_everyones_spans(
    request, client_for, persona, two_drafts, blind
):
    client = client_for(request.getfixturevalue(persona))
    assert shown_ids(page(client, blind)) == {span.pk for span in two_drafts}


def test_the_live_update_hides_a_colleagues_new_span(client_for, annotator, other_annotator, blind):
    mine = create(blind, annotator, "exports rose 30 percent")
    client = client_for(annotator)
    version = version_of(page(client, blind))
    theirs = create(blind, other_annotator, "More than 200 projects")
    response = poll(client, blind, version)
    assert response.status_code == 200  # the version moved: something changed...
    html = response.content.decode()
    assert f"ann-{theirs.pk}" not in html  # ...but nothing of theirs is shown
    assert "More than 200 projects" not in html.split('id="ann-list"')[-1]
    assert f'data-ids="{theirs.pk}"' not in html
    assert shown_ids(html) == {mine.pk}


def test_submitting_reveals_the_others_spans_through_the_live_update(
    client_for, annotator, other_annotator, two_drafts, blind
):
    mine, theirs = two_drafts
    client = client_for(annotator)
    version = version_of(page(client, blind))
    workflow.annotations_submit_all(article=blind, user=annotator, confirm_unsaved=True)
    html = poll(client, blind, version).content.decode()
    assert shown_ids(html) == {mine.pk, theirs.pk}
    # A new draft hides them again until it is submitted too.
    create(blind, annotator, "officials said")
    later = create(blind, other_annotator, "in 2024")
    html = poll(client, blind, version_of(html)).content.decode()
    assert theirs.pk not in shown_ids(html) and later.pk not in shown_ids(html)


def test_the_other_annotator_still_sees_only_their_own_after_one_submits(
    client_for, annotator, other_annotator, two_drafts, blind
):
    mine, theirs = two_drafts
    workflow.annotations_submit_all(article=blind, user=annotator, confirm_unsaved=True)
    assert shown_ids(page(client_for(other_annotator), blind)) == {theirs.pk}


def test_a_hidden_span_cannot_be_opened_by_its_id(client_for, annotator, two_drafts, blind):
    mine, theirs = two_drafts
    client = client_for(annotator)
    panel = reverse("annotate_panel", args=[theirs.pk])
    assert client.get(panel, headers=HTMX).status_code == 404
    response = client.get(reverse("article_detail", args=[blind.pk]), {"a": theirs.pk})
    assert response.status_code == 200
    assert response.context["open"] is None
    assert client.get(reverse("annotate_panel", args=[mine.pk]), headers=HTMX).status_code == 200


def test_the_api_article_shows_an_annotator_only_their_own_spans(
    api_as, annotator, reviewer, two_drafts, blind
):
    mine, theirs = two_drafts
    read = api_as(annotator).get(f"/articles/{blind.pk}")
    assert read.status_code == 200
    assert [item["id"] for item in read.json()["annotations"]] == [mine.pk]
    everyone = api_as(reviewer).get(f"/articles/{blind.pk}").json()["annotations"]
    assert {item["id"] for item in everyone} == {mine.pk, theirs.pk}
    workflow.annotations_submit_all(article=blind, user=annotator, confirm_unsaved=True)
    after = api_as(annotator).get(f"/articles/{blind.pk}").json()["annotations"]
    assert {item["id"] for item in after} == {mine.pk, theirs.pk}


def test_the_api_annotations_hide_the_others_work_too(api_as, annotator, two_drafts, blind):
    mine, theirs = two_drafts
    api = api_as(annotator)
    listed = api.get("/annotations/", article=blind.pk).json()["items"]
    assert [item["id"] for item in listed] == [mine.pk]
    assert api.get(f"/annotations/{theirs.pk}").status_code == 404
    assert api.get(f"/annotations/{mine.pk}").status_code == 200


def test_the_blind_poll_costs_the_same_whatever_the_spans(
    client_for, annotator, other_annotator, blind, django_assert_max_num_queries
):
    client = client_for(annotator)
    for phrase in ("exports rose 30 percent", "More than 200 projects", "officials said"):
        create(blind, other_annotator, phrase)
    version = version_of(page(client, blind))
    create(blind, other_annotator, "in 2024")
    with django_assert_max_num_queries(8):
        response = poll(client, blind, version)
    assert response.status_code == 200
    assert poll(client, blind, version_of(response.content.decode())).status_code == 204


# ---- The setting ----


def test_an_editor_marks_an_article_for_three_annotators_and_ends_it(client_for, editor, article):
    client = client_for(editor)
    url = reverse("article_blind", args=[article.pk])
    response = client.post(url, {"annotators": "3"})
    assert response.status_code == 302
    assert BlindSetting.objects.get(article=article).annotators == 3
    client.post(url, {"annotators": "0"})
    assert not BlindSetting.objects.filter(article=article).exists()


@pytest.mark.parametrize("value", ["1", "21", "-2", "two", "٣", ""])
def test_a_bad_number_of_annotators_is_refused_and_changes_nothing(
    client_for, editor, article, value
):
    response = client_for(editor).post(
        reverse("article_blind", args=[article.pk]), {"annotators": value}
    )
    assert response.status_code == 422
    assert not BlindSetting.objects.exists()


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "researcher"])
def test_only_editors_mark_articles_blind(request, client_for, persona, article):
    client = client_for(request.getfixturevalue(persona))
    response = client.post(reverse("article_blind", args=[article.pk]), {"annotators": "2"})
    assert response.status_code == 403
    assert not BlindSetting.objects.exists()


def test_marking_is_post_only(client_for, editor, article):
    assert client_for(editor).get(reverse("article_blind", args=[article.pk])).status_code == 405


def test_an_editor_marks_an_import_batchs_articles_in_the_admin(client_for, editor):
    from .factories import ArticleFactory, ImportBatchFactory

    batch = ImportBatchFactory()
    articles = [ArticleFactory(import_batch=batch) for _ in range(3)]
    ArticleFactory()  # another batch's: untouched
    response = client_for(editor).post(
        reverse("admin:annotations_importbatch_changelist"),
        {"action": "mark_blind_2", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 302
    marked = set(BlindSetting.objects.values_list("article_id", flat=True))
    assert marked == {article.pk for article in articles}


def test_reviewers_get_no_blind_actions_in_the_admin(client_for, reviewer, article):
    from django.contrib.auth.models import Permission

    reviewer.is_staff = True
    reviewer.save()
    reviewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    response = client_for(reviewer).post(
        reverse("admin:annotations_article_changelist"),
        {"action": "mark_blind_2", "_selected_action": [article.pk]},
    )
    assert not BlindSetting.objects.exists()
    assert response.status_code in (200, 302, 403)


def test_a_hidden_spans_thread_is_hidden_and_mentions_do_not_reach_a_blind_annotator(
    client_for, annotator, other_annotator, reviewer, two_drafts, blind
):
    mine, theirs = two_drafts
    client = client_for(annotator)
    assert client.get(reverse("comments", args=[theirs.pk]), headers=HTMX).status_code == 404
    assert client.get(reverse("comments", args=[mine.pk]), headers=HTMX).status_code == 200

    result = comments.comment_add(
        annotation_id=mine.pk, user=annotator, body=f"@{other_annotator.username} look here"
    )

    assert result.notified == [] and result.unknown == [other_annotator.username]
    with pytest.raises(comments.CommentError):
        comments.comment_add(annotation_id=theirs.pk, user=annotator, body="I saw this")


def test_seen_before_does_not_show_a_blind_annotator_a_colleagues_hidden_span(
    client_for, annotator, other_annotator, editor, two_drafts, blind
):
    mine, theirs = two_drafts
    phrase = mine.exact
    # The colleague marks the same words in two other articles: one open, one blind.
    shown_article = Article.objects.create(title="Open one", body=f"Officials said {phrase}.")
    hidden_article = Article.objects.create(title="Blind one", body=f"They said {phrase} too.")
    visibility.blind_mark(
        articles=Article.objects.filter(pk=hidden_article.pk), annotators=2, editor=editor
    )
    shown = create(shown_article, other_annotator, phrase)
    hidden = create(hidden_article, other_annotator, phrase)
    client = client_for(annotator)

    assert client.get(reverse("seen_before", args=[theirs.pk]), headers=HTMX).status_code == 404
    page = client.get(reverse("seen_before", args=[mine.pk]), headers=HTMX).content.decode()
    assert f"?a={shown.pk}#panel" in page
    assert f"?a={hidden.pk}#panel" not in page
    # An editor sees both.
    page = client_for(editor).get(reverse("seen_before", args=[mine.pk]), headers=HTMX)
    assert f"?a={hidden.pk}#panel" in page.content.decode()
