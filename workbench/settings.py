"""Workbench settings: one module, every knob from the environment, safe defaults.

Development is `WORKBENCH_DEBUG=1`; anything else is production and refuses to start
without a real secret key. `make run` writes both to a local `.env` file (read below), so
every `manage.py` command in the working tree runs in development mode as well.
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Parse a yes/no variable strictly: a typo must not silently turn DEBUG on or off."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a yes/no value, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_ENV_FILE_KEY = re.compile(r"[A-Z][A-Z0-9_]*")


def read_env_file(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of an environment file; blank lines and `#` comments skipped.

    Strict, like the variables themselves: any other line fails loudly with its number.
    A value may be wrapped in matching single or double quotes, which are removed.
    """
    values = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not _ENV_FILE_KEY.fullmatch(key):
            raise ImproperlyConfigured(f"{path}, line {number}: expected KEY=VALUE, not {raw!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


# The local environment file: `make run` writes `.env` once (development mode and a secret
# key of its own), so the commands shown to a newcomer work as shown. Real environment
# variables win over it. WORKBENCH_ENV_FILE names another file, or none when empty (the
# test run sets that: a working tree and a fresh clone test the same settings).
ENV_FILE = os.environ.get("WORKBENCH_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    if Path(ENV_FILE).is_file():
        for _key, _value in read_env_file(Path(ENV_FILE)).items():
            os.environ.setdefault(_key, _value)
    elif "WORKBENCH_ENV_FILE" in os.environ:
        raise ImproperlyConfigured(f"WORKBENCH_ENV_FILE names no file: {ENV_FILE}")

DEBUG = env_bool("WORKBENCH_DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set outside development (WORKBENCH_DEBUG=1). "
            "In a working tree, `make run` writes both to .env."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789"

# Keyed hash for the pseudonymous user ids in exports; rotating it changes every id.
PSEUDONYM_KEY = os.environ.get("PSEUDONYM_KEY", SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a proxy that rewrites the Host header and passes the original in X-Forwarded-Host.
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # The job queue's table and its `db_worker` command (see TASKS below).
    "django_tasks_db",
    # django-ninja: the JSON API under /api/v1/; listed for its docs page's template and
    # static files (Swagger UI, served from our own static files, no CDN).
    "ninja",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the guards, so that their refusals get the same headers as every page.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Size, charset, NUL: refused before the session, CSRF or a view reads the request.
    "workbench.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "workbench.middleware.PrivateCacheMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                # The unread notifications in the navigation (cached, read only if shown).
                "annotations.notifications.navigation",
            ],
        },
    },
]

# SQLite under var/ by default: zero set-up. PostgreSQL in production and in CI.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'workbench.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a busy writer instead of failing at once; IMMEDIATE takes the write lock at
    # BEGIN so two concurrent transactions cannot deadlock on lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, and a statement run twice on a connection kept as a
    # prepared statement (psycopg's prepare_threshold): PostgreSQL parses and plans the
    # statements of every request once per connection. Database CPU per created span
    # 2.0-2.2 -> 1.5 ms (bench/bench_load.py). Behind a pooler in transaction mode, set
    # DATABASE_PREPARED_STATEMENTS=0 unless it keeps prepared statements (PgBouncer 1.21+,
    # max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Django's ModelBackend with each user's permission set kept in the cache (annotations/
