"""Version 1 of the API: the API object, its routers, and how it answers refusals.

Adding a resource is a module with a `router` (see `articles.py`) and one line in ROUTERS.
`workbench/urls.py` mounts `urls()` at /api/v1/.
"""

import json
from functools import wraps

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponseNotAllowed
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import render_template
from ninja.parser import Parser

from .. import workflow
from ..inputs import BadInput
from . import annotations, articles, export, proposals, review
from .auth import unauthenticated
from .errors import (
    CONFLICT,
    FORBIDDEN,
    PROBLEM_CONTENT_TYPE,
    PROBLEM_TYPES,
    TOO_LARGE,
    VALIDATION,
    ApiProblem,
    FieldError,
    json_pointer,
    problem_response,
)

# (path prefix, router): every resource of the API. Pre-annotations (a model's proposals
# that an annotator accepts or dismisses) live under their article and on their own.
ROUTERS = [
    ("/articles", articles.router),
    ("/articles", proposals.article_router),
    ("/proposals", proposals.router),
    ("/annotations", annotations.router),
    ("/review", review.router),
    ("/sources", review.sources_router),
    ("/export", export.router),
]


class StrictJsonParser(Parser):
    """JSON bodies as RFC 8259 writes them: UTF-8, an object, nothing else.

    json.loads would also take UTF-16 and UTF-32 bytes, and fails in ways the default
    parser turns into 500s (invalid UTF-8, nesting deep enough to exhaust the stack).
    """

    def parse_body(self, request):
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadInput(f"The body is not UTF-8 (byte {error.start}).") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadInput(f"The body is not JSON: {error.msg} (line {error.lineno}, column "
                           f"{error.colno}).") from None  # fmt: skip
        except (RecursionError, ValueError):
            raise BadInput("The body is not JSON this API can read (nested too deeply, or "
                           "a number too long).") from None  # fmt: skip
        if not isinstance(data, dict):
            raise BadInput("The body must be a JSON object.")
        return data


class SwaggerWithCsrf(Swagger):
    """Swagger UI (ninja's copy, from our static files: its scripts are files, so the CSP
    needs no exception) that sends the CSRF token: "Try it out" then works with the
    session, which ninja only arranges when every operation takes a CSRF-checked cookie."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
        }
        return render_template(request, self.template, self.template_cdn, context)


class WorkbenchApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's schema, plus what it cannot say: refusals are application/problem+json,
        and each operation's security names the token scope it needs (OpenAPI 3.1 lets
        any scheme list the roles it requires)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        scopes = {}
        for bound in self._get_bound_routers():
            for path_view in bound.path_operations.values():
                for operation in path_view.operations:
                    scope = getattr(operation.auth_callbacks[0], "scope", None)
                    scopes[self.get_openapi_operation_id(operation)] = scope
        for methods in schema["paths"].values():
            for operation in methods.values():
                scope = scopes.get(operation["operationId"])
                if scope is not None:
                    operation["security"] = [{"TokenAuth": [scope.value]}, {"SessionAuth": []}]
                    operation["description"] = (
                        operation.get("description", "") + f"\n\nToken scope: `{scope}`."
                    ).strip()
                for status, response in operation["responses"].items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


DESCRIPTION = """Articles, annotations, review and export for scripts (guide: docs/api.md).

Authenticate with `Authorization: Bearer <token>` (tokens are made on the Export page, with
scopes: read, annotate, review, export; a scope never exceeds your role), or with the
browser's session and its CSRF token. Lists are paged with `limit` and `cursor`
(`next_cursor`). Requests per token are limited (429 with `Retry-After`).

Refusals are RFC 9457 problem documents (`application/problem+json`) whose `type` is one of:
""" + "\n".join(
    f'- <span id="problem-{problem.slug}"></span>`{problem.uri}`: {problem.title}'
    for problem in PROBLEM_TYPES
)

api = WorkbenchApi(
    title="Workbench API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    parser=StrictJsonParser(),
    docs=SwaggerWithCsrf(settings={"persistAuthorization": False}),
    docs_url="/docs",
)
for prefix, router in ROUTERS:
    api.add_router(prefix, router)


# ---- Refusals as problem documents ----


def _validation_errors(errors: list[dict]) -> list[FieldError]:
    """Ninja's validation errors (pydantic's, located by `loc`) as field errors."""
    fields = []
    for error in errors:
        source, *location = error["loc"]
        message = error["msg"].removeprefix("Value error, ")
        if source == "body":
            # The first name is the endpoint's body parameter (`payload`): not in the JSON.
            fields.append(FieldError(message, pointer=json_pointer(*location[1:])))
        else:
            name = ".".join(str(part) for part in location[-1:]) or source
            fields.append(FieldError(message, parameter=name))
    return fields


@api.exception_handler(NinjaValidationError)
def _invalid(request, error):
    errors = _validation_errors(error.errors)
    first = errors[0]
    where = first.pointer or first.parameter or "the request"
    detail = f"{where}: {first.message}" + (f" (and {len(errors) - 1} more)" if errors[1:] else "")
    return problem_response(422, detail, problem_type=VALIDATION, errors=errors)


@api.exception_handler(ApiProblem)
def _problem(request, problem):
    return problem.response()


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return unauthenticated().response()


@api.exception_handler(HttpError)
def _http_error(request, error):
    # A body the parser refused reaches here wrapped by ninja: its reason is the cause's.
    cause = error.__cause__
    detail = str(cause) if isinstance(cause, BadInput) else str(error)
    return problem_response(error.status_code, detail)


@api.exception_handler(BadInput)
def _bad_input(request, error):
    return problem_response(400, str(error))


@api.exception_handler(RequestDataTooBig)
def _too_large(request, error):
    return problem_response(
        413,
        "The body is larger than this API reads in one request: send fewer records at a time.",
        problem_type=TOO_LARGE,
    )


@api.exception_handler(Http404)
def _not_found(request, error):
    return problem_response(404, str(error) or "Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, error):
    return problem_response(403, str(error) or "You may not do this.", problem_type=FORBIDDEN)


@api.exception_handler(workflow.StaleVersion)
def _stale(request, stale):
    extra = {"current_version": stale.annotation.version} if stale.annotation else {}
    return problem_response(409, str(stale), problem_type=CONFLICT, **extra)


@api.exception_handler(IntegrityError)
def _integrity(request, error):
    return problem_response(
        409,
        "Someone changed this at the same moment. Nothing was saved: read it again and retry.",
        problem_type=CONFLICT,
    )


@api.exception_handler(DjangoValidationError)
def _refused_by_rule(request, error):  # WorkflowError included
    return problem_response(422, " ".join(error.messages), problem_type=VALIDATION)


# ---- URLs ----


def _answered_as_api(view):
    """Each API view: open to LoginRequiredMiddleware (the API answers 401 itself), 405 as a
    problem, and never cached by a shared cache (every answer shows unpublished work)."""

    @wraps(view)
    def api_view(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = problem_response(
                405, f"{request.method} is not allowed here: use {allowed}.",
                headers={"Allow": allowed},
            )  # fmt: skip
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response

    api_view.login_required = False
    return api_view


def urls():
    """The API's URL patterns (for `include`), each view wrapped by `_answered_as_api`."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _answered_as_api(pattern.callback)
    return patterns, app_name, namespace
