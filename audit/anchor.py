"""The exported chain head: the newest event's (seq, hash, time), signed and kept outside the database.

The hash chain shows any event altered, removed or inserted in the middle, but deleting the newest
events leaves a shorter chain that is still intact. A head exported elsewhere closes that gap: the
database must still hold the event at the exported `seq`, with the exported hash. The head is signed
with Ed25519 (`AUDIT_HEAD_SIGNING_KEY`, a key used for nothing else), so a forged or edited head
file is refused too; checking needs only the public key, which can live on another host
(`AUDIT_HEAD_PUBLIC_KEY`).
"""

import base64
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils import timezone

from audit.models import ChainLink

SIGNED_FIELDS = ("seq", "hash", "occurred_at", "exported_at")


class HeadProblem(Exception):
    """The exported head cannot be read or trusted, or the database no longer reaches it."""


@dataclass(frozen=True)
class ExportedHead:
    seq: int
    hash: str
    occurred_at: str
    exported_at: str

    def payload(self) -> bytes:
        return json.dumps({field: getattr(self, field) for field in SIGNED_FIELDS}, sort_keys=True).encode()


def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.AUDIT_HEAD_SIGNING_KEY))


def public_key() -> Ed25519PublicKey:
    if settings.AUDIT_HEAD_PUBLIC_KEY:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(settings.AUDIT_HEAD_PUBLIC_KEY))
    return signing_key().public_key()


def public_key_text() -> str:
    return base64.b64encode(public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def export_head(path: Path) -> ExportedHead | None:
    """Write the newest event's head to `path` (atomically); None when there are no events yet."""
    newest = ChainLink.objects.order_by("-seq").values_list("seq", "hash", "event__occurred_at").first()
    if newest is None:
        return None
    seq, chain_hash, occurred_at = newest
    head = ExportedHead(seq, chain_hash, occurred_at.isoformat(), timezone.now().isoformat())
    document = {
        **json.loads(head.payload()),
        "signature": base64.b64encode(signing_key().sign(head.payload())).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        json.dump(document, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, path)
    return head


def read_head(path: Path) -> ExportedHead:
    """The head in `path`, once its signature checks out."""
    try:
        document = json.loads(path.read_text())
        head = ExportedHead(**{field: document[field] for field in SIGNED_FIELDS})
        signature = base64.b64decode(document["signature"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise HeadProblem("The exported head %s cannot be read: %s" % (path, error)) from error
    try:
        public_key().verify(signature, head.payload())
    except InvalidSignature as error:
        raise HeadProblem(
            "The exported head %s is not signed by the audit head key (edited or forged)." % path
        ) from error
    return head


def check_database_reaches(head: ExportedHead, database_head_seq: int | None) -> None:
    """The chain in the database must still contain the exported head, unchanged."""
    if database_head_seq is None or database_head_seq < head.seq:
        raise HeadProblem(
            "The newest events were deleted: the exported head is seq %s, the database ends at %s."
            % (head.seq, database_head_seq or "nothing")
        )
    stored = ChainLink.objects.filter(seq=head.seq).values_list("hash", flat=True).first()
    if stored != head.hash:
        raise HeadProblem("Event seq %s no longer has the hash that was exported for it." % head.seq)
