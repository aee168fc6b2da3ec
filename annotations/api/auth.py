"""Who is calling the API, and may they use this operation: token or session, scope, rate.

Two ways in, tried in this order:
- `Authorization: Bearer wbt_…`, the hashed API tokens of `tokens.py`. A header that is
  there but wrong is a 401 (never a fall back to the session).
- the browser's session cookie, with Django's CSRF check for anything but a read (the docs
  page sends the token from the cookie in `X-CSRFToken`).

Every operation names one `Scope` (`scoped(Scope.READ)`). A token must carry it; the user's
role must allow it either way (`tokens.SCOPE_ACTIONS`, asked of the policy module): a scope
only narrows. Each admitted request is counted against the rate limit. The endpoint then
acts as `request.auth` (the user) through the same domain functions as the screens, which
ask the policy again about the object at hand.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .. import policy, tokens
from ..models import Scope
from .errors import FORBIDDEN, UNAUTHENTICATED, ApiProblem
from .ratelimit import rate_limit

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CHALLENGE = 'Bearer realm="workbench"'


def _admit(request: HttpRequest, user, *, scope: Scope, token=None):
    if token is not None and scope not in token.scope_set:
        granted = ", ".join(sorted(token.scope_set)) or "none"
        raise ApiProblem(
            403,
            f"This token's scopes ({granted}) do not include “{scope}”: make a token with "
            "that scope on the Export page.",
            problem_type=FORBIDDEN,
        )
    policy.check(user, tokens.SCOPE_ACTIONS[scope])
    rate_limit(f"token:{token.pk}" if token is not None else f"user:{user.pk}")
    request.api_token = token
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` (RFC 6750)."""

    def __init__(self, scope: Scope):
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        found = tokens.token_authenticate(token.strip())
        if found is None:
            raise ApiProblem(
                401,
                "The token is unknown or revoked.",
                problem_type=UNAUTHENTICATED,
                headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
            )
        return _admit(request, found.user, scope=self.scope, token=found)


class SessionAuth(APIKeyCookie):
    """The logged-in browser: its session, and CSRF for writes (as for every form)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, scope: Scope):
        self.scope = scope
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest):
        if "Authorization" in request.headers or not request.user.is_authenticated:
            return None  # the token decided (and refused); or nobody is logged in
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiProblem(
                403,
                "The CSRF check failed: send the csrftoken cookie's value in the "
                "X-CSRFToken header, or use an API token.",
                problem_type=FORBIDDEN,
            )
        return _admit(request, request.user, scope=self.scope)

    def authenticate(self, request: HttpRequest, key):  # pragma: no cover (see __call__)
        return None


def scoped(scope: Scope) -> list:
    """The `auth=` of an operation that needs `scope`."""
    return [TokenAuth(scope), SessionAuth(scope)]


def unauthenticated() -> ApiProblem:
    """Neither a token nor a session: 401 with the challenge (RFC 6750, section 3)."""
    return ApiProblem(
        401,
        "Send the header “Authorization: Bearer <token>” (make a token on the Export page), "
        "or log in.",
        problem_type=UNAUTHENTICATED,
        headers={"WWW-Authenticate": CHALLENGE},
    )
