"""What goes in and out of the API, typed: these classes are the OpenAPI document's schemas.

Inputs refuse what the screens refuse before any domain function runs: ids as the strict
parser reads them (`inputs.id_problem`), text without NUL or lone surrogates
(`inputs.text_problem`), attribute values within their columns (sizes read from the model,
not written again here), and unknown fields (a typo is an error, not a silent no-op). The
rules about the content (spans, states, who may) stay in the domain modules.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import CharField
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ..exporters import decimal_text
from ..inputs import MAX_ID, id_problem, text_problem
from ..models import (
    Annotation,
    Kind,
    SourceKind,
    SpeechType,
    Stance,
    State,
    Suggestion,
    SuggestionStatus,
    Verdict,
)
from ..workflow import KIND_FIELDS
from .pagination import DEFAULT_LIMIT, MAX_LIMIT

# ---- Scalar types ----


def _strict_id(value):
    """An id as `inputs.parse_id` reads one: a JSON integer, or ASCII digits in a string
    (query and path parameters are strings). Never 12.0, True, "٣" or "²"."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be a whole number written with the digits 0-9")
    problem = id_problem(value if isinstance(value, int) else value.strip())
    if problem is not None:
        raise ValueError(problem)
    return int(value)


def _storable_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Id = Annotated[int, BeforeValidator(_strict_id), Field(ge=1, le=MAX_ID)]
Version = Annotated[
    int,
    BeforeValidator(_strict_id),
    Field(ge=1, le=MAX_ID, description="The version the change is based on (409 when stale)."),
]
Offset = Annotated[
    int,
    BeforeValidator(_strict_id),
    Field(ge=0, le=MAX_ID, description="A position in the body, in Unicode code points."),
]
Text = Annotated[str, AfterValidator(_storable_text)]


def _column_text(model, name: str):
    """Text that fits the model's column `name` (its max_length, read from the model)."""
    field = model._meta.get_field(name)
    max_length = field.max_length if isinstance(field, CharField) else None
    return Annotated[str, AfterValidator(_storable_text), Field(max_length=max_length)]


class ApiModel(BaseModel):
    """Plain pydantic models: ninja's Schema reads each object through a Django-aware
    wrapper, which costs more than the rest of a 1,000-span request together."""

    model_config = ConfigDict(from_attributes=True)


class InputSchema(ApiModel):
    model_config = ConfigDict(extra="forbid")


# ---- Errors (the documentation of errors.problem_response) ----


class FieldErrorOut(ApiModel):
    message: str
    pointer: str | None = Field(
        None, description="JSON Pointer into the request body, e.g. /annotations/3/start"
    )
    parameter: str | None = Field(None, description="The query or path parameter at fault")
    code: str | None = Field(None, description="duplicate: resend with confirm_duplicate")


class Problem(ApiModel):
    """RFC 9457 problem details, sent as application/problem+json."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] = Field(default_factory=list)
    current_version: int | None = Field(None, description="On 409: the annotation's version")


# ---- Articles ----


class ArticleCounts(ApiModel):
    """Live annotations per kind, and annotations per state."""

    total: int
    claim: int
    number: int
    quotation: int
    draft: int
    submitted: int
    in_review: int
    verified: int
    rejected: int
    withdrawn: int


class ArticleOut(ApiModel):
    id: int
    title: str
    publisher: str
    url: str
    published: date | None
    language: str
    checksum: str = Field(description="SHA-256 of the normalised body")
    created_at: datetime
    counts: ArticleCounts


class ArticlePage(ApiModel):
    items: list[ArticleOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )


class ArticleIn(InputSchema):
    """An article as a JSON Lines import takes it; the importer's rules apply (normalised
    to NFC, lengths, http(s) url, ISO date), and refusals name the record."""

    title: Text
    body: Text
    url: Text | None = None
    publisher: Text | None = None
    published: Text | None = Field(None, description="ISO date, e.g. 2025-05-13")
    language: Text | None = None


MAX_ARTICLES = 1000
MAX_ANNOTATIONS = 2000


class ArticlesIn(InputSchema):
    articles: list[ArticleIn] = Field(min_length=1, max_length=MAX_ARTICLES)


class ArticleRecordOut(ApiModel):
    index: int = Field(description="The record's position in the request")
    id: int
    checksum: str
    created: bool = Field(description="false: the same body was already stored")


class ArticlesOut(ApiModel):
    batch: int | None = Field(description="The import batch, when anything was created")
    articles: list[ArticleRecordOut]


# ---- Annotations ----


class Attributes(ApiModel):
    """Kind-specific attributes; an annotation shows those of its kind."""

    number_value: str | None = Field(None, description='Exact decimal, e.g. "518400000000"')
    number_unit: str | None = None
    number_scale: str | None = None
    number_qualifier: str | None = None
    number_counts: str | None = None
    speaker: str | None = None
    speech_type: str | None = None
    attribution_start: int | None = None
    attribution_end: int | None = None
    claimant: str | None = None
    check_worthy: bool | None = None


_NUMBER_VALUE = Annotation._meta.get_field("number_value")


class AttributesIn(InputSchema):
    """Attributes to set; only those of the annotation's kind are accepted. null clears."""

    number_value: (
        Annotated[
            Decimal,
            Field(
                max_digits=_NUMBER_VALUE.max_digits,
                decimal_places=_NUMBER_VALUE.decimal_places,
                allow_inf_nan=False,
            ),
        ]
        | None
    ) = Field(None, description='Exact decimal as a string ("518400000000") or a number')
    number_unit: _column_text(Annotation, "number_unit") | None = None
    number_scale: _column_text(Annotation, "number_scale") | None = None
    number_qualifier: _column_text(Annotation, "number_qualifier") | None = None
    number_counts: _column_text(Annotation, "number_counts") | None = None
    speaker: _column_text(Annotation, "speaker") | None = None
    speech_type: SpeechType | Literal[""] | None = None
    attribution_start: Offset | None = None
    attribution_end: Offset | None = None
    claimant: _column_text(Annotation, "claimant") | None = None
    check_worthy: bool | None = None

    def changes(self) -> dict:
        """The attributes sent, as the workflow takes them (null text is "")."""
        empty_text = {name for names in KIND_FIELDS.values() for name in names} - {
            "number_value", "attribution_start", "attribution_end", "check_worthy"
        }  # fmt: skip
        sent = self.model_dump(exclude_unset=True)
        return {
            name: ("" if value is None and name in empty_text else value)
            for name, value in sent.items()
        }


