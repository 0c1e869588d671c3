"""An upload handler that encrypts as the request body arrives: no plaintext temporary file, ever.

Django's default handlers keep uploads in memory or in a temporary file. This one replaces them for
evidence uploads: each chunk is hashed and encrypted straight into evidence storage. Going over the
size limit stops the upload and removes what was written; the view calls `abort()` for anything
else that goes wrong (a client that disconnects, an invalid form, a refused permission).
"""

import re
import unicodedata
import uuid
from functools import wraps

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from vault.blobs import WRITE_CHUNK_SIZE, BlobWriter, StoredBlob, TooLarge

FILENAME_MAX_LENGTH = 200
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^\w .()\-]+")


class EncryptedUpload(UploadedFile):
    """What the form sees instead of a file: the stored blob's description (no content to read)."""

    def __init__(self, blob: StoredBlob, name: str):
        super().__init__(file=None, name=name, content_type=blob.content_type, size=blob.size)
        self.blob = blob

    def close(self):
        pass


class EncryptingUploadHandler(FileUploadHandler):
    """Accepts one file field; everything received goes through a BlobWriter."""

    chunk_size = WRITE_CHUNK_SIZE

    def __init__(self, request, *, evidence_id: uuid.UUID, max_bytes: int):
        super().__init__(request)
        self.evidence_id, self.max_bytes = evidence_id, max_bytes
        self.writer: BlobWriter | None = None
        self.too_large = False
        self.consumed = False
        self.blob: StoredBlob | None = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.writer is not None:
            raise StopUpload(connection_reset=True)  # one file per upload
        self.writer = BlobWriter(self.evidence_id, max_bytes=self.max_bytes)

    def receive_data_chunk(self, raw_data, start):
        assert self.writer is not None  # noqa: S101 (new_file always comes first)
        try:
            self.writer.write(raw_data)
        except TooLarge:
            self.too_large = True
            raise StopUpload(connection_reset=True) from None
        return None

    def file_complete(self, file_size):
        assert self.writer is not None  # noqa: S101
        self.blob = self.writer.close()
        return EncryptedUpload(self.blob, self.file_name or "")

    def upload_interrupted(self):
        self.abort()

    def abort(self) -> None:
        """Remove the blob of an upload that will not become evidence."""
        if self.writer is not None:
            if self.writer.closed and self.blob is None:
                return
            self.writer.abort()
            self.blob = None


def too_large_message(handler) -> str:
    return "The file is larger than the %s MB limit. Nothing was kept." % (handler.max_bytes // 2**20)


class ReceivedFile:
    """An encrypted upload ready to become evidence: the form's file and the id it was bound to."""

    def __init__(self, upload: EncryptedUpload, evidence_id: uuid.UUID):
        self.upload, self.evidence_id = upload, evidence_id


def received_file(request, upload) -> ReceivedFile | None:
    """The request's encrypted upload (None when no file was sent), marked as consumed."""
    if not upload:
        return None
    handler = request.encrypted_upload
    handler.consumed = True
    return ReceivedFile(upload, handler.evidence_id)


def with_encrypted_upload(view=None, *, max_bytes_setting: str = "EVIDENCE_MAX_BYTES"):
    """Run `view` with uploads going straight through the encrypting handler.

    The handler must be in place before anything reads the request body, and Django's CSRF check
    reads it, so the check is moved inside: the wrapper is CSRF-exempt and protects `view` itself.
    The view finds the handler on `request.encrypted_upload` and sets its `consumed` flag when the
    blob became evidence; otherwise (invalid form, refusal, error, dropped connection) the blob is
    removed here.
    """
    if view is None:
        return lambda actual_view: with_encrypted_upload(actual_view, max_bytes_setting=max_bytes_setting)
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        handler = None
        if request.method == "POST":
            max_bytes = getattr(settings, max_bytes_setting)
            handler = EncryptingUploadHandler(request, evidence_id=uuid.uuid4(), max_bytes=max_bytes)
            request.upload_handlers = [handler]
        request.encrypted_upload = handler
        try:
            return protected(request, *args, **kwargs)
        finally:
            if handler is not None and not handler.consumed:
                handler.abort()

    return csrf_exempt(wrapper)


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
