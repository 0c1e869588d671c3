"""Decrypt every encrypted file (evidence and attachments) and check its digest; exit non-zero listing each failure."""

from django.core.management.base import BaseCommand, CommandError

from audit.choices import AuditAction
from audit.services import record_event
from vault.blobs import evidence_storage
from vault.integrity import record_tampering, verify
from vault.models import encrypted_file_models, held_files


class Command(BaseCommand):
    help = (
        "Verify every evidence file: decrypts it, checks authentication and the recorded SHA-256. "
        "Also reports uploads abandoned by a process that died, and removes them when asked."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--remove-abandoned",
            action="store_true",
            help="Delete partial uploads and blobs no evidence row names, once older than --older-than-minutes.",
        )
        parser.add_argument("--older-than-minutes", type=int, default=60)

    def handle(self, *args, remove_abandoned=False, older_than_minutes=60, **options):
        self.report_abandoned(remove=remove_abandoned, older_than_seconds=older_than_minutes * 60)
        failures = []
        checked = 0
        for evidence in held_files():
            checked += 1
            problem = verify(evidence)
            if problem:
                failures.append("%s (%s): %s" % (evidence.public_id, evidence, problem))
                record_tampering(evidence, Exception(problem))
        record_event(AuditAction.EVIDENCE_VERIFIED, detail={"checked": checked, "failures": len(failures)})
        if failures:
            raise CommandError(
                "%s of %s evidence files failed verification:\n%s" % (len(failures), checked, "\n".join(failures)),
                returncode=1,
            )
        self.stdout.write("All %s evidence files verified." % checked)

    def report_abandoned(self, *, remove: bool, older_than_seconds: float) -> None:
        """Partial files of killed uploads, and blobs whose row never committed (a crash in between)."""
        storage = evidence_storage()
        named = {
            name
            for model in encrypted_file_models()
            for name in model._default_manager.values_list("blob_name", flat=True)
        }
        unnamed = [name for name in storage.unreferenced_blobs(older_than_seconds) if name not in named]
        abandoned = storage.abandoned(older_than_seconds) + unnamed
        if not abandoned:
            return
        if remove:
            for name in abandoned:
                storage.delete(name)
            self.stdout.write("Removed %s abandoned upload file(s)." % len(abandoned))
        else:
            self.stdout.write(
                "%s abandoned upload file(s) (a process died mid-upload); --remove-abandoned deletes them."
                % len(abandoned)
            )
