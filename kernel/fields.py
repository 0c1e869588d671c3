"""Field-level encryption for identity-bearing text: referrers' and patients' details, interviewees,
journal notes, task titles, follow-ups, evidence titles and file names.

Values are Fernet tokens (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a keyring from
the FIELD_ENCRYPTION_KEYS setting, newest key first. MultiFernet decrypts with any key of the
ring and always encrypts with the first, so `rotate_field_keys` (load and save every row)
re-encrypts under the newest key, and an old key can then be retired.
Encrypted columns are never indexed or filtered on: lookups other than `isnull` are refused.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models


@cache
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: personal details cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key.") from exc


def keyring() -> MultiFernet:
    """The current keyring (read from settings each time, cached per distinct key list)."""
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return keyring().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS "
            "(was a key removed before rotate_field_keys ran?)."
        ) from exc


def is_token(value: str) -> bool:
    """Whether `value` is a token some key of the ring decrypts (not plaintext)."""
    try:
        keyring().decrypt(value.encode())
    except (InvalidToken, ValueError):
        return False
    return True


class EncryptedTextField(models.TextField):
    """Text stored encrypted; Python code sees plaintext. An empty value is stored empty."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""

    def formfield(self, **kwargs):
        # A short value (a title, a name, a file name) is typed on one line, as a CharField's would be.
        if self.max_length is not None and self.max_length <= 255:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError("Encrypted field %s cannot be filtered on (lookup %r)." % (self.name, lookup_name))
        return super().get_lookup(lookup_name)


def encrypted_fields(model: type[models.Model]) -> list[str]:
    """The names of `model`'s encrypted fields (history models included: they copy the field)."""
    return [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
