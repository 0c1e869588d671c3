"""Production settings, security headers, offline assets and styled error pages."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import path, reverse

from accounts.access import public
from config import urls as project_urls

PROJECT_ROOT = Path(settings.BASE_DIR)
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "a-production-like-secret-key-with-enough-length-and-variety-0123456789",
    "AUDIT_HMAC_KEY": "a-production-like-audit-key",
    "AUDIT_HEAD_SIGNING_KEY": "cHJvZHVjdGlvbi1saWtlLWtleS1mb3ItY2hlY2tzLTA=",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1saWtlLWtleS1mb3ItY2hlY2tzLTA=",
    "EVIDENCE_KEYS": "prod1:cHJvZHVjdGlvbi1saWtlLWtleS1mb3ItY2hlY2tzLTA=",
    "ALLOWED_HOSTS": "cases.example.org",
    "DATABASE_URL": "postgres://app@127.0.0.1:1/cases",
}


def run_python(*args, env):
    """Run the project's Python in a fresh process with only `env` as the production variables."""
    clean_env = {key: value for key, value in os.environ.items() if key not in PROD_ENV}
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_manage(*args, env):
    return run_python("manage.py", *args, env=env)


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "AUDIT_HMAC_KEY",
        "AUDIT_HEAD_SIGNING_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "EVIDENCE_KEYS",
        "DATABASE_URL",
        "ALLOWED_HOSTS",
    ],
)
def test_production_settings_refuse_to_start_without_required_variables(missing):
    env = {key: value for key, value in PROD_ENV.items() if key != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "refuse to start without" in result.stderr
    assert missing in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_static_files_collect(tmp_path):
    """The fingerprinting storage follows every reference in the CSS and JS (a missing source map failed it)."""
    result = run_manage("collectstatic", "--noinput", env={**PROD_ENV, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles.json").exists()


def test_production_turns_on_hsts_and_secure_cookies():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = run_python("-c", script, env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True", "False"]


def test_security_headers_on_every_page(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_pages_need_nothing_from_the_internet_and_no_inline_script(client, intake):
    client.force_login(intake)
    for url in (reverse("login"), reverse("dashboard")):
        html = client.get(url).content.decode()
        assert not re.search(r"""(src|href)=["']https?://""", html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script on %s" % url


def test_nhsuk_frontend_assets_are_served_locally(client):
    css = client.get("/assets/nhsuk/nhsuk-frontend.min.css")
    assert css.status_code == 200
    assert client.get("/assets/nhsuk/nhsuk-frontend.min.js").status_code == 200
    assert client.get("/assets/js/init.js").status_code == 200
    stylesheet = (PROJECT_ROOT / "static/nhsuk/nhsuk-frontend.min.css").read_text()
    for image in set(re.findall(r"url\(/assets/(images/[^)]+)\)", stylesheet)):
        assert (PROJECT_ROOT / "static" / image).exists(), image


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", public(crash), name="crash"), *project_urls.urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_page_is_styled_and_reveals_nothing(client):
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "nhsuk-header" in html
    assert "boom" not in html


def test_not_found_and_forbidden_pages_are_styled(client, intake):
    client.force_login(intake)
    not_found = client.get("/no-such-page/").content.decode()
    forbidden = client.get(reverse("audit:event_list")).content.decode()
    assert "Page not found" in not_found
    assert "nhsuk-header" in not_found
    assert "You do not have permission" in forbidden
    assert "nhsuk-header" in forbidden


@pytest.mark.parametrize("address", ["/no-such-page/", "/referrals/REF-2026-999999/"])
def test_a_page_not_found_with_debug_on_is_the_sites_own_page(client, intake, settings, address):
    """Development runs with DEBUG on: a wrong address or a missing object shows the designed page,
    not Django's technical one with the URL patterns."""
    settings.DEBUG = True
    client.force_login(intake)
    response = client.get(address)
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page
    assert "nhsuk-header" in page
    assert "DEBUG = True" not in page
    assert "URLconf" not in page


def test_form_without_csrf_token_is_refused_with_a_clear_message(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert "nothing was saved" in response.content.decode()
