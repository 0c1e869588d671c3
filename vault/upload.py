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
    """What the form sees instead of a file: the stored blob's description (no content to read) and
    the id its key is bound to."""

    def __init__(self, blob: StoredBlob, name: str, evidence_id: uuid.UUID):
        super().__init__(file=None, name=name, content_type=blob.content_type, size=blob.size)
        self.blob, self.evidence_id = blob, evidence_id

    def close(self):
        pass


class EncryptingUploadHandler(FileUploadHandler):
    """Accepts up to `max_files` files, each at most `max_bytes`; everything received goes through a
    BlobWriter, one per file, under an id of its own."""

    chunk_size = WRITE_CHUNK_SIZE

    def __init__(self, request, *, max_bytes: int, max_files: int = 1):
        super().__init__(request)
        self.max_bytes, self.max_files = max_bytes, max_files
        self.written: list[BlobWriter] = []  # open or stored, none aborted yet (a refusal stops the upload)
        self.too_large = False
        self.too_many = False
        self.consumed = False

    @property
    def refused(self) -> bool:
        """The upload was stopped: a file over the limit, or more files than allowed."""
        return self.too_large or self.too_many

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if len(self.written) >= self.max_files:
            self.too_many = True
            raise StopUpload(connection_reset=True)
        self.written.append(BlobWriter(uuid.uuid4(), max_bytes=self.max_bytes))

    def receive_data_chunk(self, raw_data, start):
        writer = self.written[-1]
        try:
            writer.write(raw_data)
        except TooLarge:
            self.written.remove(writer)  # it removed what it had written
            self.too_large = True
            raise StopUpload(connection_reset=True) from None
        return None

    def file_complete(self, file_size):
        writer = self.written[-1]
        return EncryptedUpload(writer.close(), self.file_name or "", writer.evidence_id)

    def upload_interrupted(self):
        self.abort()

    def abort(self) -> None:
        """Remove the blobs of an upload that will not become evidence."""
        while self.written:
            self.written.pop().abort()


def too_large_message(handler) -> str:
    if handler.too_many:
        return "Send at most %s files at once. Nothing was kept." % handler.max_files
    which = "The file" if handler.max_files == 1 else "A file"
    return "%s is larger than the %s MB limit. Nothing was kept." % (which, handler.max_bytes // 2**20)


class ReceivedFile:
    """An encrypted upload ready to become evidence: the form's file and the id it was bound to."""

    def __init__(self, upload: EncryptedUpload):
        self.upload, self.evidence_id = upload, upload.evidence_id


def received_file(request, upload) -> ReceivedFile | None:
    """The request's encrypted upload (None when no file was sent), marked as consumed."""
    if not upload:
        return None
    request.encrypted_upload.consumed = True
    return ReceivedFile(upload)


def with_encrypted_upload(view=None, *, max_bytes_setting: str = "EVIDENCE_MAX_BYTES", max_files: int = 1):
    """Run `view` with uploads going straight through the encrypting handler.

    The handler must be in place before anything reads the request body, and Django's CSRF check
    reads it, so the check is moved inside: the wrapper is CSRF-exempt and protects `view` itself.
    The view finds the handler on `request.encrypted_upload` and sets its `consumed` flag when the
    blob became evidence; otherwise (invalid form, refusal, error, dropped connection) the blob is
    removed here.
    """
    if view is None:
        return lambda actual_view: with_encrypted_upload(
            actual_view, max_bytes_setting=max_bytes_setting, max_files=max_files
        )
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        handler = None
        if request.method == "POST":
            max_bytes = getattr(settings, max_bytes_setting)
            handler = EncryptingUploadHandler(request, max_bytes=max_bytes, max_files=max_files)
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
