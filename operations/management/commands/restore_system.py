"""Restore a backup into an empty database and evidence store, then check what was restored."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.choices import AuditAction
from audit.services import record_event
from operations.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_system into the configured (empty) database and evidence store. "
        "Run verify_audit_chain and verify_evidence afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup directory.")

    def handle(self, *args, backup, **options):
        try:
            restored = restore_backup(backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        record_event(
            AuditAction.BACKUP_RESTORED,
            detail={"path": str(backup), "head_seq": restored.head_seq, "evidence_files": restored.evidence_files},
        )
        self.stdout.write(
            "Restored %s events (chain head seq %s, as recorded in the backup) and %s evidence files."
            % (restored.events, restored.head_seq, restored.evidence_files)
        )
