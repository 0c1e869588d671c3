# The counters' tables are now the kernel's (kernel.0001 renames them); only the state goes here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_intake_idempotency_key"),
        ("kernel", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RateLimitCounter"),
                migrations.DeleteModel(name="ReferenceCounter"),
            ],
        ),
    ]
