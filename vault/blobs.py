"""Writing and reading evidence blobs: hash and encrypt as bytes arrive, decrypt as they leave.

Plaintext exists only in memory, one chunk or segment at a time: a `BlobWriter` is fed the upload
as it arrives and writes only ciphertext to storage; `read_plaintext` yields only authenticated
segments. Blobs live in their own storage (`STORAGES["evidence"]`), named by a random id, never by
the client's file name.
"""

import hashlib
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages

from vault import keys, stream

# Upload chunks this size or larger let hashing and encryption overlap on two cores.
WRITE_CHUNK_SIZE = 4 * 1024 * 1024
SNIFF_BYTES = 8192
FALLBACK_CONTENT_TYPE = "application/octet-stream"
# A blob still being written, where the filesystem cannot keep it anonymous (see EvidenceStorage).
PARTIAL_SUFFIX = ".partial"
BLOB_SUFFIX = ".blob"


class EvidenceStorage(FileSystemStorage):
    """Encrypted blobs on the filesystem, outside any web-served root (EVIDENCE_ROOT)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.EVIDENCE_ROOT)
        kwargs.setdefault("base_url", None)
        super().__init__(**kwargs)

    def open_new(self, name: str):
        """A file for a new blob, written as `<name>.partial` and named only by `publish`.

        A process killed mid-upload leaves only a `.partial` file, never a blob under an evidence
        name; `verify_evidence --remove-abandoned` clears partial files old enough to be abandoned.
        """
        os.makedirs(self.location, mode=0o700, exist_ok=True)
        return open(self.path(name + PARTIAL_SUFFIX), "xb")

    def publish(self, handle, name: str) -> None:
        """Give the finished file its blob name (durably); never replaces an existing blob."""
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.link(handle.name, self.path(name))
        os.unlink(handle.name)

    def discard(self, handle, name: str) -> None:
        """Drop an unfinished file."""
        handle.close()
        os.unlink(handle.name)

    def abandoned(self, older_than_seconds: float) -> list[str]:
        """Partial files untouched for `older_than_seconds`: uploads whose process died."""
        return self._files_older_than(PARTIAL_SUFFIX, older_than_seconds)

    def unreferenced_blobs(self, older_than_seconds: float) -> list[str]:
        """Finished blobs older than `older_than_seconds` (the caller removes those a row names)."""
        return self._files_older_than(BLOB_SUFFIX, older_than_seconds)

    def _files_older_than(self, suffix: str, seconds: float) -> list[str]:
        if not os.path.isdir(self.location):
            return []
        cutoff = time.time() - seconds
        return sorted(
            entry.name
            for entry in os.scandir(self.location)
            if entry.name.endswith(suffix) and entry.stat().st_mtime <= cutoff
        )


class BackgroundDigest:
    """SHA-256 computed on the other core while the caller encrypts (hashlib releases the GIL).

    Chunks are queued (at most `depth` at once, so memory stays bounded) and hashed in order.
    """

    def __init__(self, depth: int = 4):
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._digest = hashlib.sha256()
        self._thread = threading.Thread(target=self._run, name="evidence-digest", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            self._digest.update(chunk)

    def update(self, chunk: bytes) -> None:
        self._queue.put(bytes(chunk))

    def hexdigest(self) -> str:
        self.stop()
        return self._digest.hexdigest()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class TooLarge(Exception):
    """The upload went over EVIDENCE_MAX_BYTES; what was written has been removed."""


@dataclass(frozen=True)
class StoredBlob:
    blob_name: str
    size: int
    sha256: str
    content_type: str
    kek_id: str
    wrapped_key: bytes
    algorithm: str = stream.ALGORITHM


def evidence_storage():
    return storages["evidence"]


def associated_data(evidence_id: uuid.UUID) -> bytes:
    """Binds the blob and its wrapped key to one evidence row: a blob swapped between rows fails."""
    return evidence_id.bytes


class BlobWriter:
    """Receives plaintext chunks; keeps the SHA-256, sniffs the type, writes ciphertext. `abort()` removes it."""

    def __init__(self, evidence_id: uuid.UUID, *, max_bytes: int | None = None):
        self.evidence_id = evidence_id
        self.max_bytes = settings.EVIDENCE_MAX_BYTES if max_bytes is None else max_bytes
        self.blob_name = uuid.uuid4().hex + BLOB_SUFFIX
        self._data_key = stream.new_data_key()
        self._encryptor = stream.Encryptor(self._data_key, associated_data(evidence_id))
        self._digest = BackgroundDigest()
        self._head = bytearray()
        self._size = 0
        self._file = evidence_storage().open_new(self.blob_name)
        self.closed = False

    def write(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self.max_bytes:
            self.abort()
            raise TooLarge("The file is larger than the %s MB limit." % (self.max_bytes // (1024 * 1024)))
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
        self._digest.update(chunk)
        self._file.write(self._encryptor.update(chunk))

    def close(self) -> StoredBlob:
        self._file.write(self._encryptor.finalize())
        evidence_storage().publish(self._file, self.blob_name)
        self.closed = True
        kek_id, wrapped = keys.keyring().wrap(self._data_key, associated_data(self.evidence_id))
        return StoredBlob(
            blob_name=self.blob_name,
            size=self._size,
            sha256=self._digest.hexdigest(),
            content_type=sniff_content_type(bytes(self._head)),
            kek_id=kek_id,
            wrapped_key=wrapped,
        )

    def abort(self) -> None:
        """Remove everything written (an aborted or refused upload leaves no blob)."""
        self._digest.stop()
        if self._file.closed:
            evidence_storage().delete(self.blob_name)  # published, but it will not become evidence
        else:
            evidence_storage().discard(self._file, self.blob_name)
        self.closed = True


def sniff_content_type(head: bytes) -> str:
    """The type the bytes themselves declare; the client's claim is never used."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return FALLBACK_CONTENT_TYPE
    return "text/plain" if head else FALLBACK_CONTENT_TYPE


