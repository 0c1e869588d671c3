"""TOTP secrets encrypted with the field keyring (accounts.Authenticator, a proxy of django-otp's device).

django-otp's `key` column holds at most 80 characters of hex; a Fernet token of a 20-byte secret's
hex is about 140, so the column is widened to text, and every secret already stored is encrypted.
"""

from django.db import migrations

from kernel.fields import decrypt, encrypt, is_token

TABLE = "otp_totp_totpdevice"


def encrypt_secrets(apps, schema_editor):
    _rewrite(schema_editor, lambda key: key if is_token(key) else encrypt(key))


def decrypt_secrets(apps, schema_editor):
    _rewrite(schema_editor, lambda key: decrypt(key) if is_token(key) else key)


def _rewrite(schema_editor, change) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, key FROM otp_totp_totpdevice")
        for pk, key in cursor.fetchall():
            cursor.execute("UPDATE otp_totp_totpdevice SET key = %s WHERE id = %s", [change(key), pk])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_service_accounts"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="Authenticator",
            fields=[],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunSQL(
            "ALTER TABLE otp_totp_totpdevice ALTER COLUMN key TYPE text",
            "ALTER TABLE otp_totp_totpdevice ALTER COLUMN key TYPE varchar(80)",
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
