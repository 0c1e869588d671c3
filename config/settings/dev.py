"""Local development: DEBUG on, embedded PostgreSQL unless DATABASE_URL is set."""

from config.embedded_postgres import embedded_database
from config.env import env_list, env_str

from .base import *  # noqa: F403
from .base import DATABASES, EMBEDDED_POSTGRES_DIR

DEBUG = True
# Not a secret: development only. Production settings refuse to start without their own.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", "dev-only-audit-chain-key")
AUDIT_HEAD_SIGNING_KEY = env_str("AUDIT_HEAD_SIGNING_KEY", "ZGV2LW9ubHktYXVkaXQtaGVhZC1rZXktbm90LXNlY3I=")
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1hLXNlY3JldCE=")

if not DATABASES:
    DATABASES = {"default": embedded_database(EMBEDDED_POSTGRES_DIR, "cases")}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {"BACKEND": "vault.blobs.EvidenceStorage"},
}
# Not secret: development only. Production settings refuse to start without their own keys.
EVIDENCE_KEYS = env_list("EVIDENCE_KEYS", "dev1:ZGV2LW9ubHktZXZpZGVuY2Uta2V5LW5vdC1zZWNyZXQ=")
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
