"""Check the whole audit chain and the exported head; exit non-zero naming the first problem."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.anchor import HeadProblem, check_database_reaches, read_head
from audit.chain import events_outside_chain, verify_stored_chain
from audit.choices import AuditAction
from audit.services import chain_waiting_events, record_event, unchained_overdue


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain and that it still reaches the exported head. "
        "Exits 0 when both hold, 1 naming the first problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head", type=Path, default=None, help="The exported head file (AUDIT_HEAD_PATH).")

    def handle(self, *args: Any, head: Path | None = None, **options: Any) -> None:
        path = head or Path(settings.AUDIT_HEAD_PATH)
        overdue, oldest = unchained_overdue()
        chain_waiting_events()
        report = verify_stored_chain()
        problem = str(report.first_break) if not report.intact else None
        if problem is None and (outside := events_outside_chain()):
            problem = "%s events are neither chained nor waiting to be (written around the chain)" % outside
        anchored_at = None
        if problem is None and path.exists():
            try:
                exported = read_head(path)
                check_database_reaches(exported, report.head_seq)
                anchored_at = exported.seq
            except HeadProblem as error:
                problem = str(error)
        record_event(
            AuditAction.AUDIT_CHAIN_VERIFIED,
            detail={
                "intact": problem is None,
                "problem": problem or "",
                "events": report.events_checked,
                "head_seq": report.head_seq,
                "exported_head_seq": anchored_at,
                "chained_late": overdue,
            },
        )
        if overdue:
            self.stderr.write(
                "Events that had waited longer than %s s to be chained: %s (the oldest since %s). They are chained now."
                % (settings.AUDIT_CHAIN_GRACE_SECONDS, overdue, oldest.isoformat() if oldest else "?")
            )
        if problem is not None:
            raise CommandError("Audit chain check failed: %s" % problem, returncode=1)
        if report.head_seq is None:
            self.stdout.write("Audit chain intact: no events yet.")
            return
        self.stdout.write(
            "Audit chain intact: %s events, head seq %s, head hash %s"
            % (report.events_checked, report.head_seq, report.head_hash)
        )
        if anchored_at is None:
            self.stdout.write(
                "No exported head at %s: run export_audit_head so that deleting the newest events is detected." % path
            )
        else:
            self.stdout.write("The chain still contains the exported head (seq %s)." % anchored_at)
