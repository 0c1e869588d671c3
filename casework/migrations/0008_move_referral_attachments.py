# Referral attachments move from evidence rows with a referral to referrals.Attachment: the same
# public id, blob and wrapped key, and their field history, so every file still decrypts and every
# audit event still names it. One transaction, with evidence locked against writes meanwhile, so no
# attachment received during the move is left behind; rolling back moves them back.
# 0009's schema change is apart, so that PostgreSQL has no pending trigger events when it alters the table.

from django.db import migrations

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
HISTORY_FIELDS = ["history_date", "history_change_reason", "history_type", "history_user_id"]
KEPT_IN_HISTORY = [field for field in FILE_FIELDS if field != "wrapped_key"]


def copy_files(source, history_source, target, history_target, *, extra=None):
    """Copy each row of `source` (and its history) into `target`, keyed by public id; returns the ids."""
    new_pks = {}
    for row in source.order_by("pk").values(*FILE_FIELDS):
        new_pks[row["public_id"]] = target.objects.create(**row, **(extra(row) if extra else {})).pk
    history = history_source.filter(public_id__in=list(new_pks)).order_by("history_id")
    for row in history.values(*KEPT_IN_HISTORY, *HISTORY_FIELDS):
        history_target.objects.create(id=new_pks[row["public_id"]], **row, **(extra(row) if extra else {}))
    return list(new_pks)


def move_to_referrals(apps, schema_editor):
    schema_editor.execute("LOCK TABLE casework_evidence IN EXCLUSIVE MODE")
    Evidence = apps.get_model("casework", "Evidence")
    HistoricalEvidence = apps.get_model("casework", "HistoricalEvidence")
    moved = copy_files(
        Evidence.objects.filter(referral__isnull=False),
        HistoricalEvidence.objects.all(),
        apps.get_model("referrals", "Attachment"),
        apps.get_model("referrals", "HistoricalAttachment"),
    )
    HistoricalEvidence.objects.filter(public_id__in=moved).delete()
    Evidence.objects.filter(public_id__in=moved).delete()
    if Evidence.objects.filter(referral__isnull=False).exists():
        raise RuntimeError("A referral attachment was not moved; nothing was changed.")


def move_back_to_evidence(apps, schema_editor):
    Attachment = apps.get_model("referrals", "Attachment")
    HistoricalAttachment = apps.get_model("referrals", "HistoricalAttachment")
    moved = copy_files(
        Attachment.objects.all(),
        HistoricalAttachment.objects.all(),
        apps.get_model("casework", "Evidence"),
        apps.get_model("casework", "HistoricalEvidence"),
        extra=lambda row: {"received_on": row["added_at"].date()},
    )
    HistoricalAttachment.objects.filter(public_id__in=moved).delete()
    Attachment.objects.filter(public_id__in=moved).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_break_glass_role_permission"),
        ("referrals", "0005_attachments"),
    ]

    operations = [migrations.RunPython(move_to_referrals, move_back_to_evidence)]
