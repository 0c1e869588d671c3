"""Secretary of State directions: registered by one director, approved by another (two-person rule), varied, revoked."""

from datetime import date
from typing import cast

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from accounts.permissions import holders_of
from audit.choices import AuditAction
from audit.services import record_event
from casework.models import Direction, DirectionState, DirectionVariation, Investigation
from casework.notices import notify_direction_waiting
from casework.permissions import APPROVE_DIRECTION, may_approve_direction, may_register_direction
from casework.services.lifecycle import _require_reason, discontinue
from casework.services.opening import open_investigation
from kernel.errors import WorkflowError
from kernel.history import save_with_history_reason
from kernel.transactions import service_transaction


def register_direction(
    *, actor: User, title: str, issued_on: date, scope: str, mandated_report_date: date | None = None
) -> Direction:
    if not may_register_direction(actor):
        raise PermissionDenied("Only a director can register a direction.")
    if issued_on > timezone.localdate():
        raise WorkflowError("A direction cannot be issued in the future.")
    if mandated_report_date is not None and mandated_report_date < issued_on:
        raise WorkflowError("The mandated report date cannot be before the direction was issued.")
    with service_transaction():
        direction = Direction.objects.create(
            title=title,
            issued_on=issued_on,
            scope=scope,
            mandated_report_date=mandated_report_date,
            registered_by=actor,
        )
        record_event(AuditAction.DIRECTION_REGISTERED, actor=actor, target=direction)
        notify_direction_waiting(direction.notice_ref, registrant=actor, approvers=holders_of(APPROVE_DIRECTION))
    return direction


def approve_direction(direction: Direction, *, actor: User) -> Investigation:
    """A second director or the chief investigator approves: a directed investigation is created."""
    if not may_approve_direction(actor):
        raise PermissionDenied("Only a director or the chief investigator can approve a direction.")
    with service_transaction():
        locked = Direction.objects.select_for_update(no_key=True).get(pk=direction.pk)
        if locked.registered_by_id == actor.pk:
            raise WorkflowError("You registered this direction, so someone else must approve it (two-person rule).")
        if locked.state != DirectionState.REGISTERED:
            raise WorkflowError(
                "This direction is already %s; nothing was changed." % locked.get_state_display().lower()
            )
        investigation = open_investigation(
            actor=actor, title=locked.title, directed=True, due_date=locked.mandated_report_date
        )
        locked.state = DirectionState.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.investigation = investigation
        locked.save()
        record_event(
            AuditAction.DIRECTION_APPROVED,
            actor=actor,
            target=locked,
            detail={"investigation": investigation.reference},
        )
    return investigation


def vary_direction(
    direction: Direction, *, actor: User, issued_on: date, summary: str, mandated_report_date: date | None = None
) -> DirectionVariation:
    """A new version of the direction; a new mandated date moves the investigation's due date."""
    if not may_register_direction(actor):
        raise PermissionDenied("Only a director can record a variation.")
    with service_transaction():
        locked = Direction.objects.select_for_update(no_key=True).get(pk=direction.pk)
        if locked.state != DirectionState.APPROVED:
            raise WorkflowError("Only an approved direction in force can be varied.")
        if issued_on < locked.issued_on or issued_on > timezone.localdate():
            raise WorkflowError("A variation is issued after the direction and not in the future.")
        if mandated_report_date is not None and mandated_report_date < issued_on:
            raise WorkflowError("The mandated report date cannot be before the variation was issued.")
        latest = locked.variations.first()
        variation = DirectionVariation.objects.create(
            direction=locked,
            version=(latest.version + 1) if latest else 2,
            issued_on=issued_on,
            mandated_report_date=mandated_report_date,
            summary=summary,
            registered_by=actor,
        )
        investigation = locked.investigation
        if mandated_report_date is not None and investigation is not None:
            investigation.due_date = mandated_report_date
            save_with_history_reason(investigation, "direction varied", update_fields=["due_date"])
        record_event(
            AuditAction.DIRECTION_VARIED,
            actor=actor,
            target=locked,
            detail={"version": variation.version, "due": str(mandated_report_date or "")},
        )
    return variation


def revoke_direction(direction: Direction, *, actor: User, revoked_on: date, reason: str) -> Direction:
    """Revocation discontinues the directed investigation (with its published statement)."""
    if not may_register_direction(actor):
        raise PermissionDenied("Only a director can record a revocation.")
    _require_reason(reason, "the revocation")
    with service_transaction():
        locked = Direction.objects.select_for_update(no_key=True).get(pk=direction.pk)
        if locked.state != DirectionState.APPROVED:
            raise WorkflowError("Only an approved direction in force can be revoked.")
        locked.state = DirectionState.REVOKED
        locked.revoked_on = revoked_on
        locked.revocation_reason = reason
        locked.save()
        discontinue(
            cast(Investigation, locked.investigation),  # approved, so it opened its investigation
            actor=actor,
            reasons="The Secretary of State revoked the direction: %s" % reason,
        )
        record_event(AuditAction.DIRECTION_REVOKED, actor=actor, target=locked)
    return locked
