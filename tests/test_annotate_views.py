"""The annotate screen's views: the article page, its fragments and every action on a span.

Each view: allowed, forbidden, wrong method; htmx requests (HX-Request: true) get the
fragments; refusals change nothing; query counts stay the same at 10 and 1,000 spans.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from annotations import workflow
from annotations.highlight import MAX_LANES
from annotations.models import Annotation, HistoryEntry, Kind, State
from annotations.text import quote_context
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    UserFactory,
    overlapping_annotations,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# Session, user, the user's two permission lookups, the user's groups (header), the
# navigation's unread notifications (cached after a session's first page), the article,
# its version with the pending proposals, its annotations, the open annotation's review
# and history: nothing grows with the spans or the proposals.
PAGE_QUERY_BOUND = 11
FRAGMENT_QUERY_BOUND = 10


class _BodyText(HTMLParser):
    """The text content of the element with id="article-body", as a browser would see it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
            self.tags.append(tag)
        elif ("id", "article-body") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def body_text(html: str) -> tuple[str, list[str]]:
    parser = _BodyText()
    parser.feed(html)
    return "".join(parser.text), parser.tags


def page_url(article):
    return reverse("article_detail", args=[article.pk])


make_annotations = overlapping_annotations


LONG_BODY = "\n\n".join(
    f"Paragraph {n}: the minister said “exports rose {n} percent to US$518.4 billion” and "
    f"more than {n * 10} projects 🌍 were built in 中国 over the past years, officials said."
    for n in range(60)
)


@pytest.fixture
def big_article(annotator, other_annotator):
    """make(n) -> an article carrying n annotations by two annotators."""

    def make(count):
        article = ArticleFactory(body=LONG_BODY)
        make_annotations(article, [annotator, other_annotator], count)
        return article

    return make


def own_draft(article, author, phrase="exports rose 30 percent", kind=Kind.CLAIM, **options):
    start = article.body.index(phrase)
    return workflow.annotation_create(
        article=article,
        author=author,
        kind=kind,
        start=start,
        end=start + len(phrase),
        exact=phrase,
        **options,
    )


# ---- The article page ----


def test_article_page_renders_the_body_as_exact_text(client_for, annotator, other_annotator):
    body = "“Curly” quotes,\u2002an en space, 中文, an emoji 🎉 and\n\n<b>markup</b> & more."
    article = ArticleFactory(body=body)
    start = body.index("中文")
    AnnotationFactory(article=article, author=other_annotator, phrase="中文, an emoji 🎉")
    AnnotationFactory(article=article, author=annotator, phrase="emoji 🎉 and", kind=Kind.NUMBER)
    response = client_for(annotator).get(page_url(article))
    assert response.status_code == 200
    text, tags = body_text(response.content.decode())
    assert text == body
    assert "b" not in tags  # the article's markup is text, not elements
    assert f'data-start="{start}"' in response.content.decode()


def test_article_page_marks_each_kind_and_nesting(client_for, annotator, article):
    claim = own_draft(article, annotator)
    number = own_draft(article, annotator, "30 percent", Kind.NUMBER)
    html = client_for(annotator).get(page_url(article)).content.decode()
    assert f'data-ids="{claim.pk} {number.pk}"' in html
    assert re.search(r'<span class="m k-claim l0"><span class="m k-number l1">30 percent', html)
    assert f'id="ann-{claim.pk}"' in html and f'id="ann-{number.pk}"' in html


def test_article_page_opens_the_annotation_named_in_the_query(client_for, annotator, article):
    claim = own_draft(article, annotator)
    html = client_for(annotator).get(page_url(article), {"a": claim.pk}).content.decode()
    assert f'data-open="{claim.pk}"' in html
    assert reverse("annotate_edit", args=[claim.pk]) in html


def test_article_page_hides_withdrawn_annotations(client_for, annotator, article):
    claim = own_draft(article, annotator)
    workflow.annotation_withdraw(annotation_id=claim.pk, user=annotator, version=claim.version)
    html = client_for(annotator).get(page_url(article)).content.decode()
    assert f'id="ann-{claim.pk}"' not in html
    assert "data-ids" not in html


def test_article_page_lets_a_reviewer_read_but_not_create(client_for, reviewer, article):
    response = client_for(reviewer).get(page_url(article))
    assert response.status_code == 200
    assert reverse("annotate_create", args=[article.pk]) not in response.content.decode()


# Researchers read articles (read-only): tests/test_researcher_access.py.
@pytest.mark.parametrize("persona", ["outsider"])
def test_article_page_is_forbidden_without_a_reading_role(client_for, article, persona, request):
    response = client_for(request.getfixturevalue(persona)).get(page_url(article))
    assert response.status_code == 403


