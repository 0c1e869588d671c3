"""The trail's duties as tasks, for the schedule (settings.SCHEDULE)."""

from pathlib import Path

from django.conf import settings
from django.tasks import task

from audit.duties import check_trail, export_chain_head


class TrailCheckFailed(Exception):
    """The nightly check found the chain broken or cut short: the job fails, and says where."""


@task
def export_audit_head() -> int | None:
    head = export_chain_head(Path(settings.AUDIT_HEAD_PATH))
    return head.seq if head else None


@task
def verify_audit_chain() -> int:
    check = check_trail(Path(settings.AUDIT_HEAD_PATH))
    if check.problem is not None:
        raise TrailCheckFailed(check.problem)
    return check.report.events_checked
