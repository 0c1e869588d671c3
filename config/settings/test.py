"""Test settings: production-like (DEBUG off) on the embedded PostgreSQL, with a fast hasher."""

from config.embedded_postgres import embedded_database
from config.env import env_str

from .base import *  # noqa: F403
from .base import DATABASES, EMBEDDED_POSTGRES_DIR

SECRET_KEY = "test-only-insecure-key"  # noqa: S105 (tests only; not a secret)
AUDIT_HMAC_KEY = "test-only-audit-chain-key"
AUDIT_HEAD_SIGNING_KEY = "dGVzdC1vbmx5LWF1ZGl0LWhlYWQta2V5LW5vLXNlY3I="
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS1ub3QtYS1zZWNyZXQ="]
# Events are chained as each test's transaction commits, with no chainer process to start.
AUDIT_CHAIN_AFTER_COMMIT = True
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo-pass-2026!")

if not DATABASES:
    DATABASES = {"default": embedded_database(EMBEDDED_POSTGRES_DIR, "cases")}
# The test runner creates and drops its own database beside the development one; benchmarks use
# another name so that `make bench` and `make test` can run at the same time.
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_cases")}

# Password hashing dominates test time with the production hasher; tests do not test it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {"BACKEND": "vault.blobs.EvidenceStorage"},
}
EVIDENCE_KEYS = ["test1:dGVzdC1vbmx5LWV2aWRlbmNlLWtleS1uby1zZWNyZXQ="]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Serve static files straight from static/ (no collectstatic), as development does.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# django-otp slows every code after a wrong one (1 s, 2 s, 4 s...); tests that type a wrong code and
# then the right one would wait. tests/accounts/test_second_factor.py switches it back on to test it.
OTP_TOTP_THROTTLE_FACTOR = 0