# permission_cache.py): no permission queries on every request.
AUTHENTICATION_BACKENDS = ["annotations.permission_cache.CachedPermissionsBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "article_list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (annotations/views/accounts.py): failures per username *and* client
# address within the window (slows a guesser, never locks the owner out), and per address
# over every username within a longer window.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 300)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
LOGIN_ADDRESS_FAILURE_WINDOW_SECONDS = env_int("LOGIN_ADDRESS_FAILURE_WINDOW_SECONDS", 3600)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, the client
# is REMOTE_ADDR). Behind one proxy, REMOTE_ADDR is the proxy: every client would share it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)


def cache_from_url(url: str) -> dict:
    """A CACHES entry from a url: redis://, rediss:// or unix:// (Redis), or locmem://."""
    scheme = url.partition("://")[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        return {"BACKEND": "workbench.cache.ReusedClientRedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or locmem:// url, not {url!r}")


# The cache holds the login throttle's counters and the sessions' cached copies: every
# worker must see the same one in production (Redis); one process in development.
CACHES = {
    "default": cache_from_url(
        os.environ.get("CACHE_URL") or ("locmem://" if DEBUG else "redis://127.0.0.1:6379/0")
    )
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic writes the files whitenoise serves (one copy per app server).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Files of background jobs (uploads waiting for their import, prepared exports): private,
# never served by URL, only through permission-checked views. With workers on several
# machines this folder must be shared (a network volume), like the database.
JOB_FILES_DIR = Path(os.environ.get("JOB_FILES_DIR") or BASE_DIR / "var" / "job-files")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "jobs": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": JOB_FILES_DIR, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("WORKBENCH_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Imports: a file over this size is refused before it is read (and so is a file that
# grows past it once normalised to NFC).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# A whole request: refused by its Content-Length before it is read, and stopped while it
# streams. One file of the largest size fits, with room for the form around it.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", IMPORT_MAX_BYTES + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "workbench.middleware.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Webhooks (annotations/webhooks.py): seconds a receiver has to answer, and whether
# private, loopback and link-local addresses may receive deliveries (never in production
# unless asked: a URL an editor types must not reach the internal network).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", DEBUG)
# Background jobs: django.tasks with the database backend of django-tasks-db. The queue
# is a table in the application's database: no other server to run, a job is enqueued in
# the same transaction as the rows it is about, and workers on several machines share it
# (`manage.py db_worker`, one process per machine or more). annotations/tasks.py lists the
# jobs; annotations/jobs.py tracks each one (status, progress, retries, files).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Uploads larger than this in all are imported by a worker, not inside the request.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 2 * 1024 * 1024)
# Exports asked for on the page with more records than this are prepared as a file by a
# worker (the API endpoint keeps streaming for scripts).
EXPORT_BACKGROUND_RECORDS = env_int("EXPORT_BACKGROUND_RECORDS", 10_000)
# How long a prepared export file can be downloaded before it is deleted.
JOB_FILE_RETENTION_HOURS = env_int("JOB_FILE_RETENTION_HOURS", 72)
# The JSON API (annotations/api/): requests per token (or per user, with a session) in a
# fixed window, counted in the shared cache; more are answered 429 with Retry-After.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60)

# E-mail (notifications of decisions and @mentions, sent by the background worker):
# printed to the console in development, SMTP otherwise (Django 6.1's MAILERS).
EMAIL_SMTP = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else EMAIL_SMTP
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH == EMAIL_SMTP:
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
    if MAILERS["default"]["OPTIONS"]["use_tls"] and MAILERS["default"]["OPTIONS"]["use_ssl"]:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "workbench@localhost")

# Who signs the ClaimReview export.
CLAIMREVIEW_AUTHOR_NAME = os.environ.get("CLAIMREVIEW_AUTHOR_NAME", "Workbench fact-checking desk")
CLAIMREVIEW_AUTHOR_URL = os.environ.get("CLAIMREVIEW_AUTHOR_URL", "")
# Absolute base of the IRIs in exports (W3C annotation ids, ClaimReview urls).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Strict CSP: only our own files, scripts with a nonce; no inline styles, no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Sessions read from the cache first: the annotate screen polls every few seconds.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """`Header-Name: value` (the header the proxy sets on HTTPS requests) as Django's
    SECURE_PROXY_SSL_HEADER, or None for "off" (no proxy: nothing to trust)."""
    if raw.strip().lower() in ("off", "none"):
        return None
    name, colon, value = raw.partition(":")
    name, value = name.strip(), value.strip()
    if not colon or not re.fullmatch(r"[A-Za-z0-9-]+", name) or not value:
        raise ImproperlyConfigured(
            f"PROXY_SSL_HEADER must be `Header-Name: value` or off, not {raw!r}"
        )
    return "HTTP_" + name.upper().replace("-", "_"), value


# Liveness and readiness probes come from the load balancer or the orchestrator over plain
# HTTP, straight to an app server: redirecting them to HTTPS would fail every probe.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The proxy terminates TLS and says so in this header; trust it only behind a proxy
    # that always sets (or strips) it, or a client could claim HTTPS over plain HTTP.
    SECURE_PROXY_SSL_HEADER = proxy_ssl_header(
        os.environ.get("PROXY_SSL_HEADER") or "X-Forwarded-Proto: https"
    )
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
