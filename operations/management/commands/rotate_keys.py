"""Re-wrap every data key (evidence and attachments) under the newest key-encryption key (blobs untouched).

Run by a named system administrator with a current code from their authenticator (the command's
step-up); the audit event names them.
"""

from getpass import getpass

from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import OperatorRefused, verify_operator
from audit.choices import AuditAction
from audit.services import record_event
from kernel.transactions import service_transaction
from vault.integrity import rewrap_key
from vault.keys import keyring
from vault.models import encrypted_file_models


class Command(BaseCommand):
    help = "Re-wrap evidence data keys under the first key in EVIDENCE_KEYS; then older keys can be retired."

    def add_arguments(self, parser):
        parser.add_argument("--operator", required=True, help="Username of the system administrator running this.")
        parser.add_argument("--code", help="Their current authenticator code (asked for when left out).")

    def handle(self, *args, operator, code=None, **options):
        try:
            actor = verify_operator(operator, code or getpass("Authenticator code: "), purpose="rotate evidence keys")
        except OperatorRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        with service_transaction():
            rewrapped = 0
            for model in encrypted_file_models():
                held = model._default_manager.filter(disposed_at__isnull=True).select_for_update().order_by("pk")
                rewrapped += sum(rewrap_key(item) for item in held)
            record_event(
                AuditAction.EVIDENCE_KEYS_ROTATED,
                actor=actor,
                detail={"rewrapped": rewrapped, "key": keyring().current_key_id},
            )
        self.stdout.write("%s data keys re-wrapped under %s." % (rewrapped, keyring().current_key_id))
