# The counters were first created by the referrals app; they move here, keeping their rows.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("referrals", "0003_intake_idempotency_key")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateLimitCounter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=64)),
                        ("window_start", models.DateTimeField()),
                        ("hits", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(fields=("key", "window_start"), name="unique_rate_limit_window")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ReferenceCounter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("prefix", models.CharField(max_length=8)),
                        ("year", models.PositiveIntegerField()),
                        ("last_number", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(fields=("prefix", "year"), name="unique_reference_counter")
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE referrals_ratelimitcounter RENAME TO kernel_ratelimitcounter",
                    "ALTER TABLE kernel_ratelimitcounter RENAME TO referrals_ratelimitcounter",
                ),
                migrations.RunSQL(
                    "ALTER TABLE referrals_referencecounter RENAME TO kernel_referencecounter",
                    "ALTER TABLE kernel_referencecounter RENAME TO referrals_referencecounter",
                ),
            ],
        ),
    ]
