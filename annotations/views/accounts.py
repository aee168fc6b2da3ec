"""Login and logout, with failed logins throttled per username and per client address."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.shortcuts import redirect, resolve_url
from django.views.decorators.http import require_POST

from .. import policy


def _failure_keys(request) -> list[str]:
    username = request.POST.get("username", "").strip().lower()
    address = request.META.get("REMOTE_ADDR", "")
    return [f"login-failures:user:{username}", f"login-failures:addr:{address}"]


def _is_throttled(request) -> bool:
    return any(cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT for key in _failure_keys(request))


def _count_failure(request) -> None:
    for key in _failure_keys(request):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW_SECONDS)
        cache.incr(key)


class ThrottledLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        # The site's root is "the start page" (it is where LoginRequiredMiddleware sends
        # `next` for someone who just opened the site): that depends on the role.
        url = self.get_redirect_url()
        if url and url != "/":
            return url
        return resolve_url(policy.landing_page(self.request.user))

    def post(self, request, *args, **kwargs):
        if _is_throttled(request):
            minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
            form = self.get_form()
            form.add_error(None, f"Too many failed attempts. Try again in {minutes} minutes.")
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if self.request.method == "POST" and not _is_throttled(self.request):
            _count_failure(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        for key in _failure_keys(self.request):
            cache.delete(key)
        return super().form_valid(form)


login_view = login_not_required(ThrottledLoginView.as_view())


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)
