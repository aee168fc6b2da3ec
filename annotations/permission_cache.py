"""Which permissions a user has, kept in the shared cache instead of read on every request.

Django's ModelBackend reads a user's permissions with two joined queries (their own and
their groups') the first time a request asks `has_perm`, and every annotate request
asks. Roles change rarely; requests are many (a desk of annotators creates several spans
a second, and every open screen polls). So the set is cached per user, under a
*generation*: any change to who has which permission (a user's groups or permissions, a
group's permissions, a group or permission saved or deleted, a migrate, which syncs the
roles) moves the generation on, and every cached set is then stale at once. With the
production cache (Redis, shared by every app server and worker) a change is seen by the
next request anywhere; with a per-process cache (development), by the process that made
it at once and by others within `PERMISSIONS_TIMEOUT`.

One cache round trip per request: the generation and the user's entry are read together,
and the entry names the generation it was computed under. A lost generation (evicted,
the cache restarted) is replaced by a new unique one, never by a value an old entry
could carry. Whether the user is active or a superuser is read from the user's row as
before (`User.has_perm`), never from the cache.
"""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from . import statements

GENERATION_KEY = "workbench:permissions:generation"
PERMISSIONS_TIMEOUT = 60  # seconds; bounds staleness where the cache is per process


def _user_key(user) -> str:
    # The join date tells apart two accounts that had the same id (a database restored or
    # flushed under a long-lived cache).
    joined = user.date_joined.timestamp() if user.date_joined else 0
    return f"workbench:permissions:user:{user.pk}:{joined}"


def _new_generation() -> int:
    return time.time_ns()


def current_generation() -> int:
    """The generation, made if the cache has none (never a value used before)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _move_generation() -> None:
    cache.set(GENERATION_KEY, _new_generation(), timeout=None)


def permissions_changed(**_) -> None:
    """Every cached permission set is stale from now on (a signal receiver). Again when
    the change commits: a request elsewhere may have read and cached the old rows between
    the change and its commit."""
    _move_generation()
    transaction.on_commit(_move_generation)


def _user_by_id(user_id):
    model = get_user_model()
    return model._default_manager.filter(pk=user_id).values_list(*statements.field_names(model))


# The signed-in user, read on every request: one statement built once per process.
USER_BY_ID = statements.PreparedQuery(_user_by_id, "user_id")


class CachedPermissionsBackend(ModelBackend):
    """ModelBackend, with `get_all_permissions` for the user's own permissions (obj None)
    answered from the cache when it holds the current generation's set, and `get_user`
    (every request's) reading the user with a statement built once (`statements`)."""

    def get_user(self, user_id):
        if type(user_id) is not int:  # the session holds what the user model's pk parsed
            return super().get_user(user_id)
        rows = USER_BY_ID.rows(user_id=user_id)
        if not rows:
            return None
        user = statements.instance(get_user_model(), rows[0])
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = _user_key(user_obj)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        entry = found.get(key)
        if generation is not None and entry is not None and entry[0] == generation:
            user_obj._perm_cache = set(entry[1])
            return user_obj._perm_cache
        if generation is None:
            generation = current_generation()
        permissions = super().get_all_permissions(user_obj)
        cache.set(key, (generation, frozenset(permissions)), PERMISSIONS_TIMEOUT)
        return permissions


def connect_signals() -> None:
    """Move the generation on whenever who holds which permission may have changed."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

    user_model = get_user_model()
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(permissions_changed, sender=through, weak=False)
    for model in (Group, Permission):
        post_save.connect(permissions_changed, sender=model, weak=False)
        post_delete.connect(permissions_changed, sender=model, weak=False)
    post_migrate.connect(permissions_changed, weak=False)
