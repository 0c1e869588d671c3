"""Write a consistent backup: database dump, encrypted evidence, keyring reference and chain head."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.choices import AuditAction
from audit.services import record_event
from operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and evidence store into a new directory (default backups/<UTC time>)."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=None, help="A new or empty directory for the backup.")

    def handle(self, *args, to=None, **options):
        target = to or Path("backups") / timezone.now().strftime("%Y%m%dT%H%M%SZ")
        try:
            manifest = create_backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        head = manifest["audit_head"] or {}
        record_event(
            AuditAction.BACKUP_CREATED,
            detail={"path": str(target), "head_seq": head.get("seq"), "evidence_files": manifest["evidence_files"]},
        )
        self.stdout.write(
            "Backup written to %s: audit chain head seq %s, %s evidence files."
            % (target, head.get("seq"), manifest["evidence_files"])
        )