def test_article_page_asks_anonymous_users_to_log_in(client, article):
    response = client.get(page_url(article))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_article_page_rejects_post(client_for, annotator, article):
    assert client_for(annotator).post(page_url(article)).status_code == 405


@pytest.mark.parametrize("count", [10, 1000])
def test_article_page_query_count_does_not_grow_with_annotations(
    client_for, annotator, big_article, django_assert_max_num_queries, count
):
    article = big_article(count)
    client = client_for(annotator)
    opened = article.annotations.filter(author=annotator).first()
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = client.get(page_url(article), {"a": opened.pk})
    assert response.status_code == 200
    assert response.content.decode().count('class="ann k-') == count
    assert body_text(response.content.decode())[0] == article.body


# ---- Create ----


def create_url(article):
    return reverse("annotate_create", args=[article.pk])


def test_create_stores_the_span_with_its_context(client_for, annotator, article):
    body = article.body
    start = body.index("exports rose")
    end = start + len("exports rose 30 percent")
    response = client_for(annotator).post(
        create_url(article),
        {"kind": "claim", "start": start, "end": end, "exact": body[start:end]},
        headers=HTMX,
    )
    assert response.status_code == 200
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.end, annotation.exact) == (start, end, body[start:end])
    assert (annotation.prefix, annotation.suffix) == quote_context(body, start, end)
    assert annotation.author == annotator and annotation.state == State.DRAFT
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="create-box"')
    assert 'id="panel"' in html and 'id="article-body"' in html and 'id="live"' in html
    assert html.count('hx-swap-oob="true"') == 5  # panel, body, list, poller, proposal counts


def test_a_create_on_an_open_screen_compiles_no_orm_query(client_for, annotator, article):
    """The create is the request a desk sends most: its reads and writes are statements
    built once per process (annotations/statements.py). A query the ORM compiles on every
    create (an empty prefetch iterated by a template included) fails here."""
    from django.db.models.sql import compiler

    client = client_for(annotator)
    page = client.get(page_url(article))  # the session and the statements, as on a screen
    version = re.search(r'data-version="(\d+)"', page.content.decode())[1]
    body = article.body
    compiled = []
    originals = {}
    for name in ("SQLCompiler", "SQLInsertCompiler", "SQLUpdateCompiler",
                 "SQLDeleteCompiler", "SQLAggregateCompiler"):  # fmt: skip
        cls = getattr(compiler, name)
        originals[cls] = cls.__dict__["as_sql"]

    def watch(original):
        def as_sql(self, *args, **kwargs):
            compiled.append(self.query.model.__name__)
            return original(self, *args, **kwargs)

        return as_sql

    for start, end in ((body.index("exports"), body.index("exports") + 7),
                       (body.index("30 percent"), body.index("30 percent") + 10)):  # fmt: skip
        compiled.clear()
        for cls, original in originals.items():
            cls.as_sql = watch(original)
        try:
            response = client.post(
                create_url(article),
                {"kind": "number", "start": start, "end": end, "exact": body[start:end]},
                headers=HTMX | {"X-Annotations-Shown": version},
            )
        finally:
            for cls, original in originals.items():
                cls.as_sql = original
        assert response.status_code == 200
        version = re.search(r'data-version="(\d+)"', response.content.decode())[1]
    assert compiled == []  # the second create: everything built by the first
    assert Annotation.objects.count() == 2


def test_the_answers_sent_most_are_drawn_without_django_templates(client_for, annotator, article):
    """A create, a change and a colleague's live update answer with what changed, drawn by
    Jinja2 alone (templates/annotations/jinja/): the same parts as the page's, without the
    Django template language's cost. A Django template rendered on that path fails here;
    the whole body and list (a screen too far behind, or not saying) are still the Django
    template's."""
    from django.test.signals import template_rendered

    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    client = client_for(annotator)
    page = client.get(page_url(article))
    version = re.search(r'data-version="(\d+)"', page.content.decode())[1]
    body = article.body
    start = body.index("30 percent")
    template_rendered.connect(record)
    try:
        created = client.post(
            create_url(article),
            {"kind": "number", "start": start, "end": start + 10, "exact": "30 percent"},
            headers=HTMX | {"X-Annotations-Shown": version},
        )
        annotation = Annotation.objects.get()
        changed = client.post(
            reverse("annotate_edit", args=[annotation.pk]),
            {"version": annotation.version, "number_value": "30", "number_unit": "percent"},
            headers=HTMX | {"X-Annotations-Shown": str(int(version) + 1)},
        )
        polled = client.get(
            reverse("annotate_poll", args=[article.pk]) + f"?v={version}", headers=HTMX
        )
        assert rendered == []
        start = body.index("exports")
        unsaid = client.post(  # a screen that does not say which version it shows
            create_url(article),
            {"kind": "claim", "start": start, "end": start + 7, "exact": "exports"},
            headers=HTMX,
        )
    finally:
        template_rendered.disconnect(record)
    assert [created.status_code, changed.status_code, polled.status_code] == [200, 200, 200]
    assert '<section id="create-box"' in created.content.decode()
    assert 'id="panel"' in created.content.decode() and 'id="panel"' in changed.content.decode()
    assert 'name="number_value" value="30"' in changed.content.decode()
    for answer in (created, changed, polled):
        html = answer.content.decode()
        assert 'id="live"' in html and 'id="list-head"' in html and 'id="article-body"' not in html
    assert unsaid.status_code == 200 and 'id="article-body"' in unsaid.content.decode()
    assert rendered[0] == "created"  # the partial of annotations/article_detail.html


