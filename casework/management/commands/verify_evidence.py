"""Decrypt every evidence blob and check its digest; exit non-zero listing each failure."""

from django.core.management.base import BaseCommand, CommandError

from audit.choices import AuditAction
from audit.services import record_event
from casework.evidence.services import record_tampering, verify
from casework.models import Evidence


class Command(BaseCommand):
    help = "Verify every evidence file: decrypts it, checks authentication and the recorded SHA-256."

    def handle(self, *args, **options):
        failures = []
        checked = 0
        for evidence in Evidence.objects.filter(disposed_at__isnull=True).order_by("pk").iterator():
            checked += 1
            problem = verify(evidence)
            if problem:
                failures.append("%s (%s): %s" % (evidence.public_id, evidence.title, problem))
                record_tampering(evidence, Exception(problem))
        record_event(AuditAction.EVIDENCE_VERIFIED, detail={"checked": checked, "failures": len(failures)})
        if failures:
            raise CommandError(
                "%s of %s evidence files failed verification:\n%s" % (len(failures), checked, "\n".join(failures)),
                returncode=1,
            )
        self.stdout.write("All %s evidence files verified." % checked)
