"""Migration operations for encrypted fields: the plaintext already stored encrypted, or back."""

from collections.abc import Callable

from django.db import migrations
from psycopg import sql

from kernel.fields import EncryptedTextField, decrypt, encrypt, is_token


def encrypt_stored_text(app_label: str, *model_names: str) -> migrations.RunPython:
    """Encrypt, in place, what a field held in plaintext before it became an EncryptedTextField.

    Works on raw column values (the model would try to decrypt them) and leaves values that are
    already tokens, so running it twice changes nothing; reversing it writes the plaintext back.
    """

    def forward(apps, schema_editor):
        _rewrite(apps, schema_editor, app_label, model_names, _encrypted)

    def backward(apps, schema_editor):
        _rewrite(apps, schema_editor, app_label, model_names, _decrypted)

    return migrations.RunPython(forward, backward)


def _encrypted(value: str) -> str:
    return value if is_token(value) else encrypt(value)


def _decrypted(value: str) -> str:
    return decrypt(value) if is_token(value) else value


def _rewrite(apps, schema_editor, app_label: str, model_names, change: Callable[[str], str]) -> None:
    for name in model_names:
        meta = apps.get_model(app_label, name)._meta
        columns = [sql.Identifier(str(f.column)) for f in meta.concrete_fields if isinstance(f, EncryptedTextField)]
        table, key = sql.Identifier(meta.db_table), sql.Identifier(str(meta.pk.column))
        select = sql.SQL("SELECT {}, {} FROM {}").format(key, sql.SQL(", ").join(columns), table)
        update = sql.SQL("UPDATE {} SET {} WHERE {} = %s").format(
            table, sql.SQL(", ").join(sql.SQL("{} = %s").format(column) for column in columns), key
        )
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(select)
            for pk, *values in cursor.fetchall():
                cursor.execute(update, [change(value) if value else value for value in values] + [pk])