def store_stream(evidence_id: uuid.UUID, chunks, *, max_bytes: int | None = None) -> StoredBlob:
    """Encrypt an iterable of plaintext chunks into a new blob (used by commands, tests and benchmarks)."""
    writer = BlobWriter(evidence_id, max_bytes=max_bytes)
    try:
        for chunk in chunks:
            writer.write(chunk)
        return writer.close()
    except BaseException:
        if not writer.closed:
            writer.abort()
        raise


def read_plaintext(evidence) -> Iterator[bytes]:
    """Authenticated plaintext of an evidence blob, segment by segment; raises TamperedError on any change."""
    ad = associated_data(evidence.public_id)
    data_key = keys.keyring().unwrap(evidence.kek_id, bytes(evidence.wrapped_key), ad)
    storage = evidence_storage()
    total_size = storage.size(evidence.blob_name)
    with storage.open(evidence.blob_name, "rb") as blob:
        yield from stream.decrypt_segments(data_key, ad, blob, total_size)


_DONE = object()


def read_plaintext_ahead(evidence, depth: int = 2, batch: int = 8) -> Iterator[bytes]:
    """`read_plaintext` decrypting on a second thread, ahead of the consumer.

    AES-GCM holds the GIL but sending to a socket does not, so decryption of the next segments
    overlaps with writing the previous ones to the client. Segments are handed over in batches
    (few thread switches) and at most `depth` batches wait, so memory stays bounded. Errors reach
    the consumer in order, after the segments that were authenticated before them.
    """
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        segments: list[bytes] = []
        try:
            for segment in read_plaintext(evidence):
                segments.append(segment)
                if len(segments) == batch:
                    if not hand_over(segments):
                        return
                    segments = []
            hand_over(segments)
            hand_over(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            hand_over(segments)
            hand_over(error)

    producer = threading.Thread(target=produce, name="evidence-decrypt", daemon=True)
    producer.start()
    try:
        while (item := pending.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        producer.join(timeout=5)
