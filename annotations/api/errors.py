"""Every refusal of the API as an RFC 9457 problem document (application/problem+json).

A problem has a `type` (a URI reference to the API docs, one per kind of problem), a
`title` (the same for every problem of that type), the HTTP `status`, a `detail` for this
occurrence, and `errors`, the field-level detail: each names where the fault is (`pointer`,
a JSON Pointer into the request body, such as `/annotations/3/start`; or `parameter`, a
query or path parameter) and says what is wrong (`message`).

`problem_response` builds one; `ApiProblem` raised anywhere under an endpoint becomes one;
`register_handlers` turns the exceptions of Django, django-ninja and the domain modules
into problems; `for_api_paths` answers problem+json for Django's own error pages (400,
403, 404, 500) and the request guards (413, 415) when the path is the API's. This module
imports nothing from django-ninja, so the request guards can use it.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

API_PATH = "/api/v1/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
DOCS_PATH = f"{API_PATH}docs"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str

    @property
    def uri(self) -> str:
        # A reference to the section of the docs page that explains it (docs/api.md too).
        return f"{DOCS_PATH}#problem-{self.slug}"


BAD_REQUEST = ProblemType("bad-request", "The request cannot be read")
VALIDATION = ProblemType("validation", "The request is not valid")
UNAUTHENTICATED = ProblemType("unauthenticated", "Authentication needed")
FORBIDDEN = ProblemType("forbidden", "Not allowed")
NOT_FOUND = ProblemType("not-found", "Not found")
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", "Method not allowed")
CONFLICT = ProblemType("conflict", "Conflict")
TOO_LARGE = ProblemType("too-large", "Request too large")
UNSUPPORTED = ProblemType("unsupported-media-type", "Unsupported media type")
RATE_LIMITED = ProblemType("rate-limited", "Too many requests")
SERVER_ERROR = ProblemType("server-error", "Server error")

PROBLEM_TYPES = (
    BAD_REQUEST, VALIDATION, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED,
    CONFLICT, TOO_LARGE, UNSUPPORTED, RATE_LIMITED, SERVER_ERROR,
)  # fmt: skip
BY_STATUS = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: CONFLICT,
    413: TOO_LARGE,
    415: UNSUPPORTED,
    422: VALIDATION,
    429: RATE_LIMITED,
    500: SERVER_ERROR,
}


@dataclass(frozen=True)
class FieldError:
    """One fault: where (`pointer` into the body, or a `parameter`) and what (`message`).

    `code` is a stable word for scripts where one is useful (`duplicate`: send the record
    again with `confirm_duplicate`).
    """

    message: str
    pointer: str | None = None
    parameter: str | None = None
    code: str | None = None

    def as_dict(self) -> dict:
        shown = {"pointer": self.pointer, "parameter": self.parameter, "code": self.code}
        return {name: value for name, value in shown.items() if value is not None} | {
            "message": self.message
        }


def json_pointer(*parts) -> str:
    """A JSON Pointer (RFC 6901) to `parts` of the request body: ("annotations", 3) ->
    "/annotations/3"; no parts is the whole body ("")."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def record_errors(problems, collection: str) -> list[FieldError]:
    """The refused records of a bulk request (`workflow.RecordProblem`s), each pointing at
    its place in the body's `collection` array: "/annotations/3"."""
    return [
        FieldError(
            f"Record {problem.index}: {problem.message}",
            pointer=json_pointer(collection, problem.index),
            code=problem.code or None,
        )
        for problem in problems
    ]


def problem_response(
    status: int,
    detail: str,
    *,
    problem_type: ProblemType | None = None,
    errors: Iterable[FieldError] = (),
    headers: dict | None = None,
    **extra,
) -> HttpResponse:
    problem_type = (
        problem_type
        or BY_STATUS.get(status)
        or ProblemType(f"http-{status}", HTTPStatus(status).phrase)
    )
    body = {
        "type": problem_type.uri,
        "title": problem_type.title,
        "status": status,
        "detail": detail,
        **extra,
    }
    errors = [error.as_dict() for error in errors]
    if errors:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    # Problems name unpublished work and people, like every other answer of the API.
    response["Cache-Control"] = "private, no-store"
    return response


class ApiProblem(Exception):
    """Raised by an endpoint (or the auth) to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        problem_type: ProblemType | None = None,
        errors: Iterable[FieldError] = (),
        headers: dict | None = None,
        **extra,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problem_type = problem_type
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> HttpResponse:
        return problem_response(
            self.status,
            self.detail,
            problem_type=self.problem_type,
            errors=self.errors,
            headers=self.headers,
            **self.extra,
        )


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PATH)


# Django's error views, answered for the API's paths (see workbench/urls.py).
GENERIC_DETAIL = {
    400: "The request cannot be read.",
    403: "You may not do this.",
    404: "There is nothing at this address. The operations are listed at /api/v1/docs.",
    500: "Something went wrong on our side; nothing was changed. Please report it.",
}


def for_api_paths(page_view, status: int):
    """Django's handler for `status` (`page_view`), answering problem+json under API_PATH.

    A BadInput's message says which input and why (`inputs.BadInput`); other exceptions'
    messages may name internals and are not shown.
    """
    from ..inputs import BadInput

    def handler(request, exception=None):
        if not is_api_request(request):
            return page_view(request) if status == 500 else page_view(request, exception)
        detail = GENERIC_DETAIL[status]
        if isinstance(exception, BadInput) or (status == 403 and str(exception or "")):
            detail = str(exception)
        return problem_response(status, detail)

    return handler
