"""Authentication events into the audit trail (infrastructure signals, not domain logic)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from audit.choices import AuditAction, Outcome
from audit.services import record_event

ATTEMPTED_USERNAME_MAX_LENGTH = 150


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender: type[AbstractBaseUser], request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
    record_event(AuditAction.LOGIN, actor=user, target=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(
    sender: type[AbstractBaseUser | None], request: HttpRequest, user: AbstractBaseUser | None, **kwargs: Any
) -> None:
    if user is not None:
        record_event(AuditAction.LOGOUT, actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(
    sender: str,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    second_factor_stage: str | None = None,
    **kwargs: Any,
) -> None:
    """A wrong password, or (sent by accounts.mfa with the stage) a wrong second-factor code."""
    attempted = str(credentials.get(get_user_model().USERNAME_FIELD, ""))[:ATTEMPTED_USERNAME_MAX_LENGTH]
    record_event(
        AuditAction.MFA_FAILED if second_factor_stage else AuditAction.LOGIN_FAILED,
        outcome=Outcome.DENIED,
        target_type="accounts.user",
        target_ref=attempted,
        detail={"stage": second_factor_stage} if second_factor_stage else None,
    )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def record_locked_out(
    sender: str, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    record_event(
        AuditAction.LOCKED_OUT,
        outcome=Outcome.DENIED,
        target_type="accounts.user",
        target_ref=str(username or "")[:ATTEMPTED_USERNAME_MAX_LENGTH],
    )
