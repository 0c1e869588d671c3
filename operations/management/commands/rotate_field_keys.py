"""Re-encrypt every encrypted field (history included) and every TOTP secret under the newest field key."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models

from accounts.models import Authenticator
from audit.choices import AuditAction
from audit.services import record_event
from kernel.fields import encrypted_fields
from kernel.transactions import service_transaction

BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the first key in FIELD_ENCRYPTION_KEYS; then old keys can go."

    def handle(self, *args, **options):
        with service_transaction():
            rotated = {
                model._meta.label: rotate_model(model, fields)
                for model in apps.get_models()
                if (fields := encrypted_fields(model))
            }
            authenticators = list(Authenticator.objects.select_for_update())
            for device in authenticators:
                device.reencrypt()
            rotated[Authenticator._meta.label] = len(authenticators)
            record_event(AuditAction.FIELD_KEYS_ROTATED, detail={"rows": rotated})
        for label, count in rotated.items():
            self.stdout.write("%s: %s rows re-encrypted under the newest key" % (label, count))


def rotate_model(model: type[models.Model], fields: list[str]) -> int:
    """Load (decrypting with any key in the ring) and write back (encrypting with the newest).

    A bulk update on purpose: re-encryption changes no content, so it adds no history rows. Rows
    are locked as they are read, so an edit made meanwhile is read (and kept), never overwritten.
    """
    manager = model._base_manager
    batch, count = [], 0
    rows = manager.select_for_update().only("pk", *fields).order_by("pk")
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            manager.bulk_update(batch, fields)
            count, batch = count + len(batch), []
    if batch:
        manager.bulk_update(batch, fields)
        count += len(batch)
    return count
