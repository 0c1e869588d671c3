"""The trail's standing duties, run on a schedule (audit.tasks) and by hand (management commands):
export the signed chain head, and check the whole chain against it. Each run is an audit event."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from audit.anchor import ExportedHead, HeadProblem, check_database_reaches, export_head, read_head
from audit.chain import ChainReport, events_outside_chain, verify_stored_chain
from audit.choices import AuditAction
from audit.services import chain_waiting_events, record_event, unchained_overdue


def export_chain_head(path: Path) -> ExportedHead | None:
    """Chain what waits, then write the newest link, signed, to `path` (None while there are no events)."""
    chain_waiting_events()  # the head then covers every event committed so far
    head = export_head(path)
    if head is not None:
        record_event(AuditAction.AUDIT_HEAD_EXPORTED, detail={"seq": head.seq, "hash": head.hash, "path": str(path)})
    return head


@dataclass(frozen=True)
class TrailCheck:
    report: ChainReport
    problem: str | None  # the first thing that does not hold, or None
    anchored_at: int | None  # the exported head's seq, when there is one and the chain reaches it
    chained_late: int  # events that had waited longer than AUDIT_CHAIN_GRACE_SECONDS
    oldest_late: datetime | None


def check_trail(head_path: Path) -> TrailCheck:
    """Check the chain from genesis, that every event is in it, and that it still reaches the exported head."""
    overdue, oldest = unchained_overdue()
    chain_waiting_events()
    report = verify_stored_chain()
    problem = str(report.first_break) if not report.intact else None
    if problem is None and (outside := events_outside_chain()):
        problem = "%s events are neither chained nor waiting to be (written around the chain)" % outside
    anchored_at = None
    if problem is None and head_path.exists():
        try:
            exported = read_head(head_path)
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
    return TrailCheck(report, problem, anchored_at, overdue, oldest)