class AnnotationOut(ApiModel):
    id: int
    article: int
    kind: Kind
    start: int = Field(description="Code points, inclusive")
    end: int = Field(description="Code points, exclusive")
    exact: str
    prefix: str
    suffix: str
    state: State
    version: int
    author: str
    reviewer: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    verdict: Verdict | None = Field(description="The latest review's verdict, if any")
    attributes: Attributes


class AnnotationPage(ApiModel):
    items: list[AnnotationOut]
    next_cursor: str | None


class AnnotationIn(InputSchema):
    article: Id
    kind: Kind
    start: Offset
    end: Offset
    exact: Text = Field(description="The body's text at [start, end): checked")
    attributes: AttributesIn = Field(default_factory=AttributesIn)
    confirm_duplicate: bool = Field(
        False, description="Create it even if you already marked this span as this kind"
    )


class AnnotationsIn(InputSchema):
    annotations: list[AnnotationIn] = Field(min_length=1, max_length=MAX_ANNOTATIONS)


class AnnotationsOut(ApiModel):
    annotations: list[AnnotationOut]


class AnnotationChange(InputSchema):
    version: Version
    kind: Kind | None = None
    start: Offset | None = None
    end: Offset | None = None
    attributes: AttributesIn = Field(default_factory=AttributesIn)


class VersionIn(InputSchema):
    version: Version


class SubmitIn(InputSchema):
    version: Version
    attributes: AttributesIn = Field(
        default_factory=AttributesIn, description="Saved first, in the same transaction"
    )


# ---- Proposals (pre-annotations) ----

MAX_PROPOSALS = 2000
_ENGINE_NAME = Suggestion._meta.get_field("engine")
_ENGINE_VERSION = Suggestion._meta.get_field("engine_version")
# Letters, digits and a few separators: a name that reads the same in every export.
_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+:/@-]*$"


class ModelIn(InputSchema):
    """The model that proposes: recorded with every proposal and named in the exports."""

    name: str = Field(
        min_length=1, max_length=_ENGINE_NAME.max_length, pattern=_NAME_PATTERN,
        description="e.g. newsroom-ner (not numbers, quotations or checkworthy: Workbench's own)",
    )  # fmt: skip
    version: str = Field(
        min_length=1, max_length=_ENGINE_VERSION.max_length, pattern=_NAME_PATTERN,
        description="A new version proposes afresh; what was dismissed for this one stays out",
    )  # fmt: skip


class ProposalIn(InputSchema):
    kind: Kind
    start: Offset
    end: Offset
    exact: Text | None = Field(
        None, description="If sent, checked against the body at [start, end)"
    )
    score: Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)] = Field(
        description="The model's confidence, from 0 to 1"
    )
    attributes: AttributesIn = Field(default_factory=AttributesIn)


class ProposalsIn(InputSchema):
    model: ModelIn
    proposals: list[ProposalIn] = Field(min_length=1, max_length=MAX_PROPOSALS)


class ProposalRecordOut(ApiModel):
    index: int = Field(description="The record's position in the request")
    id: int | None = Field(
        description="The stored proposal; null: an annotation of that kind covers the span"
    )
    status: SuggestionStatus | None = Field(
        description="dismissed: dismissed for this model version, it stays so"
    )
    created: bool = Field(description="false: it was already there (or is not proposed)")


class ProposalsPushOut(ApiModel):
    added: int = Field(description="Proposals this request stored")
    proposals: list[ProposalRecordOut]


class ProposalOut(ApiModel):
    id: int
    article: int
    kind: Kind
    start: int = Field(description="Code points, inclusive")
    end: int = Field(description="Code points, exclusive")
    exact: str
    engine: str = Field(description="The engine or model that proposed it")
    engine_version: str
    score: float
    status: SuggestionStatus
    attributes: Attributes
    details: dict = Field(description="What the engine says beyond the attributes")
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class ProposalPage(ApiModel):
    items: list[ProposalOut]
    next_cursor: str | None


