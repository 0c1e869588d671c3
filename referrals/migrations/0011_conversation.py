"""A concern's follow-ups become its conversation: the same rows, now messages with a kind, a public
id and an author, and attachments that can belong to the reply they came with."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

KIND_FOR_SOURCE = {"referrer": "reply", "staff": "recorded"}


def kinds_from_sources(apps, schema_editor):
    Message = apps.get_model("referrals", "ReferralMessage")
    for source, kind in KIND_FOR_SOURCE.items():
        Message.objects.filter(kind=source).update(kind=kind)
    for message in Message.objects.filter(public_id=None).only("pk"):
        Message.objects.filter(pk=message.pk).update(public_id=uuid.uuid4())


def sources_from_kinds(apps, schema_editor):
    Message = apps.get_model("referrals", "ReferralMessage")
    Message.objects.exclude(kind="reply").update(kind="staff")
    Message.objects.filter(kind="reply").update(kind="referrer")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_outside_people"),
        ("referrals", "0010_referral_disposal"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("FollowUp", "ReferralMessage"),
        migrations.RenameField("referralmessage", "source", "kind"),
        migrations.RenameField("referralmessage", "received_at", "sent_at"),
        migrations.RenameField("referralmessage", "recorded_by", "author"),
        migrations.AlterModelOptions(
            name="referralmessage",
            options={"ordering": ["sent_at", "pk"]},
        ),
        migrations.AddField("referralmessage", "public_id", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(kinds_from_sources, sources_from_kinds),
        migrations.AlterField(
            "referralmessage", "public_id", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        ),
        migrations.AddField(
            model_name="attachment",
            name="message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attachments",
                to="referrals.referralmessage",
            ),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="message",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="referrals.referralmessage",
            ),
        ),
        migrations.AddField(
            model_name="referral",
            name="nudge_recipient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.outsideperson",
            ),
        ),
        migrations.AlterField(
            model_name="referralmessage",
            name="kind",
            field=models.CharField(
                choices=[
                    ("question", "A question from us"),
                    ("message", "A message from us"),
                    ("notice", "Our decision"),
                    ("reply", "From the person who shared the concern"),
                    ("recorded", "Recorded by staff (received by phone, e-mail or letter)"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="referralmessage",
            name="referral",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="messages", to="referrals.referral"
            ),
        ),
    ]
