"""Check the whole audit chain and the exported head; exit non-zero naming the first problem."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.duties import check_trail


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain and that it still reaches the exported head. "
        "Exits 0 when both hold, 1 naming the first problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head", type=Path, default=None, help="The exported head file (AUDIT_HEAD_PATH).")

    def handle(self, *args: Any, head: Path | None = None, **options: Any) -> None:
        path = head or Path(settings.AUDIT_HEAD_PATH)
        check = check_trail(path)
        report = check.report
        if check.chained_late:
            self.stderr.write(
                "Events that had waited longer than %s s to be chained: %s (the oldest since %s). They are chained now."
                % (
                    settings.AUDIT_CHAIN_GRACE_SECONDS,
                    check.chained_late,
                    check.oldest_late.isoformat() if check.oldest_late else "?",
                )
            )
        if check.problem is not None:
            raise CommandError("Audit chain check failed: %s" % check.problem, returncode=1)
        if report.head_seq is None:
            self.stdout.write("Audit chain intact: no events yet.")
            return
        self.stdout.write(
            "Audit chain intact: %s events, head seq %s, head hash %s"
            % (report.events_checked, report.head_seq, report.head_hash)
        )
        if check.anchored_at is None:
            self.stdout.write(
                "No exported head at %s: run export_audit_head so that deleting the newest events is detected." % path
            )
        else:
            self.stdout.write("The chain still contains the exported head (seq %s)." % check.anchored_at)
