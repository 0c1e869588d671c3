# Referral attachments were copied to referrals.Attachment (referrals.0005): their evidence rows go.
# Apart from 0009's schema change, so that PostgreSQL has no pending trigger events when it alters the table.

from django.db import migrations


def remove_copied_attachments(apps, schema_editor):
    apps.get_model("casework", "HistoricalEvidence").objects.filter(referral__isnull=False).delete()
    apps.get_model("casework", "Evidence").objects.filter(referral__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_break_glass_role_permission"),
        ("referrals", "0005_attachments"),
    ]

    operations = [migrations.RunPython(remove_copied_attachments, migrations.RunPython.noop)]
