"""Decrypt every encrypted file (evidence and attachments) and check its digest; exit non-zero listing each failure."""

from django.core.management.base import BaseCommand, CommandError

from vault.integrity import abandoned_uploads, remove_abandoned_uploads, verify_store


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
        older_than_seconds = older_than_minutes * 60
        if remove_abandoned:
            if removed := remove_abandoned_uploads(older_than_seconds):
                self.stdout.write("Removed %s abandoned upload file(s)." % removed)
        elif abandoned := abandoned_uploads(older_than_seconds):
            self.stdout.write(
                "%s abandoned upload file(s) (a process died mid-upload); --remove-abandoned deletes them."
                % len(abandoned)
            )
        check = verify_store()
        if check.failures:
            raise CommandError(
                "%s of %s evidence files failed verification:\n%s"
                % (len(check.failures), check.checked, "\n".join(check.failures)),
                returncode=1,
            )
        self.stdout.write(
            "All %s evidence files verified; %s disposed of (keys destroyed), not checked."
            % (check.checked, check.disposed)
        )
