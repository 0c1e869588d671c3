"""TOTP secrets encrypted with the field keyring (accounts.Authenticator, a proxy of django-otp's device).

django-otp's `key` column holds at most 80 characters of hex; a Fernet token of a 20-byte secret's
hex is about 140, so the column is widened to text, and every secret already stored is encrypted.
"""

from django.db import migrations

from kernel.migration_operations import encrypt_stored_column


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
        encrypt_stored_column("otp_totp_totpdevice", "key"),
    ]
