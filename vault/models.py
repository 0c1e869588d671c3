"""The record of one encrypted file, shared by every model that keeps one (evidence, referral attachments).

Abstract: the vault has no table of its own. A domain model inherits these fields and adds what the
file belongs to; the vault reads, verifies, re-keys and backs up every such model alike
(`encrypted_file_models`).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from kernel.fields import EncryptedTextField
from vault.blobs import StoredBlob, evidence_storage
from vault.upload import clean_filename


class EncryptedFile(models.Model):
    """An encrypted blob's description: never its content, never a key in clear.

    `wrapped_key` is the file's data key wrapped by key-encryption key `kek_id`; destroying it
    (disposal) makes the blob unreadable for ever. `sha256` is the plaintext digest for chain of custody.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = EncryptedTextField(
        max_length=255, blank=False, help_text="The client's file name, cleaned; never used on disk."
    )
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    blob_name = models.CharField(max_length=100, unique=True)
    algorithm = models.CharField(max_length=30)
    kek_id = models.CharField(max_length=50)
    wrapped_key = models.BinaryField(null=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    retention_until = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def reference(self) -> str:
        """How the audit trail names this file."""
        return str(self.public_id)

    @property
    def is_disposed(self) -> bool:
        return self.disposed_at is not None

    # The foreign key to the case the file belongs to (set by each model that keeps files).
    case_field: str = ""

    def shred(self) -> dict[str, Any]:
        """Crypto-shred, inside the caller's transaction: the wrapped data key and the file's name are
        destroyed now and the blob deleted after commit, so no copy of it (a backup) can be read again.

        Returns the custody record a disposal certificate keeps: the id, plaintext digest and size.
        """
        self.wrapped_key, self.disposed_at, self.display_name = None, timezone.now(), ""
        self.save(update_fields=["wrapped_key", "disposed_at", "display_name"])
        transaction.on_commit(partial(evidence_storage().delete, self.blob_name))
        return {"id": str(self.public_id), "sha256": self.sha256, "size": self.size}

    @property
    def case_reference(self) -> str:
        """The reference of the case the file belongs to, named in every audit event about the file
        so that an auditor searching for the case finds its uploads and downloads."""
        return getattr(self, self.case_field).reference

    @staticmethod
    def blob_fields(blob: StoredBlob, public_id: uuid.UUID, filename: str) -> dict:
        """The fields that describe `blob`, stored under `public_id` (the id it was encrypted for)."""
        return {
            "public_id": public_id,
            "display_name": clean_filename(filename),
            "content_type": blob.content_type,
            "size": blob.size,
            "sha256": blob.sha256,
            "blob_name": blob.blob_name,
            "algorithm": blob.algorithm,
            "kek_id": blob.kek_id,
            "wrapped_key": blob.wrapped_key,
        }


def encrypted_file_models() -> list[type[EncryptedFile]]:
    """Every installed model that keeps encrypted files, found without importing their apps."""
    return [model for model in apps.get_models() if issubclass(model, EncryptedFile)]


def held_files() -> Iterator[EncryptedFile]:
    """Every file not disposed of, model by model, in a stable order."""
    for model in encrypted_file_models():
        yield from model._default_manager.filter(disposed_at__isnull=True).order_by("pk").iterator()


@contextmanager
def recording(blob: StoredBlob):
    """Delete `blob` if recording it fails: no row without a blob, no blob without a row."""
    try:
        yield
    except BaseException:
        evidence_storage().delete(blob.blob_name)
        raise
