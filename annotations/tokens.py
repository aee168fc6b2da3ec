"""API tokens for scripts: create (the secret is shown once), authenticate, revoke; scopes.

Only a SHA-256 hash of each secret is stored, with its first characters as a prefix a
person can recognise in a list: a copy of the database gives no usable token. The secrets
are 256 random bits, so a plain hash (no salt, no slow KDF) is enough and lets a request be
authenticated with one indexed lookup.

A token carries scopes (`Scope`: read, annotate, review, export) chosen when it is made,
among those the user's role allows (`scopes_allowed`, which asks the policy module). A
scope only narrows: every request made with the token is still checked against the user's
role by the same policy functions the screens use, so a role taken away later takes the
token's power with it.
"""

import hashlib
import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from . import policy
from .models import ApiToken, Scope
from .policy import Action

SECRET_PREFIX = "wbt_"  # recognisable in logs and by secret scanners
PREFIX_LENGTH = 12  # ApiToken.prefix: "wbt_" and 8 random characters


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# The action of the policy that a role must allow for a token of that scope: the scope
# names what a script may do, the role what the person may do.
SCOPE_ACTIONS = {
    Scope.READ: Action.VIEW_ARTICLES,
    Scope.ANNOTATE: Action.CREATE_ANNOTATION,
    Scope.REVIEW: Action.VIEW_QUEUE,
    Scope.EXPORT: Action.EXPORT,
}


def scopes_allowed(user) -> list[Scope]:
    """The scopes `user`'s role allows, in `Scope` order (none for someone without a role)."""
    return [scope for scope, action in SCOPE_ACTIONS.items() if policy.allows(user, action)]


def token_create(*, user, name: str, scopes: Iterable[str] | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret; the secret is not stored and cannot be shown again.

    `scopes` defaults to every scope the user's role allows; asking for one it does not
    allow is refused (PermissionDenied), as is an unknown one (ValidationError).
    """
    allowed = scopes_allowed(user)
    if not allowed:
        raise PermissionDenied("Your role does not allow using the API.")
    wanted = set(allowed if scopes is None else scopes)
    unknown = sorted(wanted - set(Scope.values))
    if unknown:
        raise ValidationError(f"Unknown scope {unknown[0]!r}: use {', '.join(Scope.values)}.")
    if not wanted:
        raise ValidationError("Choose at least one scope.")
    refused = [scope for scope in Scope if scope in wanted and scope not in allowed]
    if refused:
        raise PermissionDenied(f"Your role does not allow the scope “{refused[0]}”.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=secret[:PREFIX_LENGTH],
        key_hash=_hash(secret),
        scopes=" ".join(scope.value for scope in Scope if scope in wanted),
    )
    return token, secret


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret (its user loaded), or None if unknown or revoked.

    Records when it was used, so people can see which tokens are still in use.
    """
    if not secret or not secret.startswith(SECRET_PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=_hash(secret), user__is_active=True)
        .first()
    )
    if token is not None:
        token.last_used_at = timezone.now()
        # A targeted UPDATE: concurrent requests with the same token do not fight over the row.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    return token


def token_revoke(*, token_id: int, user) -> ApiToken:
    """Revoke a token: its owner may, and so may whoever manages tokens (editors, in the admin).

    Revoking twice is harmless; the first revocation time is kept.
    """
    token = ApiToken.objects.get(pk=token_id)
    if token.user_id != user.pk and not user.has_perm("annotations.change_apitoken"):
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.refresh_from_db(fields=["revoked_at"])
    return token
