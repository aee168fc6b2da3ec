"""URLs of the Workbench screens, grouped by screen (one views module each)."""

from django.urls import path

from .views import (
    accounts,
    adjudication,
    agreement,
    annotate,
    articles,
    claims,
    comments,
    export,
    importing,
    interop,
    mywork,
    proposals,
    review,
    search,
)

urlpatterns = [
    # Accounts
    path("login/", accounts.login_view, name="login"),
    path("logout/", accounts.logout_view, name="logout"),
    # Articles
    path("", articles.article_list, name="article_list"),
    path("articles/assign/", articles.articles_assign, name="articles_assign"),
    path("articles/<int:article_id>/", articles.article_detail, name="article_detail"),
    # My work, notifications
    path("me/", mywork.my_work, name="my_work"),
    path("me/notifications/", mywork.notification_list, name="notifications"),
    path("me/notifications/read/", mywork.notifications_read, name="notifications_read"),
    # Comments on an annotation (loaded into the annotate panel and the review item)
    path("annotations/<int:annotation_id>/comments/", comments.thread, name="comments"),
    # Search (article text, annotations, numbers by value and unit)
    path("search/", search.search_page, name="search"),
    # Annotate (the article page is the annotate screen)
    path("articles/<int:article_id>/annotate/new/", annotate.create, name="annotate_create"),
    path("articles/<int:article_id>/annotate/poll/", annotate.poll, name="annotate_poll"),
    path(
        "articles/<int:article_id>/annotate/submit-all/",
        annotate.submit_all,
        name="annotate_submit_all",
    ),
    # The assistant's proposals on the annotate screen (the proposal's id is posted)
    path("articles/<int:article_id>/proposals/run/", proposals.proposals_run, name="proposals_run"),
    path(
        "articles/<int:article_id>/proposals/accept/",
        proposals.proposal_accept,
        name="proposal_accept",
    ),
    path(
        "articles/<int:article_id>/proposals/dismiss/",
        proposals.proposal_dismiss,
        name="proposal_dismiss",
    ),
    path(
        "articles/<int:article_id>/proposals/accept-paragraph/",
        proposals.proposal_accept_paragraph,
        name="proposal_accept_paragraph",
    ),
    path("annotate/<int:annotation_id>/", annotate.panel, name="annotate_panel"),
    path(
        "annotate/<int:annotation_id>/attributes/", annotate.edit_attributes, name="annotate_edit"
    ),
    path("annotate/<int:annotation_id>/kind/", annotate.change_kind, name="annotate_kind"),
    path("annotate/<int:annotation_id>/nudge/", annotate.nudge, name="annotate_nudge"),
    path(
        "annotate/<int:annotation_id>/attribution/",
        annotate.attribution,
        name="annotate_attribution",
    ),
    path("annotate/<int:annotation_id>/withdraw/", annotate.withdraw, name="annotate_withdraw"),
    path("annotate/<int:annotation_id>/submit/", annotate.submit, name="annotate_submit"),
    # Import
    path("import/", importing.import_upload, name="import_upload"),
    # Other tools (Label Studio, doccano, W3C) in and out
    path("interop/", interop.interop_page, name="interop_page"),
    path("interop/export.<str:export_format>", interop.interop_export, name="interop_export"),
    path("import/jobs/<int:job_id>/", importing.import_job, name="import_job"),
    # Review
    path("review/", review.review_queue, name="review_queue"),
    path("review/take-next/", review.review_take_next, name="review_take_next"),
    path("review/disputed/", review.review_disputed, name="review_disputed"),
    path("review/<int:annotation_id>/", review.review_item, name="review_item"),
    path("review/<int:annotation_id>/take/", review.review_take, name="review_take"),
    path("review/<int:annotation_id>/release/", review.review_release, name="review_release"),
    path("review/<int:annotation_id>/decide/", review.review_decide, name="review_decide"),
    path("review/<int:annotation_id>/settle/", review.review_settle, name="review_settle"),
    path("review/<int:annotation_id>/sources/", review.review_source_add, name="review_source_add"),
    path(
        "review/<int:annotation_id>/evidence/",
        review.review_evidence_add,
        name="review_evidence_add",
    ),
    path(
        "review/<int:annotation_id>/evidence/<int:evidence_id>/remove/",
        review.review_evidence_remove,
        name="review_evidence_remove",
    ),
    # Agreement, blind double annotation, and their exports
    path("agreement/", agreement.agreement_corpus, name="agreement_corpus"),
    path("agreement/report.json", agreement.agreement_report, name="agreement_report"),
    path(
        "articles/<int:article_id>/agreement/",
        agreement.agreement_article,
        name="agreement_article",
    ),
    path("articles/<int:article_id>/blind/", agreement.article_blind, name="article_blind"),
    path(
        "articles/<int:article_id>/double-review/",
        agreement.article_double_review,
        name="article_double_review",
    ),
    # Adjudication: the annotators' spans side by side, made into reference spans
    path(
        "articles/<int:article_id>/adjudicate/",
        adjudication.adjudicate_page,
        name="adjudicate",
    ),
    path(
        "articles/<int:article_id>/adjudicate/reference/",
        adjudication.adjudicate_submit,
        name="adjudicate_submit",
    ),
    path("export/annotators.jsonl", agreement.annotators_export, name="annotators_export"),
    path(
        "review/<int:annotation_id>/evidence/copy/<int:match_id>/",
        review.review_evidence_copy,
        name="review_evidence_copy",
    ),
    # Seen before and claim groups
    path("annotations/<int:annotation_id>/seen-before/", claims.seen_before, name="seen_before"),
    path(
        "annotations/<int:annotation_id>/claim-group/link/",
        claims.claim_group_link_view,
        name="claim_group_link",
    ),
    path(
        "annotations/<int:annotation_id>/claim-group/unlink/",
        claims.claim_group_unlink_view,
        name="claim_group_unlink",
    ),
    path("claims/<int:group_id>/", claims.claim_group_detail, name="claim_group"),
    # Export
    path("export/", export.export_page, name="export_page"),
    path("export/start/", export.export_start, name="export_start"),
    path("export/files/", export.export_files, name="export_files"),
    path(
        "export/files/<int:job_id>/",
        export.export_file_download,
        name="export_file_download",
    ),
    path("export/tokens/", export.export_token_create, name="export_token_create"),
    path(
        "export/tokens/<int:token_id>/revoke/",
        export.export_token_revoke,
        name="export_token_revoke",
    ),
    path(
        "api/export/verified.<str:export_format>",
        export.export_download,
        name="export_download",
    ),
]
