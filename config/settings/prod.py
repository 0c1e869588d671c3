"""Production: refuses to start without its secrets; HTTPS-only cookies and HSTS."""

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str, require_env

from .base import *  # noqa: F403

_required = require_env(
    "SECRET_KEY",
    "AUDIT_HMAC_KEY",
    "AUDIT_HEAD_SIGNING_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "EVIDENCE_KEYS",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
)

SECRET_KEY = _required["SECRET_KEY"]
AUDIT_HMAC_KEY = _required["AUDIT_HMAC_KEY"]
AUDIT_HEAD_SIGNING_KEY = _required["AUDIT_HEAD_SIGNING_KEY"]
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
EVIDENCE_KEYS = env_list("EVIDENCE_KEYS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
DATABASES = {"default": dj_database_url.parse(_required["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)}
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

SITE_URL = env_str("SITE_URL", "https://%s" % ALLOWED_HOSTS[0] if ALLOWED_HOSTS else "")
# Notifications go out through SMTP; the relay's address and credentials from the environment.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 587),
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": 30,
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@%s" % ALLOWED_HOSTS[0] if ALLOWED_HOSTS else "")
