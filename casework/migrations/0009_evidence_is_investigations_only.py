# Evidence is an investigation's only: the column that named a referral goes (casework.0008 moved
# its rows to referrals.Attachment).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0008_move_referral_attachments"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="evidence",
            name="evidence_belongs_to_one_case",
        ),
        migrations.RemoveField(
            model_name="historicalevidence",
            name="referral",
        ),
        migrations.AlterField(
            model_name="evidence",
            name="investigation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="evidence", to="casework.investigation"
            ),
        ),
        migrations.RemoveField(
            model_name="evidence",
            name="referral",
        ),
    ]
