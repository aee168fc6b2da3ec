"""The agreement pages (one article, the whole corpus), the blind-annotation setting of an
article, and the agreement report and all-annotators export downloads.

The figures come from `agreement_data` (a fixed number of queries) and are computed by
the pure functions of `agreement.py`; docs/agreement.md says how to read them.
"""

from django import forms
from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import double_review, policy, visibility
from ..agreement import KINDS, NOTHING
from ..agreement_chart import bar_chart
from ..agreement_data import AgreementData, agreement_data
from ..agreement_export import agreement_report_bytes, annotator_export
from ..inputs import IdField
from ..models import Article, Kind
from ..policy import Action
from .articles import get_article_for

KIND_LABELS = dict(Kind.choices) | {NOTHING: "Nothing", "all": "All kinds"}
ATTRIBUTE_LABELS = {
    "number_value": "Number: value",
    "number_unit": "Number: unit",
    "speaker": "Quotation: speaker",
    "check_worthy": "Claim: check-worthy",
}
CHART_SERIES = [
    ("exact F1", "bar-exact"),
    ("overlap F1", "bar-overlap"),
    ("unitized α", "bar-alpha"),
]


class BlindForm(forms.Form):
    annotators = IdField(
        min_value=0,
        max_value=20,
        label="Independent annotators",
        help_text="2 to 20; 0 ends blind annotation.",
    )

    def clean_annotators(self):
        value = self.cleaned_data["annotators"]
        if value == 1:
            raise forms.ValidationError("Blind annotation needs at least two annotators.")
        return value


def _kind_row(label: str, kind: str, counts, alpha) -> dict:
    return {
        "label": label,
        "kind": kind,
        "spans": counts.first + counts.second,
        "exact": counts.exact_f1,
        "overlap": counts.overlap_f1,
        "alpha": alpha,
    }


def _kind_rows(measured) -> list[dict]:
    """Per kind and for all kinds: span counts, exact and overlap F1, alpha_u.

    `measured` is an ArticleAgreement or a PairAgreement (the corpus total)."""
    rows = [
        _kind_row(KIND_LABELS[kind], kind, measured.spans[kind], measured.unitized[kind].alpha)
        for kind in KINDS
    ]
    total = measured.spans_total
    rows.append(_kind_row(KIND_LABELS["all"], "all", total, measured.unitized_overall))
    return rows


def _figures(measured, data: AgreementData, pairs, chart_title: str) -> dict:
    """The tables and the chart shared by both pages."""
    kind_rows = _kind_rows(measured)
    confusion = measured.confusion
    return {
        "kind_rows": kind_rows,
        "pair_rows": [_pair_row(pair, data) for pair in pairs],
        "attribute_rows": [
            {"label": ATTRIBUTE_LABELS[name], **result.to_dict()}
            for name, result in measured.attributes.items()
        ],
        "confusion_labels": [KIND_LABELS[label] for label in confusion.labels],
        "confusion_rows": [
            (KIND_LABELS[row], [confusion.count(row, col) for col in confusion.labels])
            for row in confusion.labels
        ],
        "chart": bar_chart(
            chart_title,
            [(row["label"], [row["exact"], row["overlap"], row["alpha"]]) for row in kind_rows],
            CHART_SERIES,
        ),
    }


def _pair_row(pair, data: AgreementData) -> dict:
    total = pair.spans_total
    first, second = pair.annotators
    return {
        "names": (data.name(first), data.name(second)),
        "spans": (total.first, total.second),
        "exact": total.exact_f1,
        "overlap": total.overlap_f1,
        "alpha": pair.unitized_overall,
        "alpha_by_kind": [pair.unitized[kind].alpha for kind in KINDS],
    }


@require_GET
def agreement_corpus(request):
    policy.check(request.user, Action.VIEW_AGREEMENT)
    data = agreement_data()
    context = {
        "data": data,
        "kinds": [KIND_LABELS[kind] for kind in KINDS],
        "article_rows": [
            {
                "article": result.article,
                "annotators": len(result.spans_by_annotator),
                "overlap": result.agreement.spans_total.overlap_f1,
                "alpha": result.agreement.unitized_overall,
            }
            for result in data.articles
        ],
    }
    if data.corpus.total is not None:
        pairs = [pair for _, pair in sorted(data.corpus.pairs.items())]
        context |= _figures(data.corpus.total, data, pairs, "Corpus agreement by kind")
    return render(request, "annotations/agreement_corpus.html", context)


