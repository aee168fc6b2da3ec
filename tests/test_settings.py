"""Production settings are safe: check --deploy is clean, bad knobs fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from workbench.settings import env_bool, env_int, env_list, read_env_file

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

    assert "workbench.cache.ReusedClientRedisCache" in output
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


# ---- the local environment file `make run` writes ----


def manage_in_clean_environment(*args, **env):
    """manage.py as a newcomer runs it: nothing in the environment but PATH and `env`."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env_file(tmp_path):
    """An environment file written by the Makefile's own rule, as `make run` writes .env."""
    path = tmp_path / "env"
    result = subprocess.run(
        ["make", "-s", f"ENV_FILE={path}", str(path)], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return path


def test_make_writes_development_mode_and_a_fresh_secret_key_once(env_file, tmp_path):
    values = read_env_file(env_file)
    assert values["WORKBENCH_DEBUG"] == "1"
    assert len(values["SECRET_KEY"]) >= 50
    assert env_file.stat().st_mode & 0o777 == 0o600
    before = env_file.read_text()

    subprocess.run(["make", "-s", f"ENV_FILE={env_file}", str(env_file)], cwd=REPO, check=True)

    assert env_file.read_text() == before  # never overwritten
    other = tmp_path / "other"
    subprocess.run(["make", "-s", f"ENV_FILE={other}", str(other)], cwd=REPO, check=True)
    assert read_env_file(other)["SECRET_KEY"] != values["SECRET_KEY"]


def test_manage_py_works_as_shown_with_only_the_env_file(env_file, tmp_path):
    # The database as `make run` leaves it (var/ exists); here in a scratch directory.
    database = f"sqlite:///{tmp_path / 'workbench.sqlite3'}"

    result = manage_in_clean_environment(
        "check", WORKBENCH_ENV_FILE=str(env_file), DATABASE_URL=database
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_the_env_file_or_a_secret_key_manage_py_still_refuses():
    result = manage_in_clean_environment("check", WORKBENCH_ENV_FILE="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr and "make run" in result.stderr


def test_the_env_file_is_dotenv_at_the_repository_root_by_default():
    env = {key: value for key, value in PRODUCTION_ENV.items()}
    show = ["shell", "-c", "from django.conf import settings; print(settings.ENV_FILE)"]

    result = manage_in_clean_environment(*show, **env)

    assert result.stdout.strip().splitlines()[-1] == str(REPO / ".env")


def test_real_environment_variables_win_over_the_env_file(env_file):
    show_debug = ["shell", "-c", "from django.conf import settings; print(settings.DEBUG)"]

    result = manage_in_clean_environment(
        *show_debug, WORKBENCH_ENV_FILE=str(env_file), WORKBENCH_DEBUG="0", **PRODUCTION_ENV
    )

    assert result.stdout.strip().splitlines()[-1] == "False"


def test_an_env_file_that_is_named_but_missing_fails_loudly(tmp_path):
    result = manage_in_clean_environment("check", WORKBENCH_ENV_FILE=str(tmp_path / "nope"))

    assert result.returncode != 0
    assert "WORKBENCH_ENV_FILE names no file" in result.stderr


def test_the_env_file_parser_is_strict(tmp_path):
    path = tmp_path / "env"
    path.write_text("# a comment\n\nA=1\nB = 'two words' \nC=\"x=y\"\nD=\n")
    assert read_env_file(path) == {"A": "1", "B": "two words", "C": "x=y", "D": ""}

    path.write_text("A=1\nexport B=2\n")
    with pytest.raises(ImproperlyConfigured, match="line 2: expected KEY=VALUE"):
        read_env_file(path)
    path.write_text("just words\n")
    with pytest.raises(ImproperlyConfigured, match="line 1"):
        read_env_file(path)


def test_the_test_run_reads_no_env_file(settings):
    assert settings.ENV_FILE == ""


SHOW_DATABASE_OPTIONS = [
    "shell",
    "-c",
    "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'])",
]


def test_postgresql_prepares_the_statements_a_connection_repeats_unless_told_not_to():
    env = PRODUCTION_ENV | {"DATABASE_URL": "postgres://app@db.internal/wb?sslmode=require"}
    prepared = manage(*SHOW_DATABASE_OPTIONS, **env)
    plain = manage(*SHOW_DATABASE_OPTIONS, **env, DATABASE_PREPARED_STATEMENTS="0")
    typo = manage(*SHOW_DATABASE_OPTIONS, **env, DATABASE_PREPARED_STATEMENTS="nope")

    options = prepared.stdout.strip().splitlines()[-1]
    assert "'server_side_binding': True" in options and "'prepare_threshold': 2" in options
    assert "'sslmode': 'require'" in options  # the url's own options are kept
    assert "server_side_binding" not in plain.stdout
    assert typo.returncode != 0 and "DATABASE_PREPARED_STATEMENTS" in typo.stderr