class ProposalAccepted(ApiModel):
    proposal: ProposalOut
    annotation: AnnotationOut = Field(description="Your new draft, made from the proposal")


# ---- Review ----


class HistoryOut(ApiModel):
    action: str
    actor: str
    from_state: str
    to_state: str
    changes: dict
    comment: str
    at: datetime


class SourceOut(ApiModel):
    id: int
    url: str
    title: str
    publisher: str
    kind: SourceKind
    accessed: date | None
    archived_url: str


class EvidenceOut(ApiModel):
    id: int
    source: SourceOut
    stance: Stance
    excerpt: str
    locator: str
    added_by: str
    created_at: datetime


class ReviewOut(ApiModel):
    reviewer: str
    outcome: str
    verdict: Verdict | Literal[""]
    rationale: str
    created_at: datetime


class AnnotationDetail(AnnotationOut):
    evidence: list[EvidenceOut]
    reviews: list[ReviewOut]
    history: list[HistoryOut]


class ArticleDetail(ArticleOut):
    body: str
    annotations_version: int = Field(description="Bumped on every annotation change")
    annotations: list[AnnotationOut] = Field(description="Every annotation but withdrawn ones")


class QueuePage(ApiModel):
    items: list[AnnotationOut]
    next_cursor: str | None


class QueueFilters(InputSchema):
    kind: Kind | None = None
    article: Id | None = None
    annotator: str | None = Field(None, description="Username")
    age: Literal["day", "week", "older"] | None = None


class TakeNextOut(ApiModel):
    annotation: AnnotationOut | None = Field(description="null: nothing is waiting for you")


class SourceIn(InputSchema):
    url: Text
    title: Text = ""
    publisher: Text = ""
    kind: SourceKind = SourceKind.OTHER
    accessed: date | None = None
    archived_url: Text = ""


class SourceCreated(ApiModel):
    source: SourceOut
    created: bool = Field(description="false: that url was already a source (returned as is)")


class EvidenceIn(InputSchema):
    source: Id
    stance: Stance
    excerpt: Text = ""
    locator: Text = ""


class VerifyIn(InputSchema):
    version: Version
    verdict: Verdict
    rationale: Text = ""


class RejectIn(InputSchema):
    version: Version
    rationale: Text = Field(description="Required: the annotator reads it")


class SendBackIn(InputSchema):
    version: Version
    comment: Text = Field(description="Required: what to change")


# The refusals every operation may answer, and those of the ones that write.
READ_PROBLEMS = (400, 401, 403, 404, 422, 429)
WRITE_PROBLEMS = (*READ_PROBLEMS, 409, 413)


def reads(schema, status: int = 200) -> dict:
    """`response=` of a read: the schema, and a Problem for each refusal."""
    return {status: schema, READ_PROBLEMS: Problem}


def writes(schema, status: int = 200) -> dict:
    """`response=` of a write (which may also meet a conflict or a body too large)."""
    return {status: schema, WRITE_PROBLEMS: Problem}


class Limit(ApiModel):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = None


# ---- Out: model instances as the schemas above show them ----


def attributes_data(annotation: Annotation) -> dict:
    """The attributes of the annotation's kind (others are not shown, not even as null)."""
    data = {name: getattr(annotation, name) for name in KIND_FIELDS[Kind(annotation.kind)]}
    if "number_value" in data and data["number_value"] is not None:
        data["number_value"] = decimal_text(data["number_value"])
    return data


def proposal_data(suggestion: Suggestion) -> dict:
    """A proposal (with `decided_by` loaded) as ProposalOut shows it."""
    return {
        "id": suggestion.pk,
        "article": suggestion.article_id,
        "kind": suggestion.kind,
        "start": suggestion.start,
        "end": suggestion.end,
        "exact": suggestion.exact,
        "engine": suggestion.engine,
        "engine_version": suggestion.engine_version,
        "score": suggestion.score,
        "status": suggestion.status,
        "attributes": suggestion.attributes,
        "details": suggestion.details,
        "decided_by": suggestion.decided_by.get_username() if suggestion.decided_by else None,
        "decided_at": suggestion.decided_at,
        "created_at": suggestion.created_at,
    }


def annotation_data(annotation: Annotation) -> dict:
    """An annotation loaded by `api.annotations.for_api` (author, reviewer, verdict)."""
    return {
        "id": annotation.pk,
        "article": annotation.article_id,
        "kind": annotation.kind,
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "state": annotation.state,
        "version": annotation.version,
        "author": annotation.author.get_username(),
        "reviewer": annotation.reviewer.get_username() if annotation.reviewer else None,
        "created_at": annotation.created_at,
        "updated_at": annotation.updated_at,
        "submitted_at": annotation.submitted_at,
        "decided_at": annotation.decided_at,
        "verdict": getattr(annotation, "api_verdict", None),
        "attributes": attributes_data(annotation),
    }
