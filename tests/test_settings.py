"""Production settings are safe: check --deploy is clean, bad knobs fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from workbench.settings import env_bool, env_int, env_list

REPO = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "SECRET_KEY": "x9$Kq2!vLp7@Zr4#Tn8^Wb3&Yc6*Hd1(Mf5)Gj0-Ns9=Pe2+Ua7_Qi4~Ro8Vt3Xs6",
    "ALLOWED_HOSTS": "workbench.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://workbench.example.org",
    "DATABASE_URL": "sqlite:////tmp/workbench-deploy-check.sqlite3",
}


# Set by workbench/testing.py for the test run; production has none of them.
TEST_ONLY_VARIABLES = {
    "WORKBENCH_DEBUG",
    "WORKBENCH_PLAIN_STATIC",
    "SECRET_KEY",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "CACHE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set while Playwright's event loop runs
}


def manage(*args, **env_overrides):
    env = {key: value for key, value in os.environ.items() if key not in TEST_ONLY_VARIABLES}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_typo_in_a_yes_no_variable_fails_loudly(monkeypatch):
    monkeypatch.setenv("WORKBENCH_SOME_FLAG", "ture")

    with pytest.raises(ImproperlyConfigured, match="yes/no"):
        env_bool("WORKBENCH_SOME_FLAG")


def test_integer_and_list_variables_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("WORKBENCH_N", "12")
    monkeypatch.setenv("WORKBENCH_HOSTS", " a.example , b.example ,")
    monkeypatch.setenv("WORKBENCH_BAD", "12MB")

    assert env_int("WORKBENCH_N", 1) == 12
    assert env_list("WORKBENCH_HOSTS", []) == ["a.example", "b.example"]
    with pytest.raises(ImproperlyConfigured, match="integer"):
        env_int("WORKBENCH_BAD", 1)


def test_debug_is_off_unless_asked():
    show_debug = ["shell", "-c", "from django.conf import settings; print(settings.DEBUG)"]

    assert manage(*show_debug, **PRODUCTION_ENV).stdout.strip().splitlines()[-1] == "False"
    assert (
        manage(*show_debug, **PRODUCTION_ENV, WORKBENCH_DEBUG="1").stdout.strip().splitlines()[-1]
        == "True"
    )


def test_the_content_security_policy_forbids_inline_and_eval(client):
    from django.conf import settings
    from django.utils.csp import CSP

    policy = settings.SECURE_CSP
    assert CSP.UNSAFE_INLINE not in policy["script-src"]
    assert CSP.UNSAFE_EVAL not in policy["script-src"]
    assert CSP.UNSAFE_INLINE not in policy["style-src"]


SHOW_CACHE = ["shell", "-c", "from django.conf import settings; print(settings.CACHES['default'])"]


def test_production_shares_one_redis_cache_between_workers_by_default():
    output = manage(*SHOW_CACHE, **PRODUCTION_ENV).stdout.strip().splitlines()[-1]

    assert "django.core.cache.backends.redis.RedisCache" in output
    assert "redis://127.0.0.1:6379/0" in output


def test_development_and_an_explicit_url_choose_their_cache():
    development = manage(*SHOW_CACHE, **PRODUCTION_ENV, WORKBENCH_DEBUG="1")
    chosen = manage(*SHOW_CACHE, **PRODUCTION_ENV, CACHE_URL="redis://cache.internal:6380/2")

    assert "LocMemCache" in development.stdout
    assert "redis://cache.internal:6380/2" in chosen.stdout


def test_a_cache_url_typo_fails_loudly():
    result = manage("check", **PRODUCTION_ENV, CACHE_URL="reddis://127.0.0.1:6379/0")

    assert result.returncode != 0
    assert "CACHE_URL must be a redis:// or locmem:// url" in result.stderr
