"""Break-glass: a director's time-limited, reasoned, flagged opening of a case off their team."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from accounts.permissions import holders_of
from audit.choices import AuditAction
from audit.permissions import VIEW_AUDIT_TRAIL
from audit.services import record_event
from casework.models import BreakGlassAccess, Investigation
from casework.notices import notify_break_glass
from casework.permissions import active_break_glass, is_on_team, may_break_glass
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction


def break_glass(investigation: Investigation, *, actor: User, reason: str) -> BreakGlassAccess:
    """Open an investigation's content to a director or chief investigator off its team, for a while.

    The reason is required and recorded; the event is flagged for the auditors' review list.
    """
    if not may_break_glass(actor):
        raise PermissionDenied("Only directors and the chief investigator can open a case off their team.")
    reason = reason.strip()
    if len(reason) < settings.BREAK_GLASS_REASON_MIN_LENGTH:
        raise WorkflowError(
            "Give the reason you need to open this case (at least %s characters). Nothing was opened."
            % settings.BREAK_GLASS_REASON_MIN_LENGTH
        )
    if is_on_team(actor, investigation):
        raise WorkflowError("You are on this investigation's team and can already read its record.")
    with service_transaction():
        Investigation.objects.select_for_update(no_key=True).get(pk=investigation.pk)  # one opening at a time per case
        current = active_break_glass(actor, investigation)
        if current is not None:
            raise WorkflowError(
                "You already have this case open until %s." % timezone.localtime(current.expires_at).strftime("%H:%M")
            )
        now = timezone.now()
        access = BreakGlassAccess.objects.create(
            investigation=investigation,
            user=actor,
            reason=reason,
            opened_at=now,
            expires_at=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        )
        record_event(
            AuditAction.BREAK_GLASS_OPENED,
            actor=actor,
            target=investigation,
            detail={"break_glass": access.pk, "reason": reason[:1000], "expires_at": access.expires_at.isoformat()},
        )
        notify_break_glass(investigation, auditors=holders_of(VIEW_AUDIT_TRAIL))
    return access