def test_create_counts_code_points_after_an_emoji(client_for, annotator):
    article = ArticleFactory(body="Party 🎉 then 中国经济 grew “strongly” in May.")
    exact = "中国经济 grew “strongly"
    start = article.body.index(exact)  # Python index: the emoji counts once
    response = client_for(annotator).post(
        create_url(article),
        {"kind": "number", "start": start, "end": start + len(exact), "exact": exact},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Annotation.objects.get().exact == exact


def test_create_refuses_text_that_does_not_match_the_offsets(client_for, annotator, article):
    start = article.body.index("exports")
    response = client_for(annotator).post(
        create_url(article),
        {"kind": "claim", "start": start + 1, "end": start + 8, "exact": "exports"},
        headers=HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "does not match the article at those offsets" in html
    assert 'id="id_exact_error"' in html  # next to the field
    assert not Annotation.objects.exists()


def test_create_without_javascript_finds_typed_text_and_redirects(client_for, annotator, article):
    response = client_for(annotator).post(
        create_url(article), {"kind": "quotation", "exact": "exports rose 30 percent"}
    )
    annotation = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(article)}?a={annotation.pk}#panel"
    assert annotation.start == article.body.index("exports rose 30 percent")


def test_create_accepts_the_line_breaks_a_plain_form_sends(client_for, annotator, article):
    exact = "2024.\r\n\r\nMore than 200"
    client_for(annotator).post(create_url(article), {"kind": "claim", "exact": exact})
    assert Annotation.objects.get().exact == "2024.\n\nMore than 200"


def test_create_refuses_text_that_is_not_in_the_article(client_for, annotator, article):
    response = client_for(annotator).post(create_url(article), {"kind": "claim", "exact": "nope"})
    assert response.status_code == 422
    assert "does not appear in the article" in response.content.decode()
    assert not Annotation.objects.exists()


def test_create_refuses_an_empty_selection(client_for, annotator, article):
    response = client_for(annotator).post(
        create_url(article), {"kind": "claim", "exact": "  "}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Select some text" in response.content.decode()


def test_create_is_forbidden_to_a_reviewer(client_for, reviewer, article):
    response = client_for(reviewer).post(
        create_url(article), {"kind": "claim", "exact": "exports"}, headers=HTMX
    )
    assert response.status_code == 403
    assert not Annotation.objects.exists()


def test_create_rejects_get(client_for, annotator, article):
    assert client_for(annotator).get(create_url(article)).status_code == 405


# ---- The side panel ----


def test_panel_fragment_offers_forms_and_suggestions_for_an_own_draft(
    client_for, annotator, article
):
    number = own_draft(article, annotator, "US$518.4 billion", Kind.NUMBER)
    response = client_for(annotator).get(
        reverse("annotate_panel", args=[number.pk]), {"focus": "1"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="panel"')
    assert 'value="518400000000"' in html and 'value="USD"' in html
    assert "Suggested from the text" in html
    assert "data-first-field" in html and "autofocus" not in html
    for name in ("annotate_edit", "annotate_kind", "annotate_nudge", "annotate_submit"):
        assert reverse(name, args=[number.pk]) in html


def test_panel_suggests_the_speaker_of_a_quotation(client_for, annotator, article):
    quotation = own_draft(article, annotator, "exports rose 30 percent", Kind.QUOTATION)
    html = (
        client_for(annotator)
        .get(reverse("annotate_panel", args=[quotation.pk]), headers=HTMX)
        .content.decode()
    )
    assert 'value="The minister"' in html
    assert '<option value="direct" selected>' in html


def test_panel_shows_others_annotations_read_only(client_for, annotator, other_annotator, article):
    theirs = own_draft(article, other_annotator)
    html = (
        client_for(annotator)
        .get(reverse("annotate_panel", args=[theirs.pk]), headers=HTMX)
        .content.decode()
    )
    assert "Read-only: Only the author may change this annotation." in html
    assert "<form" not in html


def test_panel_shows_the_review_history_and_forms_as_the_page_draws_them(
    client_for, settings, annotator, reviewer, article
):
    """The panel is drawn by Jinja2 (templates/annotations/jinja/panel.html): the latest
    review through the review page's include, times in the site's time zone as Django
    templates show them, the CSRF field in every form, the comments loader."""
    import datetime

    from tests.factories import HistoryEntryFactory, ReviewFactory

    settings.TIME_ZONE = "Europe/Berlin"
    number = own_draft(article, annotator, "US$518.4 billion", Kind.NUMBER)
    at = datetime.datetime(2026, 7, 1, 22, 30, tzinfo=datetime.UTC)
    entry = HistoryEntryFactory(annotation=number, actor=annotator, comment="typo <fixed>")
    HistoryEntry.objects.filter(pk=entry.pk).update(at=at)  # `at` is set on create
    ReviewFactory(annotation=number, reviewer=reviewer, outcome="returned", verdict="",
                  rationale="Which year?")  # fmt: skip
    html = (
        client_for(annotator)
        .get(reverse("annotate_panel", args=[number.pk]), headers=HTMX)
        .content.decode()
    )
    assert '<time datetime="2026-07-02T00:30:00+02:00">2 Jul 2026 00:30</time>' in html
    assert ": typo &lt;fixed&gt;</li>" in html  # escaped
    assert 'data-outcome="returned"' in html and "Which year?" in html
    assert "by rita" in html
    forms = html.count("<form ")
    assert forms >= 4 and html.count('name="csrfmiddlewaretoken"') == forms
    assert f'hx-get="{reverse("comments", args=[number.pk])}"' in html
    assert f'hx-get="{reverse("seen_before", args=[number.pk])}"' in html


def test_panel_without_htmx_redirects_to_the_page(client_for, annotator, article):
    claim = own_draft(article, annotator)
    response = client_for(annotator).get(reverse("annotate_panel", args=[claim.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(article)}?a={claim.pk}#panel"


def test_panel_is_forbidden_to_an_outsider(client_for, annotator, outsider, article):
    claim = own_draft(article, annotator)
    response = client_for(outsider).get(reverse("annotate_panel", args=[claim.pk]), headers=HTMX)
    assert response.status_code == 403


def test_panel_rejects_post(client_for, annotator, article):
    claim = own_draft(article, annotator)
    assert client_for(annotator).post(reverse("annotate_panel", args=[claim.pk])).status_code == 405


# ---- Edit attributes ----


def edit(client, annotation, data, **kwargs):
    return client.post(reverse("annotate_edit", args=[annotation.pk]), data, **kwargs)


def test_edit_saves_attributes_through_the_workflow(client_for, annotator, article):
    number = own_draft(article, annotator, "US$518.4 billion", Kind.NUMBER)
    response = edit(
        client_for(annotator),
        number,
        {"version": number.version, "number_value": "518,400,000,000", "number_unit": "USD",
         "number_scale": "billion"},
        headers=HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    number.refresh_from_db()
    assert number.number_value == 518400000000 and number.number_unit == "USD"
    assert number.version == 2
    assert HistoryEntry.objects.filter(annotation=number, action="edited").exists()
    html = response.content.decode()
    assert "Saved." in html and html.count('hx-swap-oob="true"') == 4
    assert "518400000000 USD · scale: billion" in html  # the list row shows the attributes


def test_edit_without_htmx_redirects_with_a_message(client_for, annotator, article):
    claim = own_draft(article, annotator)
    response = edit(
        client_for(annotator), claim, {"version": 1, "claimant": "The minister",
                                       "check_worthy": "true"}
    )  # fmt: skip
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.claimant == "The minister" and claim.check_worthy is True


def test_edit_of_a_stale_version_answers_409_and_changes_nothing(client_for, annotator, article):
    claim = own_draft(article, annotator)
    workflow.annotation_update(
        annotation_id=claim.pk, user=annotator, version=1, changes={"claimant": "First tab"}
    )
    response = edit(
        client_for(annotator), claim, {"version": 1, "claimant": "Second tab"}, headers=HTMX
    )
    assert response.status_code == 409
    assert "You changed this annotation in another tab or window" in response.content.decode()
    claim.refresh_from_db()
    assert claim.claimant == "First tab" and claim.version == 2


def test_edit_shows_an_invalid_value_next_to_its_field(client_for, annotator, article):
    number = own_draft(article, annotator, "30 percent", Kind.NUMBER)
    response = edit(
        client_for(annotator), number, {"version": 1, "number_value": "thirty"}, headers=HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_number_value_error"' in html and 'aria-invalid="true"' in html
    number.refresh_from_db()
    assert number.number_value is None and number.version == 1


def test_edit_of_someone_elses_annotation_is_forbidden(
    client_for, annotator, other_annotator, article
):
    theirs = own_draft(article, other_annotator)
    response = edit(client_for(annotator), theirs, {"version": 1, "claimant": "Me"}, headers=HTMX)
    assert response.status_code == 403
    assert "Only the author may change this annotation." in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.claimant == "" and theirs.version == 1


def test_edit_of_a_submitted_annotation_is_forbidden(client_for, annotator, article):
    claim = own_draft(article, annotator)
    workflow.annotation_submit(annotation_id=claim.pk, user=annotator, version=1)
    response = edit(client_for(annotator), claim, {"version": 2, "claimant": "Late"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.claimant == ""


def test_edit_rejects_get(client_for, annotator, article):
    claim = own_draft(article, annotator)
    assert client_for(annotator).get(reverse("annotate_edit", args=[claim.pk])).status_code == 405


# ---- Kind and boundaries ----


def test_change_kind_clears_the_attributes_of_the_old_kind(client_for, annotator, article):
    claim = own_draft(article, annotator)
    claim = workflow.annotation_update(
        annotation_id=claim.pk, user=annotator, version=1, changes={"claimant": "The minister"}
    )
    response = client_for(annotator).post(
        reverse("annotate_kind", args=[claim.pk]), {"kind": "quotation", "version": 2}, headers=HTMX
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.kind == Kind.QUOTATION and claim.claimant == ""


def test_change_kind_of_a_stale_version_answers_409(client_for, annotator, article):
    claim = own_draft(article, annotator)
    workflow.annotation_update(annotation_id=claim.pk, user=annotator, version=1,
                               changes={"claimant": "x"})  # fmt: skip
    response = client_for(annotator).post(
        reverse("annotate_kind", args=[claim.pk]), {"kind": "number", "version": 1}, headers=HTMX
    )
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.kind == Kind.CLAIM


def test_change_kind_is_forbidden_on_others_annotations(
    client_for, annotator, other_annotator, article
):
    theirs = own_draft(article, other_annotator)
    response = client_for(annotator).post(
        reverse("annotate_kind", args=[theirs.pk]), {"kind": "number", "version": 1}
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.kind == Kind.CLAIM


def test_change_kind_rejects_get(client_for, annotator, article):
    claim = own_draft(article, annotator)
    assert client_for(annotator).get(reverse("annotate_kind", args=[claim.pk])).status_code == 405


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        ("end:1", "exports rose 30 percent to"),
        ("end:-1", "exports rose 30"),
        ("start:-1", "said “exports rose 30 percent"),
        ("start:1", "rose 30 percent"),
    ],
)
def test_nudge_moves_one_boundary_by_a_word(client_for, annotator, article, move, expected):
    claim = own_draft(article, annotator)
    response = client_for(annotator).post(
        reverse("annotate_nudge", args=[claim.pk]), {"move": move, "version": 1}, headers=HTMX
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.exact == expected
    assert claim.exact == article.body[claim.start : claim.end]


def test_nudge_refuses_to_leave_an_empty_span(client_for, annotator, article):
    number = own_draft(article, annotator, "30", Kind.NUMBER)
    response = client_for(annotator).post(
        reverse("annotate_nudge", args=[number.pk]), {"move": "end:-1", "version": 1}, headers=HTMX
    )
    assert response.status_code == 422
    assert "at least one word" in response.content.decode()


def test_nudge_is_forbidden_on_others_annotations(client_for, annotator, other_annotator, article):
    theirs = own_draft(article, other_annotator)
    response = client_for(annotator).post(
        reverse("annotate_nudge", args=[theirs.pk]), {"move": "end:1", "version": 1}
    )
    assert response.status_code == 403


def test_nudge_rejects_get(client_for, annotator, article):
    claim = own_draft(article, annotator)
    assert client_for(annotator).get(reverse("annotate_nudge", args=[claim.pk])).status_code == 405


# ---- Withdraw and submit ----


def test_withdraw_keeps_the_annotation_in_the_history(client_for, annotator, article):
    claim = own_draft(article, annotator)
    response = client_for(annotator).post(
        reverse("annotate_withdraw", args=[claim.pk]), {"version": 1}, headers=HTMX
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.state == State.WITHDRAWN
    assert HistoryEntry.objects.filter(annotation=claim, action="withdrawn").exists()
    html = response.content.decode()
    assert "stays in the history" in html
    assert f'id="ann-{claim.pk}"' not in html  # gone from the list


def test_withdraw_of_a_stale_version_answers_409(client_for, annotator, article):
    claim = own_draft(article, annotator)
    workflow.annotation_update(annotation_id=claim.pk, user=annotator, version=1,
                               changes={"claimant": "x"})  # fmt: skip
    response = client_for(annotator).post(
        reverse("annotate_withdraw", args=[claim.pk]), {"version": 1}
    )
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.state == State.DRAFT


def test_withdraw_is_forbidden_on_others_annotations(
    client_for, annotator, other_annotator, article
):
    theirs = own_draft(article, other_annotator)
    response = client_for(annotator).post(
        reverse("annotate_withdraw", args=[theirs.pk]), {"version": 1}, headers=HTMX
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.state == State.DRAFT


def test_withdraw_rejects_get(client_for, annotator, article):
    claim = own_draft(article, annotator)
    response = client_for(annotator).get(reverse("annotate_withdraw", args=[claim.pk]))
    assert response.status_code == 405


def test_submit_sends_one_draft_for_review(client_for, annotator, article):
    claim = own_draft(article, annotator)
    response = client_for(annotator).post(
        reverse("annotate_submit", args=[claim.pk]), {"version": 1}, headers=HTMX
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.state == State.SUBMITTED and claim.submitted_at is not None


def test_submit_is_forbidden_on_others_annotations(client_for, annotator, other_annotator, article):
    theirs = own_draft(article, other_annotator)
    response = client_for(annotator).post(
        reverse("annotate_submit", args=[theirs.pk]), {"version": 1}
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.state == State.DRAFT


def test_submit_rejects_get(client_for, annotator, article):
    claim = own_draft(article, annotator)
    assert client_for(annotator).get(reverse("annotate_submit", args=[claim.pk])).status_code == 405


def test_submit_all_sends_only_my_drafts_in_this_article(
    client_for, annotator, other_annotator, article
):
    mine = [own_draft(article, annotator), own_draft(article, annotator, "30 percent")]
    theirs = own_draft(article, other_annotator)
    elsewhere = own_draft(ArticleFactory(), annotator)
    # The claims show a suggested claimant that was never saved: submit them anyway.
    response = client_for(annotator).post(
        reverse("annotate_submit_all", args=[article.pk]), {"confirm_unsaved": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Submitted 2 drafts for review." in response.content.decode()
    states = dict(Annotation.objects.values_list("pk", "state"))
    assert [states[a.pk] for a in mine] == [State.SUBMITTED, State.SUBMITTED]
    assert states[theirs.pk] == State.DRAFT and states[elsewhere.pk] == State.DRAFT


def test_submit_all_is_forbidden_to_an_outsider(client_for, outsider, article):
    response = client_for(outsider).post(reverse("annotate_submit_all", args=[article.pk]))
    assert response.status_code == 403


def test_submit_all_rejects_get(client_for, annotator, article):
    response = client_for(annotator).get(reverse("annotate_submit_all", args=[article.pk]))
    assert response.status_code == 405


# ---- Live updates ----


def poll_url(article):
    return reverse("annotate_poll", args=[article.pk])


def test_poll_answers_204_with_one_query_when_nothing_changed(
    client_for, annotator, article, django_assert_num_queries
):
    client = client_for(annotator)
    client.get(page_url(article))  # the session is in the cache, as on a real screen
    with django_assert_num_queries(1) as queries:
        response = client.get(poll_url(article), {"v": article.annotations_version})
    assert response.status_code == 204 and response.content == b""
    assert not response.templates
    assert "annotations_version" in queries.captured_queries[0]["sql"]


def test_poll_fast_path_still_refuses_a_user_whose_role_cannot_read(client_for, outsider, article):
    response = client_for(outsider).get(poll_url(article), {"v": article.annotations_version})

    assert response.status_code == 403


def test_poll_fast_path_refuses_a_deactivated_user(client_for, annotator, article):
    client = client_for(annotator)
    annotator.is_active = False
    annotator.save()

    response = client.get(poll_url(article), {"v": article.annotations_version})

    assert response.status_code == 302  # logged out: sent to the login page


def test_poll_sends_anonymous_visitors_to_login(client, article):
    response = client.get(poll_url(article), {"v": article.annotations_version})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_poll_returns_what_changed_as_out_of_band_fragments(
    client_for, annotator, other_annotator, article
):
    seen = article.annotations_version
    theirs = own_draft(article, other_annotator)
    response = client_for(annotator).get(poll_url(article), {"v": seen}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    # Only the paragraph holding the new span, its row (first in the list), the counts and
    # the poller: not the whole body and list (tests/test_annotate_fragments.py has more).
    assert re.findall(r'id="(para-\d+)"', html) == ["para-0"]
    assert (
        f'<ol class="ann-rows" hx-swap-oob="afterbegin:#ann-list"><li id="ann-{theirs.pk}"' in html
    )
    assert 'id="article-body"' not in html and 'id="annotation-list"' not in html
    assert html.count('hx-swap-oob="true"') == 4  # the paragraph, the list's head, the poller,
    # the proposals' counts
    assert 'id="panel"' not in html  # the open side panel stays as it is
    assert response["X-Annotations-Version"] == str(seen + 1)


def test_poll_without_a_version_returns_the_whole_screen(client_for, annotator, article):
    own_draft(article, annotator)
    response = client_for(annotator).get(poll_url(article), headers=HTMX)
    html = response.content.decode()
    assert html.count('hx-swap-oob="true"') == 4  # body, list, poller, proposal counts
    assert body_text(html)[0] == article.body


def test_poll_is_forbidden_to_an_outsider(client_for, outsider, article):
    assert client_for(outsider).get(poll_url(article), {"v": 0}).status_code == 403


def test_poll_of_a_missing_article_is_404(client_for, annotator):
    assert client_for(annotator).get("/articles/999999/annotate/poll/").status_code == 404


def test_poll_rejects_post(client_for, annotator, article):
    assert client_for(annotator).post(poll_url(article)).status_code == 405


# ---- Query counts of the fragments ----


@pytest.mark.parametrize("count", [10, 1000])
def test_fragments_query_count_does_not_grow_with_annotations(
    client_for, annotator, big_article, django_assert_max_num_queries, count
):
    article = big_article(count)
    client = client_for(annotator)
    mine = article.annotations.filter(author=annotator, kind=Kind.NUMBER).first()
    client.get(page_url(article))

    with django_assert_max_num_queries(FRAGMENT_QUERY_BOUND):
        assert client.get(poll_url(article), headers=HTMX).status_code == 200  # no version seen
    with django_assert_max_num_queries(FRAGMENT_QUERY_BOUND):
        response = client.get(reverse("annotate_panel", args=[mine.pk]), headers=HTMX)
        assert response.status_code == 200
    # Writes add the workflow's own statements (lock, update, history, version bump).
    with django_assert_max_num_queries(FRAGMENT_QUERY_BOUND + 6):
        response = edit(client, mine, {"version": 1, "number_unit": "USD"}, headers=HTMX)
        assert response.status_code == 200
    body = article.body
    with django_assert_max_num_queries(FRAGMENT_QUERY_BOUND + 6):
        response = client.post(
            create_url(article), {"kind": "claim", "start": 0, "end": 9, "exact": body[:9]},
            headers=HTMX,
        )  # fmt: skip
        assert response.status_code == 200


def test_an_article_with_a_thousand_spans_renders_every_segment(client_for, annotator, big_article):
    article = big_article(1000)
    html = client_for(annotator).get(page_url(article)).content.decode()
    text, _tags = body_text(html)
    assert text == article.body
    ids = set()
    for match in re.finditer(r'data-ids="([\d ]+)"', html):
        ids.update(match[1].split())
    assert ids == {str(pk) for pk in article.annotations.values_list("pk", flat=True)}


def test_a_user_without_roles_sees_no_forms(client_for, article):
    user = UserFactory(username="nobody")
    assert client_for(user).get(page_url(article)).status_code == 403


def test_more_overlaps_than_lanes_still_name_every_span_on_the_segment(
    client_for, annotator, article
):
    phrase = "exports rose 30 percent"
    claims = [
        own_draft(article, annotator, phrase, confirm_duplicate=True) for _ in range(MAX_LANES + 2)
    ]
    html = client_for(annotator).get(page_url(article)).content.decode()
    ids = " ".join(str(claim.pk) for claim in claims)
    assert f'class="seg on deep" data-start="{article.body.index(phrase)}"' in html
    assert f'data-ids="{ids}"' in html
    assert html.count('class="m k-claim l') == MAX_LANES  # drawn lanes stop at the limit


def test_the_author_sees_the_reviewers_outcome_and_reason_in_the_panel(
    client_for, annotator, reviewer, article
):

    draft = own_draft(article, annotator)
    workflow.annotation_submit(annotation_id=draft.pk, user=annotator, version=draft.version)
    taken = workflow.annotation_take(annotation_id=draft.pk, reviewer=reviewer)
    workflow.annotation_send_back(
        annotation_id=draft.pk,
        reviewer=reviewer,
        version=taken.version,
        comment="Mark the whole figure, currency included.",
    )

    response = client_for(annotator).get(page_url(article), {"a": draft.pk})

    html = response.content.decode()
    assert "Sent back" in html
    assert "Mark the whole figure, currency included." in html
    assert reverse("review_item", args=[draft.pk]) in html


# ---- Attribution of a quotation ----


def attribution_url(annotation):
    return reverse("annotate_attribution", args=[annotation.pk])


QUOTED = "exports rose 30 percent to US$518.4 billion"
SAID = "The minister said"


def test_marking_the_attribution_stores_its_span_and_history(client_for, annotator, article):
    quotation = own_draft(article, annotator, phrase=QUOTED, kind=Kind.QUOTATION)
    start = article.body.index(SAID)

    response = client_for(annotator).post(
        attribution_url(quotation),
        {"version": quotation.version, "start": start, "end": start + len(SAID), "exact": SAID},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Attribution marked." in response.content.decode()
    quotation.refresh_from_db()
    assert (quotation.attribution_start, quotation.attribution_end) == (start, start + len(SAID))
    entry = quotation.history.order_by("-id").first()
    assert entry.changes["attribution_start"] == [None, start]


def test_an_attribution_that_does_not_match_the_text_is_refused(client_for, annotator, article):
    quotation = own_draft(article, annotator, phrase=QUOTED, kind=Kind.QUOTATION)
    start = article.body.index(SAID)

    response = client_for(annotator).post(
        attribution_url(quotation),
        {"version": quotation.version, "start": start + 1, "end": start + 1 + len(SAID),
         "exact": SAID},
        headers=HTMX,
    )  # fmt: skip

    assert response.status_code == 422
    assert "does not match the article" in response.content.decode()
    quotation.refresh_from_db()
    assert quotation.attribution_start is None


def test_clearing_the_attribution(client_for, annotator, article):
    start = article.body.index(SAID)
    quotation = own_draft(article, annotator, phrase=QUOTED, kind=Kind.QUOTATION)
    quotation = workflow.annotation_update(
        annotation_id=quotation.pk, user=annotator, version=quotation.version,
        changes={"attribution_start": start, "attribution_end": start + len(SAID)},
    )  # fmt: skip

    response = client_for(annotator).post(
        attribution_url(quotation), {"version": quotation.version, "clear": "on"}, headers=HTMX
    )

    assert response.status_code == 200
    quotation.refresh_from_db()
    assert quotation.attribution_start is None and quotation.attribution_end is None


def test_only_quotations_have_an_attribution(client_for, annotator, article):
    claim = own_draft(article, annotator)
    start = article.body.index(SAID)

    response = client_for(annotator).post(
        attribution_url(claim),
        {"version": claim.version, "start": start, "end": start + len(SAID), "exact": SAID},
        headers=HTMX,
    )

    assert response.status_code == 422
    claim.refresh_from_db()
    assert claim.attribution_start is None


def test_someone_elses_quotation_attribution_is_forbidden(
    client_for, annotator, other_annotator, article
):
    quotation = own_draft(article, other_annotator, phrase=QUOTED, kind=Kind.QUOTATION)
    start = article.body.index(SAID)

    response = client_for(annotator).post(
        attribution_url(quotation),
        {"version": quotation.version, "start": start, "end": start + len(SAID), "exact": SAID},
    )

    assert response.status_code == 403
    quotation.refresh_from_db()
    assert quotation.attribution_start is None


def test_a_stale_attribution_is_refused(client_for, annotator, article):
    quotation = own_draft(article, annotator, phrase=QUOTED, kind=Kind.QUOTATION)
    start = article.body.index(SAID)

    response = client_for(annotator).post(
        attribution_url(quotation),
        {"version": quotation.version + 5, "start": start, "end": start + len(SAID),
         "exact": SAID},
        headers=HTMX,
    )  # fmt: skip

    assert response.status_code == 409
    quotation.refresh_from_db()
    assert quotation.attribution_start is None


def test_attribution_needs_post(client_for, annotator, article):
    quotation = own_draft(article, annotator, phrase=QUOTED, kind=Kind.QUOTATION)

    assert client_for(annotator).get(attribution_url(quotation)).status_code == 405
