"""Settings for several app servers behind a proxy: the HTTPS header to trust, forwarded hosts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from workbench.settings import proxy_ssl_header

REPO = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "WORKBENCH_ENV_FILE": "",
    "SECRET_KEY": "x9$Kq2!vLp7@Zr4#Tn8^Wb3&Yc6*Hd1(Mf5)Gj0-Ns9=Pe2+Ua7_Qi4~Ro8Vt3Xs6",
    "ALLOWED_HOSTS": "workbench.example.org",
    "DATABASE_URL": "sqlite:////tmp/workbench-proxy-check.sqlite3",
}


def production_setting(name: str, **env) -> str:
    """repr() of a setting as production computes it from these variables."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WORKBENCH_", "SECURE_")) and key != "SECRET_KEY"
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import workbench.settings as s; print(repr(s.{name}))"],
        cwd=REPO,
        env={**clean, **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_proxy_header_is_x_forwarded_proto_by_default():
    assert production_setting("SECURE_PROXY_SSL_HEADER") == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_another_proxy_header_can_be_named():
    value = production_setting("SECURE_PROXY_SSL_HEADER", PROXY_SSL_HEADER="X-Forwarded-Ssl: on")

    assert value == "('HTTP_X_FORWARDED_SSL', 'on')"


def test_without_a_proxy_no_header_is_trusted():
    assert production_setting("SECURE_PROXY_SSL_HEADER", PROXY_SSL_HEADER="off") == "None"


@pytest.mark.parametrize("raw", ["X-Forwarded-Proto", "X Forwarded: https", ": https", "Name:"])
def test_a_malformed_proxy_header_fails_loudly(raw):
    with pytest.raises(ImproperlyConfigured, match="PROXY_SSL_HEADER"):
        proxy_ssl_header(raw)


def test_forwarded_hosts_are_trusted_only_when_asked():
    assert production_setting("USE_X_FORWARDED_HOST") == "False"
    assert production_setting("USE_X_FORWARDED_HOST", USE_X_FORWARDED_HOST="1") == "True"


@pytest.mark.django_db
def test_behind_the_proxy_a_forwarded_host_is_the_host(client, settings):
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["workbench.example.org"]

    response = client.get(
        "/login/", headers={"Host": "10.0.0.5:8000", "X-Forwarded-Host": "workbench.example.org"}
    )

    assert response.status_code == 200
