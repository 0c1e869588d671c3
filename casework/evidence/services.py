"""Evidence business rules: receiving, disposal (crypto-shredding), verification and key rotation."""

import hashlib
import re
import unicodedata

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.workflow import WorkflowError
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from casework.evidence import keys, vault
from casework.evidence.stream import TamperedError
from casework.models import Evidence
from casework.services import hold_membership, require_open_record

FILENAME_MAX_LENGTH = 200
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^\w .()\-]+")


def clean_filename(name: str) -> str:
    """A display name safe to show and to offer in a download header (never used on disk)."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = UNSAFE_FILENAME_CHARACTERS.sub("_", name).strip(" .")
    if len(name) > FILENAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:10] if dot else ""
        name = (
            "%s.%s" % (stem[: FILENAME_MAX_LENGTH - len(extension) - 1], extension)
            if extension
            else name[:FILENAME_MAX_LENGTH]
        )
    return name or "unnamed"


def add_evidence(
    blob: vault.StoredBlob, evidence_id, *, actor, title, filename, investigation=None, referral=None, **details
):
    """Register an encrypted blob as evidence of an investigation (team only) or a referral.

    If anything here fails the blob is deleted: no row without a blob, no blob without a row.
    """
    try:
        if investigation is not None and not actor.has_perm("casework.work_on_investigation", investigation):
            raise PermissionDenied("Only the investigation team can add evidence.")
        if investigation is not None:
            require_open_record(investigation)
        if referral is not None and actor is not None and not actor.has_perm("referrals.triage_referral"):
            raise PermissionDenied("Only intake staff can attach files to a referral.")
        with transaction.atomic():
            if investigation is not None:
                hold_membership(investigation, actor)
            evidence = Evidence.objects.create(
                public_id=evidence_id,
                investigation=investigation,
                referral=referral,
                title=title,
                display_name=clean_filename(filename),
                content_type=blob.content_type,
                size=blob.size,
                sha256=blob.sha256,
                blob_name=blob.blob_name,
                algorithm=blob.algorithm,
                kek_id=blob.kek_id,
                wrapped_key=blob.wrapped_key,
                added_by=actor,
                **details,
            )
            record_event(
                AuditAction.EVIDENCE_RECEIVED,
                actor=actor,
                target=evidence,
                detail={
                    "case": (investigation or referral).reference,
                    "sha256": blob.sha256,
                    "size": blob.size,
                    "content_type": blob.content_type,
                },
            )
    except BaseException:
        vault.evidence_storage().delete(blob.blob_name)
        raise
    return evidence


def record_tampering(evidence, error: Exception) -> None:
    """A security event: the blob or its key failed authentication and nothing more was served."""
    record_event(
        AuditAction.EVIDENCE_TAMPER_DETECTED,
        outcome=Outcome.DENIED,
        target=evidence,
        detail={"error": str(error)[:300]},
    )


def verify(evidence) -> str | None:
    """Decrypt the whole blob and compare its digest; the problem found, or None."""
    digest = hashlib.sha256()
    try:
        for plaintext in vault.read_plaintext(evidence):
            digest.update(plaintext)
    except (TamperedError, keys.KeyRetired, FileNotFoundError) as error:
        return str(error) or error.__class__.__name__
    if digest.hexdigest() != evidence.sha256:
        return "The decrypted content does not match its recorded SHA-256."
    return None


def rewrap_key(evidence) -> bool:
    """Re-wrap the data key under the newest key-encryption key; the blob is not touched."""
    ring = keys.keyring()
    if evidence.kek_id == ring.current_key_id or evidence.wrapped_key is None:
        return False
    ad = vault.associated_data(evidence.public_id)
    data_key = ring.unwrap(evidence.kek_id, bytes(evidence.wrapped_key), ad)
    evidence.kek_id, evidence.wrapped_key = ring.wrap(data_key, ad)
    Evidence.objects.filter(pk=evidence.pk).update(kek_id=evidence.kek_id, wrapped_key=evidence.wrapped_key)
    return True


def set_legal_hold(evidence, *, hold: bool, actor, reason: str) -> Evidence:
    """Place or lift a legal hold; while it stands the evidence cannot be disposed of."""
    if not actor.has_perm("casework.direct_investigation"):
        raise PermissionDenied("Only a director can place or lift a legal hold.")
    if not reason.strip():
        raise WorkflowError("Give a reason for the legal hold decision.")
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        locked.legal_hold = hold
        locked.save(update_fields=["legal_hold"])
        record_event(
            AuditAction.EVIDENCE_LEGAL_HOLD, actor=actor, target=locked, detail={"hold": hold, "reason": reason}
        )
    return locked


def dispose(evidence, *, actor) -> Evidence:
    """Crypto-shred: destroy the wrapped data key, then delete the blob. A legal hold blocks it."""
    if not actor.has_perm("casework.direct_investigation"):
        raise PermissionDenied("Only a director can dispose of evidence.")
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if locked.is_disposed:
            raise WorkflowError("This evidence was already disposed of.")
        if locked.legal_hold:
            raise WorkflowError("This evidence is under a legal hold and cannot be disposed of.")
        if locked.retention_until is None or locked.retention_until > timezone.localdate():
            raise WorkflowError("The retention period of this evidence has not ended.")
        locked.wrapped_key = None
        locked.disposed_at = timezone.now()
        locked.save(update_fields=["wrapped_key", "disposed_at"])
        record_event(AuditAction.EVIDENCE_DISPOSED, actor=actor, target=locked, detail={"sha256": locked.sha256})
        blob_name = locked.blob_name
        transaction.on_commit(lambda: vault.evidence_storage().delete(blob_name))
    return locked
