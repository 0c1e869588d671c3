"""Evidence business rules: receiving, disposal (crypto-shredding), verification and key rotation."""

import uuid
from contextlib import ExitStack
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from casework.models import Evidence, Investigation
from casework.permissions import is_on_team, may_direct
from casework.services.work import hold_membership, require_open_record
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction
from vault import blobs
from vault.integrity import record_receipt
from vault.models import recording


def add_evidence(
    blob: blobs.StoredBlob,
    evidence_id: uuid.UUID,
    *,
    actor: User,
    title: str,
    filename: str,
    investigation: Investigation,
    **details: Any,
) -> Evidence:
    """Register an encrypted blob as evidence of an investigation (its team only, while its record is open).

    If anything here fails the blob is deleted: no row without a blob, no blob without a row.
    """
    with recording(blob):
        if not is_on_team(actor, investigation):
            raise PermissionDenied("Only the investigation team can add evidence.")
        require_open_record(investigation)
        with service_transaction():
            hold_membership(investigation, actor)
            evidence = Evidence.objects.create(
                investigation=investigation,
                title=title,
                added_by=actor,
                **Evidence.blob_fields(blob, evidence_id, filename),
                **details,
            )
            record_receipt(evidence, actor=actor)
    return evidence


def add_evidence_files(
    received: list[tuple[blobs.StoredBlob, uuid.UUID, str]],
    *,
    actor: User,
    title: str,
    investigation: Investigation,
    **details: Any,
) -> list[Evidence]:
    """Files sent together (each `(blob, evidence_id, filename)`) become evidence together or not at
    all; with several, each is titled `title` and its number ("Ward rotas (2 of 3)")."""
    with ExitStack() as removing_on_failure:
        for blob, _, _ in received:
            removing_on_failure.enter_context(recording(blob))
        with service_transaction():
            return [
                add_evidence(
                    blob,
                    evidence_id,
                    actor=actor,
                    title=title if len(received) == 1 else "%s (%d of %d)" % (title, number, len(received)),
                    filename=filename,
                    investigation=investigation,
                    **details,
                )
                for number, (blob, evidence_id, filename) in enumerate(received, 1)
            ]


def set_legal_hold(evidence: Evidence, *, hold: bool, actor: User, reason: str) -> Evidence:
    """Place or lift a legal hold; while it stands the evidence cannot be disposed of."""
    if not may_direct(actor):
        raise PermissionDenied("Only a director can place or lift a legal hold.")
    if not reason.strip():
        raise WorkflowError("Give a reason for the legal hold decision.")
    with service_transaction():
        locked = Evidence.objects.select_for_update(no_key=True).get(pk=evidence.pk)
        locked.legal_hold = hold
        locked.save(update_fields=["legal_hold"])
        record_event(
            AuditAction.EVIDENCE_LEGAL_HOLD,
            actor=actor,
            target=locked,
            detail={"case": locked.case_reference, "hold": hold, "reason": reason},
        )
    return locked


def dispose(evidence: Evidence, *, actor: User) -> Evidence:
    """Crypto-shred: destroy the wrapped data key, then delete the blob. A legal hold blocks it."""
    if not may_direct(actor):
        raise PermissionDenied("Only a director can dispose of evidence.")
    with service_transaction():
        locked = Evidence.objects.select_for_update(no_key=True).get(pk=evidence.pk)
        if locked.is_disposed:
            raise WorkflowError("This evidence was already disposed of.")
        if locked.legal_hold or locked.investigation.legal_hold:
            raise WorkflowError("This evidence is under a legal hold and cannot be disposed of.")
        if locked.retention_until is None or locked.retention_until > timezone.localdate():
            raise WorkflowError("The retention period of this evidence has not ended.")
        locked.shred()
        record_event(
            AuditAction.EVIDENCE_DISPOSED,
            actor=actor,
            target=locked,
            detail={"case": locked.case_reference, "sha256": locked.sha256},
        )
    return locked
