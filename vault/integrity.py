"""A stored file's custody: its receipt and any tampering recorded, whole-file verification, re-wrapping its key."""

import hashlib
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser

from audit.choices import AuditAction, Outcome
from audit.services import record_event
from vault import blobs, keys
from vault.models import EncryptedFile, encrypted_file_models, held_files
from vault.stream import TamperedError


def record_receipt(file: EncryptedFile, *, actor: AbstractBaseUser | None) -> None:
    """The event for a file received, naming its case and the digest that starts its chain of custody."""
    record_event(
        AuditAction.EVIDENCE_RECEIVED,
        actor=actor,
        target=file,
        detail={
            "case": file.case_reference,
            "sha256": file.sha256,
            "size": file.size,
            "content_type": file.content_type,
        },
    )


def record_tampering(evidence, error: Exception) -> None:
    """A security event: the blob or its key failed authentication and nothing more was served."""
    record_event(
        AuditAction.EVIDENCE_TAMPER_DETECTED,
        outcome=Outcome.DENIED,
        target=evidence,
        detail={"case": evidence.case_reference, "error": str(error)[:300]},
    )


def verify(evidence) -> str | None:
    """Decrypt the whole blob and compare its digest; the problem found, or None."""
    if evidence.is_disposed:
        return "disposed of: its key was destroyed, so it can no longer be read"
    digest = hashlib.sha256()
    try:
        for plaintext in blobs.read_plaintext(evidence):
            digest.update(plaintext)
    except (TamperedError, keys.KeyRetired, FileNotFoundError) as error:
        return str(error) or error.__class__.__name__
    if digest.hexdigest() != evidence.sha256:
        return "The decrypted content does not match its recorded SHA-256."
    return None


def rewrap_key(evidence) -> bool:
    """Re-wrap the data key under the newest key-encryption key; the blob is not touched.

    `evidence` is any record of an encrypted file (vault.models.EncryptedFile).
    """
    ring = keys.keyring()
    if evidence.kek_id == ring.current_key_id or evidence.wrapped_key is None:
        return False
    ad = blobs.associated_data(evidence.public_id)
    data_key = ring.unwrap(evidence.kek_id, bytes(evidence.wrapped_key), ad)
    evidence.kek_id, evidence.wrapped_key = ring.wrap(data_key, ad)
    type(evidence)._default_manager.filter(pk=evidence.pk).update(
        kek_id=evidence.kek_id, wrapped_key=evidence.wrapped_key
    )
    return True


@dataclass(frozen=True)
class StoreCheck:
    checked: int
    failures: list[str]  # "<public id> (<title>): <problem>" for each file that did not verify
    disposed: int  # crypto-shredded on purpose: neither checked nor counted as damage


def verify_store() -> StoreCheck:
    """Decrypt every held file and check its digest; record each failure as tampering, and the run."""
    failures = []
    checked = 0
    for evidence in held_files():
        checked += 1
        problem = verify(evidence)
        if problem:
            failures.append("%s (%s): %s" % (evidence.public_id, evidence, problem))
            record_tampering(evidence, Exception(problem))
    disposed = sum(
        model._default_manager.filter(disposed_at__isnull=False).count() for model in encrypted_file_models()
    )
    record_event(
        AuditAction.EVIDENCE_VERIFIED, detail={"checked": checked, "failures": len(failures), "disposed": disposed}
    )
    return StoreCheck(checked, failures, disposed)


def abandoned_uploads(older_than_seconds: float) -> list[str]:
    """Partial files of killed uploads, and blobs whose row never committed (a crash in between)."""
    storage = blobs.evidence_storage()
    named = {
        name for model in encrypted_file_models() for name in model._default_manager.values_list("blob_name", flat=True)
    }
    unnamed = [name for name in storage.unreferenced_blobs(older_than_seconds) if name not in named]
    return storage.abandoned(older_than_seconds) + unnamed


def remove_abandoned_uploads(older_than_seconds: float) -> int:
    """Delete what `abandoned_uploads` finds; recorded as an audit event. Returns how many."""
    abandoned = abandoned_uploads(older_than_seconds)
    storage = blobs.evidence_storage()
    for name in abandoned:
        storage.delete(name)
    record_event(AuditAction.ABANDONED_UPLOADS_REMOVED, detail={"removed": len(abandoned)})
    return len(abandoned)
