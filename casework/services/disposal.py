"""Disposing of a closed record once its retention has ended: an archived investigation, or a concern
that never became one. Asked for by a director, approved by another director or the chief
investigator, and carried out in the approval's transaction.

Carrying out a case's disposal crypto-shreds every evidence item (the wrapped keys are destroyed in
the transaction, the blobs deleted after it commits), deletes the case's protected working record
(journal notes, interviews, tasks, with their history), blanks the evidence titles, moves the case
to disposed and keeps a certificate. What was published (statements, the report summary,
recommendations) stays. A concern's disposal erases its words and the referrer's identity and
shreds its attachments (`referrals.services.disposal`); its metadata stays for pattern-finding.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from accounts.permissions import holders_of
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import DisposalState, InvestigationState
from casework.models import CaseNote, Disposal, Evidence, Interview, Investigation, Task
from casework.notices import notify_about_case
from casework.permissions import DIRECT_INVESTIGATION, PUBLISH_INVESTIGATION, may_approve_disposal, may_direct
from casework.services.lifecycle import transition
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from referrals.choices import ENDED_WITHOUT_INVESTIGATION
from referrals.models import Referral
from referrals.notices import notify_about_referral
from referrals.services.disposal import erase_concern

type Record = Investigation | Referral


def _refusal(record: Record) -> str | None:
    """Why `record` cannot be disposed of now, or None."""
    if record.legal_hold:
        return "%s is under a legal hold and cannot be disposed of." % record
    if isinstance(record, Investigation) and record.state != InvestigationState.ARCHIVED:
        return "Only an archived case can be disposed of; %s is %s." % (record, record.get_state_display().lower())
    if isinstance(record, Referral):
        if record.disposed_at is not None:
            return "%s has already been disposed of." % record
        if record.state not in ENDED_WITHOUT_INVESTIGATION:
            return "Only a concern that ended without an investigation can be disposed of; %s is %s." % (
                record,
                record.get_state_display().lower(),
            )
    if record.retention_until is None or record.retention_until > timezone.localdate():
        return "The retention period of %s has not ended." % record
    files = record.evidence if isinstance(record, Investigation) else record.attachments
    if files.filter(legal_hold=True, disposed_at=None).exists():
        return "A file of %s is under a legal hold, so it cannot be disposed of." % record
    return None


def request_disposal(record: Record, *, actor: User) -> Disposal:
    if not may_direct(actor):
        raise PermissionDenied("Only a director can ask for a record to be disposed of.")
    with service_transaction():
        locked = type(record).objects.select_for_update(no_key=True).get(pk=record.pk)
        if (problem := _refusal(locked)) is not None:
            raise WorkflowError(problem)
        if locked.disposals.filter(state=DisposalState.REQUESTED).exists():
            raise WorkflowError("Disposal of %s has already been asked for." % locked)
        approvers = [*holders_of(DIRECT_INVESTIGATION), *holders_of(PUBLISH_INVESTIGATION)]
        if isinstance(locked, Investigation):
            disposal = Disposal.objects.create(investigation=locked, requested_by=actor)
            record_event(AuditAction.DISPOSAL_REQUESTED, actor=actor, target=locked, detail={"disposal": disposal.pk})
            notify_about_case(approvers, NotificationKind.STAGE_GATE_WAITING, locked, actor=actor)
        else:
            disposal = Disposal.objects.create(referral=locked, requested_by=actor)
            record_event(
                AuditAction.REFERRAL_DISPOSAL_REQUESTED, actor=actor, target=locked, detail={"disposal": disposal.pk}
            )
            notify_about_referral(approvers, NotificationKind.STAGE_GATE_WAITING, locked, actor=actor)
    return disposal


def approve_open_disposal(record: Record, *, actor: User) -> Disposal:
    """Approve the disposal of `record` that waits (the page's step)."""
    waiting = record.disposals.filter(state=DisposalState.REQUESTED).first()
    if waiting is None:
        raise WorkflowError("No disposal of %s is waiting for approval. Nothing was changed." % record)
    return approve_disposal(waiting, actor=actor)


def approve_disposal(disposal: Disposal, *, actor: User) -> Disposal:
    """The second person approves, and the record is disposed of at once, all or nothing."""
    if not may_approve_disposal(actor):
        raise PermissionDenied("Only a director or the chief investigator can approve a disposal.")
    with service_transaction():
        locked = Disposal.objects.select_for_update().get(pk=disposal.pk)
        if locked.state != DisposalState.REQUESTED:
            raise WorkflowError("This disposal has already been carried out. Nothing was changed.")
        if locked.requested_by_id == actor.pk:
            raise WorkflowError("You asked for this disposal, so someone else must approve it (two-person rule).")
        subject = locked.subject
        record: Record = type(subject).objects.select_for_update(no_key=True).get(pk=subject.pk)
        if (problem := _refusal(record)) is not None:
            raise WorkflowError(problem)
        retention_until = record.retention_until
        if isinstance(record, Investigation):
            destroyed: dict[str, Any] = {
                "evidence": _shred_evidence(record),
                "removed": _remove_working_record(record),
            }
            transition(record, "dispose", actor=actor, through_disposal=True)
            event = AuditAction.DISPOSAL_CARRIED_OUT
        else:
            destroyed = erase_concern(record)
            event = AuditAction.REFERRAL_DISPOSED
        now = timezone.now()
        locked.state, locked.approved_by, locked.carried_out_at = DisposalState.CARRIED_OUT, actor, now
        locked.certificate = {
            "case": record.reference,
            "requested_by": locked.requested_by.get_username(),
            "requested_at": locked.requested_at.isoformat(),
            "approved_by": actor.get_username(),
            "carried_out_at": now.isoformat(),
            "retention_until": retention_until.isoformat() if retention_until else None,
            **destroyed,
        }
        locked.save(update_fields=["state", "approved_by", "carried_out_at", "certificate"])
        shredded = destroyed.get("evidence", destroyed.get("files", []))
        record_event(
            event,
            actor=actor,
            target=record,
            detail={"disposal": locked.pk, "files": len(shredded), **destroyed["removed"]},
        )
    return locked


def _shred_evidence(case: Investigation) -> list[dict]:
    """Shred each item (its custody record stays) and blank its title, in its history too."""
    custody = [item.shred() for item in case.evidence.select_for_update(no_key=True).filter(disposed_at=None)]
    case.evidence.update(title="")
    Evidence.history.filter(investigation=case).update(title="", display_name="")
    return custody


def _remove_working_record(case: Investigation) -> dict[str, int]:
    """Delete the journal, interviews and tasks, and their history: protected text with no other use."""
    removed = {}
    for label, model in (("notes", CaseNote), ("interviews", Interview), ("tasks", Task)):
        removed[label], _ = model.objects.filter(investigation=case).delete()
        model.history.filter(investigation=case).delete()  # after: deleting writes a history row too
    return removed
