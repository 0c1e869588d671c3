"""Key-encryption keys: wrap and unwrap each evidence file's data key.

The keyring is a small interface (`wrap`, `unwrap`, `current_key_id`) so that a KMS can replace the
local implementation in production. `LocalKeyring` reads EVIDENCE_KEYS: comma-separated
`key-id:base64-key` pairs, newest first. New files are wrapped with the first key; `rotate_keys`
re-wraps every data key with it, after which an older key can be removed.
"""

import base64
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from vault.stream import TamperedError

WRAP_NONCE_SIZE = 12


class KeyRetired(Exception):
    """The data key was wrapped with a key that is no longer in the keyring."""


class LocalKeyring:
    """AES-256-GCM key wrapping with keys from settings (development, tests, small deployments)."""

    def __init__(self, keys: dict[str, bytes]):
        if not keys:
            raise ImproperlyConfigured("EVIDENCE_KEYS is empty: evidence cannot be encrypted.")
        self.keys = keys

    @classmethod
    def from_settings(cls) -> "LocalKeyring":
        return _local_keyring(tuple(settings.EVIDENCE_KEYS))

    @property
    def current_key_id(self) -> str:
        return next(iter(self.keys))

    def has_key(self, key_id: str) -> bool:
        """Whether data keys wrapped with `key_id` can be unwrapped (checked before a restore)."""
        return key_id in self.keys

    def wrap(self, data_key: bytes, associated_data: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(WRAP_NONCE_SIZE)
        key_id = self.current_key_id
        return key_id, nonce + AESGCM(self.keys[key_id]).encrypt(nonce, data_key, associated_data)

    def unwrap(self, key_id: str, wrapped: bytes, associated_data: bytes) -> bytes:
        if key_id not in self.keys:
            raise KeyRetired("Evidence key %s is not in the keyring (retired before rotate_keys ran?)." % key_id)
        try:
            nonce, sealed = wrapped[:WRAP_NONCE_SIZE], wrapped[WRAP_NONCE_SIZE:]
            return AESGCM(self.keys[key_id]).decrypt(nonce, sealed, associated_data)
        except InvalidTag as exc:
            raise TamperedError("The wrapped data key failed authentication.") from exc


@cache
def _local_keyring(entries: tuple[str, ...]) -> LocalKeyring:
    keys = {}
    for entry in entries:
        key_id, _, encoded = entry.partition(":")
        key = base64.urlsafe_b64decode(encoded)
        if not key_id or len(key) != 32:
            raise ImproperlyConfigured("EVIDENCE_KEYS entries must be 'key-id:base64 of 32 bytes'.")
        keys[key_id] = key
    return LocalKeyring(keys)


def local_keyring() -> LocalKeyring:
    return LocalKeyring.from_settings()


def keyring():
    """The configured keyring (EVIDENCE_KEYRING names a callable returning one)."""
    return import_string(settings.EVIDENCE_KEYRING)()
