"""Server-side sessions that belong to a user: listed, ended by their owner or an administrator,
ended all at once when an account is disabled, and limited in length as well as idle time.

`SESSION_ENGINE = "accounts.sessions"`: Django's database session store over `StaffSession`, whose
rows also record the user, address and browser. Idle expiry is Django's (`SESSION_COOKIE_AGE`,
renewed on every request); `SessionLifetimeMiddleware` ends a session `SESSION_ABSOLUTE_SECONDS`
after sign-in however active it is.
"""

import time
from datetime import UTC, datetime
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import timezone

from accounts.models import StaffSession
from accounts.outside import OUTSIDE_PERSON, OUTSIDE_SIGNED_IN_AT
from audit.choices import AuditAction
from audit.context import current_request_context
from audit.services import record_event
from kernel.transactions import service_transaction

SIGNED_IN_AT = "signed_in_at"
USER_AGENT_MAX_LENGTH = 300


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return StaffSession

    def create_model_instance(self, data) -> StaffSession:
        session = cast(StaffSession, super().create_model_instance(data))
        session.user_id = data.get("_auth_user_id")
        signed_in_at = data.get(SIGNED_IN_AT)
        session.signed_in_at = datetime.fromtimestamp(signed_in_at, UTC) if signed_in_at else None
        context = current_request_context()
        if context is not None:
            session.ip_address = context.ip_address
            session.user_agent = context.user_agent[:USER_AGENT_MAX_LENGTH]
        return session


@receiver(user_logged_in, dispatch_uid="session_signed_in_at")
def remember_sign_in_time(sender, request, user, **kwargs):
    request.session[SIGNED_IN_AT] = time.time()
    # A staff sign-in ends any outside person's session in the same browser: one identity at a time.
    for key in (OUTSIDE_PERSON, OUTSIDE_SIGNED_IN_AT):
        request.session.pop(key, None)


class SessionLifetimeMiddleware:
    """Ends a session SESSION_ABSOLUTE_SECONDS after sign-in, however active (idle expiry is Django's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in_at = request.session.get(SIGNED_IN_AT)
        if signed_in_at is not None and time.time() - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS:
            user = request.user if request.user.is_authenticated else None
            record_event(AuditAction.SESSION_EXPIRED, actor=user, target=user, detail={"reason": "absolute lifetime"})
            logout(request)
            messages.info(request, "Your session reached its time limit. Sign in again to carry on.")
            return redirect("login")
        return self.get_response(request)


def active_sessions(user):
    return StaffSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by("-last_seen_at")


def end_session(user, public_id: str, *, actor) -> bool:
    """End one of `user`'s sessions, named by its public id; False if there is no such session."""
    with service_transaction():
        for session in active_sessions(user).select_for_update():
            if session.public_id == public_id:
                session.delete()
                record_event(AuditAction.SESSION_ENDED, actor=actor, target=user, detail={"session": public_id})
                return True
    return False


def end_all_sessions(user, *, actor, reason: str, keep_session_key: str | None = None) -> int:
    """End every session of `user` (but `keep_session_key`, the caller's own, when given)."""
    with service_transaction():
        sessions = StaffSession.objects.filter(user=user)
        if keep_session_key:
            sessions = sessions.exclude(session_key=keep_session_key)
        ended, _ = sessions.delete()
        record_event(AuditAction.SESSIONS_ENDED, actor=actor, target=user, detail={"count": ended, "reason": reason})
    return ended


def disable_account(user, *, actor, reason: str) -> None:
    """Disable the account and end all its sessions at once (its cookies then reach nothing)."""
    with service_transaction():
        user.is_active = False
        user.save(update_fields=["is_active"])
        record_event(AuditAction.ACCOUNT_DISABLED, actor=actor, target=user, detail={"reason": reason[:300]})
        end_all_sessions(user, actor=actor, reason="account disabled")
