# Referral attachments become the referral's own records (they were evidence rows with a referral):
# the same public id, blob and wrapped key, and their field history, so every file still decrypts
# and every audit event still names it. casework.0008 then removes them from evidence.

import uuid

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

FILE_FIELDS = [
    "public_id",
    "display_name",
    "content_type",
    "size",
    "sha256",
    "blob_name",
    "algorithm",
    "kek_id",
    "wrapped_key",
    "added_by_id",
    "added_at",
    "retention_until",
    "legal_hold",
    "disposed_at",
    "referral_id",
    "title",
]
HISTORY_FIELDS = ["history_id", "history_date", "history_change_reason", "history_type", "history_user_id"]


def copy_attachments(apps, schema_editor):
    Evidence = apps.get_model("casework", "Evidence")
    HistoricalEvidence = apps.get_model("casework", "HistoricalEvidence")
    Attachment = apps.get_model("referrals", "Attachment")
    HistoricalAttachment = apps.get_model("referrals", "HistoricalAttachment")
    new_ids = {}
    for row in Evidence.objects.filter(referral__isnull=False).order_by("pk").values(*FILE_FIELDS):
        new_ids[row["public_id"]] = Attachment.objects.create(**row).pk
    history = HistoricalEvidence.objects.filter(referral__isnull=False).order_by("history_id")
    kept_in_history = [field for field in FILE_FIELDS if field != "wrapped_key"]
    for row in history.values(*kept_in_history, *HISTORY_FIELDS):
        if row["public_id"] in new_ids:
            row.pop("history_id")
            HistoricalAttachment.objects.create(id=new_ids[row["public_id"]], **row)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0004_counters_move_to_kernel"),
        ("casework", "0007_break_glass_role_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Attachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "display_name",
                    models.CharField(help_text="The client's file name, cleaned; never used on disk.", max_length=255),
                ),
                ("content_type", models.CharField(max_length=100)),
                ("size", models.BigIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("blob_name", models.CharField(max_length=100, unique=True)),
                ("algorithm", models.CharField(max_length=30)),
                ("kek_id", models.CharField(max_length=50)),
                ("wrapped_key", models.BinaryField(null=True)),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("retention_until", models.DateField(blank=True, null=True)),
                ("legal_hold", models.BooleanField(default=False)),
                ("disposed_at", models.DateTimeField(blank=True, null=True)),
                ("title", models.CharField(max_length=200)),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "referral",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="attachments", to="referrals.referral"
                    ),
                ),
            ],
            options={
                "ordering": ["-added_at"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalAttachment",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("public_id", models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                (
                    "display_name",
                    models.CharField(help_text="The client's file name, cleaned; never used on disk.", max_length=255),
                ),
                ("content_type", models.CharField(max_length=100)),
                ("size", models.BigIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("blob_name", models.CharField(db_index=True, max_length=100)),
                ("algorithm", models.CharField(max_length=30)),
                ("kek_id", models.CharField(max_length=50)),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("retention_until", models.DateField(blank=True, null=True)),
                ("legal_hold", models.BooleanField(default=False)),
                ("disposed_at", models.DateTimeField(blank=True, null=True)),
                ("title", models.CharField(max_length=200)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "referral",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="referrals.referral",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical attachment",
                "verbose_name_plural": "historical attachments",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(copy_attachments, migrations.RunPython.noop),
    ]