@require_GET
def agreement_article(request, article_id: int):
    article = get_article_for(request.user, article_id)
    policy.check(request.user, Action.VIEW_AGREEMENT)
    return render(request, "annotations/agreement_article.html", _article_context(request, article))


def _article_context(request, article: Article, blind_form=None) -> dict:
    data = agreement_data(Article.objects.filter(pk=article.pk))
    # Both settings in one query (each a table keyed by the article; missing: not set).
    settings = (
        Article.objects.filter(pk=article.pk)
        .select_related("blind_setting", "double_review")
        .only("pk", "blind_setting", "double_review")
        .get()
    )
    blind = getattr(settings, "blind_setting", None)
    can_set_blind = policy.allows(request.user, Action.SET_BLIND)
    context = {
        "article": article,
        "data": data,
        "kinds": [KIND_LABELS[kind] for kind in KINDS],
        "result": data.articles[0] if data.articles else None,
        "blind": blind,
        "can_set_blind": can_set_blind,
        "can_adjudicate": policy.allows(request.user, Action.ADJUDICATE),
        "double_review": getattr(settings, "double_review", None),
        "can_set_double_review": policy.allows(request.user, Action.SET_DOUBLE_REVIEW),
        "blind_form": blind_form
        or (
            BlindForm(initial={"annotators": blind.annotators if blind else 2})
            if can_set_blind
            else None
        ),  # fmt: skip
    }
    result = context["result"]
    if result is not None:
        measured = result.agreement
        context |= _figures(measured, data, measured.pairs, "Agreement by kind")
        context["annotator_rows"] = [
            {"name": data.name(user_id), "spans": len(spans),
             "by_kind": [sum(1 for s in spans if s.kind == kind) for kind in KINDS]}
            for user_id, spans in sorted(result.spans_by_annotator.items())
        ]  # fmt: skip
    return context


@require_POST
def article_blind(request, article_id: int):
    """Mark the article for N independent annotators, or (0) end blind annotation."""
    article = get_article_for(request.user, article_id)
    policy.check(request.user, Action.SET_BLIND)
    form = BlindForm(request.POST)
    if not form.is_valid():
        context = _article_context(request, article, blind_form=form)
        return render(request, "annotations/agreement_article.html", context, status=422)
    annotators = form.cleaned_data["annotators"]
    articles = Article.objects.filter(pk=article.pk)
    if annotators == 0:
        visibility.blind_unmark(articles=articles, editor=request.user)
        messages.success(request, "Blind annotation ended: everyone sees everyone's spans.")
    else:
        visibility.blind_mark(articles=articles, annotators=annotators, editor=request.user)
        messages.success(
            request,
            f"Marked for {annotators} independent annotators: until they submit, each sees "
            "only their own spans.",
        )
    return redirect("agreement_article", article_id=article.pk)


class DoubleReviewForm(forms.Form):
    double_review = forms.ChoiceField(
        choices=[("on", "On"), ("off", "Off")],
        error_messages={"invalid_choice": "Double review is either on or off."},
    )


@require_POST
def article_double_review(request, article_id: int):
    """Switch double review on (two independent decisions per item) or off."""
    article = get_article_for(request.user, article_id)
    policy.check(request.user, Action.SET_DOUBLE_REVIEW)
    form = DoubleReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["double_review"]))
        context = _article_context(request, article)
        return render(request, "annotations/agreement_article.html", context, status=422)
    articles = Article.objects.filter(pk=article.pk)
    if form.cleaned_data["double_review"] == "on":
        double_review.double_review_mark(articles=articles, editor=request.user)
        messages.success(
            request, "Double review on: each item now needs two reviewers' independent decisions."
        )
    else:
        double_review.double_review_unmark(articles=articles, editor=request.user)
        messages.success(request, "Double review off: one reviewer's decision decides an item.")
    return redirect("agreement_article", article_id=article.pk)


@require_GET
def agreement_report(request):
    """The agreement report as one JSON document (docs/export.md, "Agreement report")."""
    policy.check(request.user, Action.VIEW_AGREEMENT)
    now = timezone.now()
    response = StreamingHttpResponse(
        [agreement_report_bytes(generated_at=now)], content_type="application/json"
    )
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="workbench-agreement-{stamp}.json"'
    return response


@require_GET
def annotators_export(request):
    """Every annotator's submitted spans, one JSON Lines record each (docs/export.md)."""
    policy.check(request.user, Action.EXPORT_ANNOTATORS)
    now = timezone.now()
    response = StreamingHttpResponse(
        annotator_export(exported_at=now), content_type="application/x-ndjson"
    )
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    filename = f"workbench-annotators-{stamp}.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
