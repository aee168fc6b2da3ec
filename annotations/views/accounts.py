"""Login and logout, with failed logins throttled in the shared cache.

Two counters, so that a guesser is slowed down without anyone being able to lock the
owner of an account out:
- per username *and* client address: LOGIN_FAILURE_LIMIT failures within
  LOGIN_FAILURE_WINDOW_SECONDS refuse that pair, even with the right password. Someone
  guessing from one address gets a few tries per window; the owner logging in from their
  own address is not affected by failures from elsewhere.
- per client address, over every username: LOGIN_ADDRESS_FAILURE_LIMIT failures within the
  longer LOGIN_ADDRESS_FAILURE_WINDOW_SECONDS refuse the address (one address trying many
  accounts, or one account many times across windows).
The counters live in the default cache: Redis in production, so every worker process
counts the same failures (local memory would give each worker its own count).
"""

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache as default_cache
from django.shortcuts import redirect, resolve_url
from django.views.decorators.http import require_POST

from .. import policy

KEY_PREFIX = "login-failures"


def client_address(request) -> str:
    """The client's IP address. Behind TRUSTED_PROXY_COUNT reverse proxies it is the entry
    that many places from the end of X-Forwarded-For (each proxy appends the address it
    saw; entries further left are whatever the client sent, so never trusted)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "unknown"


@dataclass(frozen=True)
class FailureCounter:
    key: str
    limit: int
    window_seconds: int


def failure_counters(username: str, address: str) -> list[FailureCounter]:
    """The counters a failed login of `username` from `address` adds to.

    The username is compared as people type it (case and surrounding spaces ignored) and
    hashed: it is whatever was posted, and cache keys must stay short and plain.
    """
    typed = username.strip().lower()
    pair = hashlib.sha256(f"{typed}\n{address}".encode()).hexdigest()[:32]
    return [
        FailureCounter(
            f"{KEY_PREFIX}:user-address:{pair}",
            settings.LOGIN_FAILURE_LIMIT,
            settings.LOGIN_FAILURE_WINDOW_SECONDS,
        ),
        FailureCounter(
            f"{KEY_PREFIX}:address:{address}",
            settings.LOGIN_ADDRESS_FAILURE_LIMIT,
            settings.LOGIN_ADDRESS_FAILURE_WINDOW_SECONDS,
        ),
    ]


def login_refused_for(username: str, address: str, *, cache=default_cache) -> int | None:
    """The window (seconds) of a counter at its limit, or None when this login may be tried."""
    counters = failure_counters(username, address)
    counts = cache.get_many([counter.key for counter in counters])
    for counter in counters:
        if counts.get(counter.key, 0) >= counter.limit:
            return counter.window_seconds
    return None


def login_failure_count(username: str, address: str, *, cache=default_cache) -> None:
    for counter in failure_counters(username, address):
        # `add` starts the window; `incr` is atomic (Redis INCR, which keeps the expiry).
        cache.add(counter.key, 0, counter.window_seconds)
        try:
            cache.incr(counter.key)
        except ValueError:  # the window ended between the two calls: a new one starts
            cache.set(counter.key, 1, counter.window_seconds)


def login_success_clear(username: str, address: str, *, cache=default_cache) -> None:
    """Forget the pair's failures. The address's count stays: logging in to one's own
    account must not reset the count of guesses at other people's."""
    pair, _address = failure_counters(username, address)
    cache.delete(pair.key)


class ThrottledLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def _attempt(self) -> tuple[str, str]:
        return self.request.POST.get("username", ""), client_address(self.request)

    def get_success_url(self):
        # The site's root is "the start page" (it is where LoginRequiredMiddleware sends
        # `next` for someone who just opened the site): that depends on the role.
        url = self.get_redirect_url()
        if url and url != "/":
            return url
        return resolve_url(policy.landing_page(self.request.user))

    def post(self, request, *args, **kwargs):
        window = login_refused_for(*self._attempt())
        if window is not None:
            minutes = max(1, window // 60)
            form = self.get_form()
            form.add_error(None, f"Too many failed attempts. Try again in {minutes} minutes.")
            response = super().form_invalid(form)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failure_count(*self._attempt())
        return super().form_invalid(form)

    def form_valid(self, form):
        login_success_clear(*self._attempt())
        return super().form_valid(form)


login_view = login_not_required(ThrottledLoginView.as_view())


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)
