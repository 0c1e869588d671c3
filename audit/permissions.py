"""Who may read the audit trail: auditors see events and metadata, never case content."""

from django.contrib.auth.models import AbstractUser, AnonymousUser

VIEW_AUDIT_TRAIL = "audit.view_auditevent"
EXPORT_SUBJECT_ACCESS = "audit.export_subject_access"


def may_audit(user: AbstractUser | AnonymousUser) -> bool:
    """Search, export and review the trail (the auditors' workspace)."""
    return user.has_perm(VIEW_AUDIT_TRAIL)


def may_export_subject_access(user: AbstractUser | AnonymousUser) -> bool:
    """Every event concerning one account, for a subject access request."""
    return user.has_perm(EXPORT_SUBJECT_ACCESS)
