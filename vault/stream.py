"""Streaming authenticated encryption, byte-compatible with Google Tink's AES256_GCM_HKDF_1MB.

Format (all sizes in bytes):

    header  = header_length (1, value 40) || salt (32) || nonce_prefix (7)
    key     = HKDF-SHA256(input key material = the file's 32-byte data key, salt, info = associated data)
    segment i = AES-256-GCM(key, nonce_i, plaintext_i, no extra data) = ciphertext_i || tag (16)
    nonce_i = nonce_prefix || i as 4-byte big-endian || 0x01 for the last segment else 0x00

Ciphertext segments are 1 MiB (the first is shorter by the header), so plaintext segments are
1 MiB - 16, and 1 MiB - 56 for the first. An empty file is one empty last segment. Because every
nonce carries the segment's position and whether it is last, and the key depends on a per-file
salt and the associated data (the evidence id), truncation, extension, reordering, splicing
between files and bit flips all fail authentication. Tink decrypts what this writes, and this
decrypts what Tink writes (tested).
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALGORITHM = "AES256_GCM_HKDF_1MB"
SEGMENT_SIZE = 1 << 20
KEY_SIZE = 32
SALT_SIZE = KEY_SIZE
NONCE_PREFIX_SIZE = 7
HEADER_SIZE = 1 + SALT_SIZE + NONCE_PREFIX_SIZE
TAG_SIZE = 16
PLAINTEXT_SEGMENT = SEGMENT_SIZE - TAG_SIZE
FIRST_PLAINTEXT_SEGMENT = SEGMENT_SIZE - HEADER_SIZE - TAG_SIZE
FIRST_CIPHERTEXT_SEGMENT = SEGMENT_SIZE - HEADER_SIZE


class TamperedError(Exception):
    """The ciphertext is not what was written: altered, truncated, extended, reordered or swapped."""


def new_data_key() -> bytes:
    return os.urandom(KEY_SIZE)


def _segment_cipher(data_key: bytes, salt: bytes, associated_data: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt, info=associated_data).derive(data_key)
    return AESGCM(derived)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class Encryptor:
    """Encrypts a stream fed in chunks of any size; memory stays at about one segment."""

    def __init__(self, data_key: bytes, associated_data: bytes):
        salt, self._prefix = os.urandom(SALT_SIZE), os.urandom(NONCE_PREFIX_SIZE)
        self._cipher = _segment_cipher(data_key, salt, associated_data)
        self._pending = bytearray(bytes([HEADER_SIZE]) + salt + self._prefix)
        self._buffer = bytearray()
        self._index = 0

    def _segment_limit(self) -> int:
        return FIRST_PLAINTEXT_SEGMENT if self._index == 0 else PLAINTEXT_SEGMENT

    def update(self, data: bytes) -> bytes:
        """Ciphertext ready so far. A segment is sealed only once more data follows it (it is then not last)."""
        pieces, self._pending = [bytes(self._pending)], bytearray()
        for segment in _complete_segments(self._buffer, memoryview(data), self._segment_limit):
            pieces.append(self._seal(segment, last=False))
        return b"".join(pieces)

    def finalize(self) -> bytes:
        out = self._pending + self._seal(bytes(self._buffer), last=True)
        self._pending, self._buffer = bytearray(), bytearray()
        return bytes(out)

    def _seal(self, plaintext: bytes, *, last: bool) -> bytes:
        sealed = self._cipher.encrypt(_nonce(self._prefix, self._index, last), plaintext, None)
        self._index += 1
        return sealed


def decrypt_segments(data_key: bytes, associated_data: bytes, source, total_size: int):
    """Decrypt a stored blob of known size, reading exactly one segment at a time (no copying).

    Knowing the size tells which segment is last without reading ahead; a blob that was truncated
    or extended then fails on the last-segment flag.
    """
    header = source.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE or header[0] != HEADER_SIZE:
        raise TamperedError("The ciphertext header is missing or not of this format.")
    cipher = _segment_cipher(data_key, header[1 : 1 + SALT_SIZE], associated_data)
    prefix = header[1 + SALT_SIZE : HEADER_SIZE]
    position, index = HEADER_SIZE, 0
    while True:
        limit = FIRST_CIPHERTEXT_SEGMENT if index == 0 else SEGMENT_SIZE
        segment = source.read(limit)
        position += len(segment)
        last = position >= total_size
        if len(segment) < TAG_SIZE or (not last and len(segment) < limit):
            raise TamperedError("The ciphertext ends inside segment %s." % index)
        try:
            yield cipher.decrypt(_nonce(prefix, index, last), segment, None)
        except InvalidTag as exc:
            raise TamperedError("Segment %s failed authentication." % index) from exc
        if last:
            return
        index += 1


def _complete_segments(buffer: bytearray, view: memoryview, segment_limit):
    """Yield each segment that is complete and followed by more data; keep the rest in `buffer`.

    Works on memoryviews so that large chunks are not copied; only a partial segment is buffered.
    """
    while True:
        limit = segment_limit()
        needed = limit - len(buffer)
        if len(view) <= needed:
            buffer += view
            return
        if buffer:
            buffer += view[:needed]
            view = view[needed:]
            segment = bytes(buffer)
            buffer.clear()
            yield segment
        else:
            yield view[:limit]
            view = view[limit:]
