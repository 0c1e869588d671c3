"""Typed audit actions and outcomes. New features add their actions here, never free strings."""

from django.db import models


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", "Logged in"
    LOGOUT = "auth.logout", "Logged out"
    LOGIN_FAILED = "auth.login_failed", "Failed log-in"
    LOCKED_OUT = "auth.locked_out", "Locked out after repeated failures"
    ACCESS_DENIED = "access.denied", "Access denied"
    PERMISSION_GRANTED = "access.permission_granted", "Object permission granted"
    PERMISSION_REVOKED = "access.permission_revoked", "Object permission revoked"
    DASHBOARD_VIEWED = "page.dashboard_viewed", "Dashboard viewed"
    USER_LIST_VIEWED = "accounts.user_list_viewed", "User list viewed"
    AUDIT_LOG_VIEWED = "audit.log_viewed", "Audit log viewed"
    REFERRAL_VIEWED = "referral.viewed", "Referral viewed"
    DEMO_DATA_SEEDED = "system.demo_data_seeded", "Demo data created"


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"
