"""Adjudication: an editor turns the annotators' submitted spans of one article into
reference spans, and the reference goes through the normal review.

The screen groups the annotators' spans of each kind that overlap (a group is a run of
spans of one kind linked by overlaps, whoever made them) and shows each group side by side.
A group is *agreed* when every annotator of the article marked exactly one span there and
they are identical; otherwise it is a disagreement. The editor accepts one annotator's
span, merges the group's spans into their union, or writes the reference span with
adjusted offsets; `adjudicate` then creates the editor's annotation (attributes copied
from the span chosen), records where it came from (`AdjudicationSource`) and submits it
for review, in one transaction, through the workflow functions.

A group is *done* while one of its spans is the source of a reference that is not
withdrawn or rejected: a rejected reference can be adjudicated again.
"""

from dataclasses import dataclass, field

from django.db import transaction

from . import policy, workflow
from .agreement_data import submitted_work
from .models import AdjudicationSource, Annotation, Article, Kind, State
from .policy import Action
from .workflow import KIND_FIELDS, WorkflowError

# How much of the text around a group the screen shows on each side.
CONTEXT = 60
# References in these states no longer stand for their sources.
SET_ASIDE = (State.WITHDRAWN, State.REJECTED)


class AlreadyAdjudicated(WorkflowError):
    """A source span already has a standing reference (someone adjudicated it just now)."""


@dataclass
class Group:
    number: int
    kind: str
    start: int
    end: int
    # One list per annotator, in the screen's annotator order (empty: did not mark it).
    columns: list[list[Annotation]]
    references: list[Annotation] = field(default_factory=list)

    @property
    def spans(self) -> list[Annotation]:
        return [span for column in self.columns for span in column]

    @property
    def agreed(self) -> bool:
        if any(len(column) != 1 for column in self.columns):
            return False
        return len({(column[0].start, column[0].end) for column in self.columns}) == 1

    @property
    def done(self) -> bool:
        return bool(self.references)

    @property
    def proposal(self) -> Annotation:
        """What "accept" takes: the agreed span, else the first annotator's first span."""
        return self.spans[0]

    @property
    def union(self) -> tuple[int, int]:
        return self.start, self.end

    def identical_to(self, span: Annotation) -> list[Annotation]:
        """The group's spans with the same offsets as `span` (accepting it stands for all)."""
        return [other for other in self.spans if (other.start, other.end) == (span.start, span.end)]


@dataclass
class Adjudication:
    article: Article
    annotators: list  # users, ordered by username: column i is annotator i + 1
    groups: list[Group]

    @property
    def open_disagreements(self) -> int:
        return sum(1 for group in self.groups if not group.agreed and not group.done)


def _group_spans(spans: list[Annotation]) -> list[list[Annotation]]:
    """Runs of spans (of one kind, sorted by start) linked by overlaps."""
    runs: list[list[Annotation]] = []
    end = -1
    for span in spans:
        if runs and span.start < end:
            runs[-1].append(span)
            end = max(end, span.end)
        else:
            runs.append([span])
            end = span.end
    return runs


def adjudication_of(article: Article) -> Adjudication:
    """The article's groups of submitted spans, with the references made so far (2 queries)."""
    work = list(submitted_work().filter(article=article).select_related("author"))
    annotators = sorted({span.author for span in work}, key=lambda user: user.get_username())
    column_of = {user.pk: index for index, user in enumerate(annotators)}
    references: dict[int, list[Annotation]] = {}
    sources = (
        AdjudicationSource.objects.filter(source_annotation__article=article)
        .exclude(annotation__state__in=SET_ASIDE)
        .select_related("annotation")
    )
    for row in sources:
        references.setdefault(row.source_annotation_id, []).append(row.annotation)
    groups = []
    for kind in Kind.values:
        spans = sorted((s for s in work if s.kind == kind), key=lambda s: (s.start, -s.end, s.pk))
        for run in _group_spans(spans):
            columns = [[] for _ in annotators]
            for span in run:
                columns[column_of[span.author_id]].append(span)
            made = {ref.pk: ref for span in run for ref in references.get(span.pk, [])}
            groups.append(
                Group(
                    0,
                    kind,
                    min(s.start for s in run),
                    max(s.end for s in run),
                    columns,
                    sorted(made.values(), key=lambda ref: ref.pk),
                )  # fmt: skip
            )
    groups.sort(key=lambda group: (group.start, -group.end, group.kind))
    for number, group in enumerate(groups, start=1):
        group.number = number
    return Adjudication(article, annotators, groups)


def _copied_attributes(source: Annotation, kind: str) -> dict:
    """The attributes of `source` a reference of `kind` keeps (none across kinds)."""
    if source.kind != kind:
        return {}
    return {name: getattr(source, name) for name in KIND_FIELDS[Kind(kind)]}


def adjudicate(
    *,
    article: Article,
    editor,
    kind: str,
    start: int,
    end: int,
    exact: str | None,
    source_ids: list[int],
    attributes_from: int | None = None,
) -> Annotation:
    """The editor's reference span made from `source_ids` (annotators' submitted spans of
    this article), with the attributes of `attributes_from` (one of them, same kind),
    created and submitted for review. `exact`: the text the editor saw at those offsets
    (None: the body's text there, for a form without JavaScript); a mismatch is refused.
    """
    policy.check(editor, Action.ADJUDICATE)
    if not source_ids:
        raise WorkflowError("Say which annotators' spans the reference comes from.")
    if attributes_from is not None and attributes_from not in source_ids:
        raise WorkflowError("Attributes can only be copied from one of the source spans.")
    with transaction.atomic():
        # Rows locked (PostgreSQL) so two editors cannot both adjudicate the same spans.
        sources = list(
            Annotation.objects.select_for_update()
            .filter(pk__in=submitted_work().filter(article=article, pk__in=source_ids))
            .order_by("pk")
        )
        if len(sources) != len(set(source_ids)):
            raise WorkflowError(
                "A source is not an annotator's submitted span of this article (withdrawn or "
                "sent back since?). Reload the page."
            )
        standing = AdjudicationSource.objects.filter(source_annotation__in=sources).exclude(
            annotation__state__in=SET_ASIDE
        )
        if standing.exists():
            raise AlreadyAdjudicated(
                "These spans were adjudicated already (perhaps just now by someone else). "
                "Reload the page."
            )
        attributes = {}
        if attributes_from is not None:
            chosen = next(source for source in sources if source.pk == attributes_from)
            attributes = _copied_attributes(chosen, kind)
        reference = workflow.annotation_create(
            article=article, author=editor, kind=kind, start=start, end=end, exact=exact,
            attributes=attributes, confirm_duplicate=True,
        )  # fmt: skip
        AdjudicationSource.objects.bulk_create(
            AdjudicationSource(annotation=reference, source_annotation=source) for source in sources
        )
        return workflow.annotation_submit(
            annotation_id=reference.pk, user=editor, version=reference.version
        )
