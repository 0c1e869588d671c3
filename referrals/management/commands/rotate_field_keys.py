"""Re-encrypt every personal-details field (and its history) under the newest FIELD_ENCRYPTION_KEYS key."""

from django.core.management.base import BaseCommand

from audit.choices import AuditAction
from audit.services import record_event
from kernel.transactions import service_transaction
from referrals.models import PERSONAL_FIELDS, Referral

BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Re-encrypt personal details under the first key in FIELD_ENCRYPTION_KEYS; then old keys can go."

    def handle(self, *args, **options):
        with service_transaction():
            rotated = {model._meta.label: rotate_model(model) for model in (Referral, Referral.history.model)}
            record_event(AuditAction.FIELD_KEYS_ROTATED, detail={"rows": rotated})
        for label, count in rotated.items():
            self.stdout.write("%s: %s rows re-encrypted under the newest key" % (label, count))


def rotate_model(model) -> int:
    """Load (decrypting with any key in the ring) and write back (encrypting with the newest).

    A bulk update on purpose: re-encryption changes no content, so it adds no history rows.
    """
    manager = model._base_manager
    batch, count = [], 0
    for row in manager.only("pk", *PERSONAL_FIELDS).order_by("pk").iterator(chunk_size=BATCH_SIZE):
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            manager.bulk_update(batch, PERSONAL_FIELDS)
            count, batch = count + len(batch), []
    if batch:
        manager.bulk_update(batch, PERSONAL_FIELDS)
        count += len(batch)
    return count
