"""Re-wrap every evidence data key under the newest key-encryption key (blobs are not touched)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from audit.choices import AuditAction
from audit.services import record_event
from casework.evidence.keys import keyring
from casework.evidence.services import rewrap_key
from casework.models import Evidence


class Command(BaseCommand):
    help = "Re-wrap evidence data keys under the first key in EVIDENCE_KEYS; then older keys can be retired."

    def handle(self, *args, **options):
        with transaction.atomic():
            evidence = Evidence.objects.filter(disposed_at__isnull=True).select_for_update().order_by("pk")
            rewrapped = sum(rewrap_key(item) for item in evidence)
            record_event(
                AuditAction.EVIDENCE_KEYS_ROTATED, detail={"rewrapped": rewrapped, "key": keyring().current_key_id}
            )
        self.stdout.write("%s data keys re-wrapped under %s." % (rewrapped, keyring().current_key_id))
