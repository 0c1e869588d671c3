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

    def columns(apps) -> list[tuple[str, str, list[str]]]:
        found = []
        for name in model_names:
            meta = apps.get_model(app_label, name)._meta
            encrypted = [str(f.column) for f in meta.concrete_fields if isinstance(f, EncryptedTextField)]
            found.append((meta.db_table, str(meta.pk.column), encrypted))
        return found

    return _rewrite_operation(columns)


def encrypt_stored_column(table: str, column: str, key: str = "id") -> migrations.RunPython:
    """As `encrypt_stored_text`, for one column of a table whose model is not ours (a library's)."""
    return _rewrite_operation(lambda apps: [(table, key, [column])])


def _rewrite_operation(columns: Callable) -> migrations.RunPython:
    def forward(apps, schema_editor):
        for table, key, names in columns(apps):
            _rewrite(schema_editor, table, key, names, _encrypted)

    def backward(apps, schema_editor):
        for table, key, names in columns(apps):
            _rewrite(schema_editor, table, key, names, _decrypted)

    return migrations.RunPython(forward, backward)


def _encrypted(value: str) -> str:
    return value if is_token(value) else encrypt(value)


def _decrypted(value: str) -> str:
    return decrypt(value) if is_token(value) else value


def _rewrite(schema_editor, table: str, key: str, columns: list[str], change: Callable[[str], str]) -> None:
    names = [sql.Identifier(column) for column in columns]
    select = sql.SQL("SELECT {}, {} FROM {}").format(
        sql.Identifier(key), sql.SQL(", ").join(names), sql.Identifier(table)
    )
    update = sql.SQL("UPDATE {} SET {} WHERE {} = %s").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.SQL("{} = %s").format(name) for name in names),
        sql.Identifier(key),
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(select)
        for pk, *values in cursor.fetchall():
            cursor.execute(update, [change(value) if value else value for value in values] + [pk])
