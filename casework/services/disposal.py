"""Disposing of a closed case once its retention has ended: asked for by a director, approved by
another director or the chief investigator, and carried out in the approval's transaction.

Carrying out crypto-shreds every evidence item (the wrapped keys are destroyed in the transaction,
the blobs deleted after it commits), deletes the case's protected working record (journal notes,
interviews, tasks, with their history), blanks the evidence titles, moves the case to disposed and
keeps a certificate. What was published (statements, the report summary, recommendations) stays.
"""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
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
from vault import blobs


def _refusal(investigation: Investigation) -> str | None:
    """Why `investigation` cannot be disposed of now, or None."""
    if investigation.legal_hold:
        return "%s is under a legal hold and cannot be disposed of." % investigation
    if investigation.state != InvestigationState.ARCHIVED:
        return "Only an archived case can be disposed of; %s is %s." % (
            investigation,
            investigation.get_state_display().lower(),
        )
    if investigation.retention_until is None or investigation.retention_until > timezone.localdate():
        return "The retention period of %s has not ended." % investigation
    if investigation.evidence.filter(legal_hold=True, disposed_at=None).exists():
        return "Some evidence of %s is under a legal hold, so the case cannot be disposed of." % investigation
    return None


def request_disposal(investigation: Investigation, *, actor: User) -> Disposal:
    if not may_direct(actor):
        raise PermissionDenied("Only a director can ask for a case to be disposed of.")
    with service_transaction():
        locked = Investigation.objects.select_for_update(no_key=True).get(pk=investigation.pk)
        if (problem := _refusal(locked)) is not None:
            raise WorkflowError(problem)
        if locked.disposals.filter(state=DisposalState.REQUESTED).exists():
            raise WorkflowError("Disposal of %s has already been asked for." % locked)
        disposal = Disposal.objects.create(investigation=locked, requested_by=actor)
        record_event(AuditAction.DISPOSAL_REQUESTED, actor=actor, target=locked, detail={"disposal": disposal.pk})
        approvers = [*holders_of(DIRECT_INVESTIGATION), *holders_of(PUBLISH_INVESTIGATION)]
        notify_about_case(approvers, NotificationKind.STAGE_GATE_WAITING, locked, actor=actor)
    return disposal


def approve_open_disposal(investigation: Investigation, *, actor: User) -> Disposal:
    """Approve the disposal of `investigation` that waits (the page's step)."""
    waiting = investigation.disposals.filter(state=DisposalState.REQUESTED).first()
    if waiting is None:
        raise WorkflowError("No disposal of %s is waiting for approval. Nothing was changed." % investigation)
    return approve_disposal(waiting, actor=actor)


def approve_disposal(disposal: Disposal, *, actor: User) -> Disposal:
    """The second person approves, and the case is disposed of at once, all or nothing."""
    if not may_approve_disposal(actor):
        raise PermissionDenied("Only a director or the chief investigator can approve a disposal.")
    with service_transaction():
        locked = Disposal.objects.select_for_update().select_related("investigation").get(pk=disposal.pk)
        if locked.state != DisposalState.REQUESTED:
            raise WorkflowError("This disposal has already been carried out. Nothing was changed.")
        if locked.requested_by_id == actor.pk:
            raise WorkflowError("You asked for this disposal, so someone else must approve it (two-person rule).")
        case = Investigation.objects.select_for_update(no_key=True).get(pk=locked.investigation_id)
        if (problem := _refusal(case)) is not None:
            raise WorkflowError(problem)
        shredded = _shred_evidence(case)
        removed = _remove_working_record(case)
        transition(case, "dispose", actor=actor, through_disposal=True)
        now = timezone.now()
        locked.state, locked.approved_by, locked.carried_out_at = DisposalState.CARRIED_OUT, actor, now
        locked.certificate = {
            "case": case.reference,
            "requested_by": locked.requested_by.get_username(),
            "requested_at": locked.requested_at.isoformat(),
            "approved_by": actor.get_username(),
            "carried_out_at": now.isoformat(),
            "retention_until": case.retention_until.isoformat() if case.retention_until else None,
            "evidence": shredded,
            "removed": removed,
        }
        locked.save(update_fields=["state", "approved_by", "carried_out_at", "certificate"])
        record_event(
            AuditAction.DISPOSAL_CARRIED_OUT,
            actor=actor,
            target=case,
            detail={"disposal": locked.pk, "evidence": len(shredded), **removed},
        )
    return locked


def _shred_evidence(case: Investigation) -> list[dict]:
    """Destroy each item's wrapped key now and its blob after commit; the custody record stays."""
    items = list(case.evidence.select_for_update(no_key=True).filter(disposed_at=None))
    now = timezone.now()
    custody = []
    for item in items:
        custody.append({"id": str(item.public_id), "sha256": item.sha256, "size": item.size})
        item.wrapped_key, item.disposed_at, item.title = None, now, ""
        item.save(update_fields=["wrapped_key", "disposed_at", "title"])
        transaction.on_commit(partial(blobs.evidence_storage().delete, item.blob_name))
    Evidence.history.filter(investigation=case).update(title="")
    return custody


def _remove_working_record(case: Investigation) -> dict[str, int]:
    """Delete the journal, interviews and tasks, and their history: protected text with no other use."""
    removed = {}
    for label, model in (("notes", CaseNote), ("interviews", Interview), ("tasks", Task)):
        removed[label], _ = model.objects.filter(investigation=case).delete()
        model.history.filter(investigation=case).delete()  # after: deleting writes a history row too
    return removed
