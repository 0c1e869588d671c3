"""A scheduled job's run, as the worker reports it: its row shows the outcome, and the trail records it."""

from django.conf import settings
from django.dispatch import receiver
from django.tasks import TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django.urls import reverse

from accounts.permissions import holders_of
from audit.choices import AuditAction, Outcome
from audit.permissions import VIEW_AUDIT_TRAIL
from audit.services import record_event
from notify.choices import NotificationKind
from notify.models import JobOutcome, ScheduledJob
from notify.permissions import VIEW_JOBS
from notify.services import notify
from notify.subjects import SCHEDULED_JOB, VERIFICATION


@receiver(task_started, dispatch_uid="notify_scheduled_job_started")
def job_started(sender, task_result, **kwargs) -> None:
    ScheduledJob.objects.filter(last_task_id=str(task_result.id)).update(last_started_at=task_result.started_at)


@receiver(task_finished, dispatch_uid="notify_scheduled_job_finished")
def job_finished(sender, task_result, **kwargs) -> None:
    job = ScheduledJob.objects.filter(last_task_id=str(task_result.id)).first()
    if job is None:
        return  # not a scheduled run
    succeeded = task_result.status == TaskResultStatus.SUCCESSFUL
    # The exception's last line: the duties raise naming what failed, never case content.
    error = "" if succeeded or not task_result.errors else task_result.errors[-1].traceback.strip().splitlines()[-1]
    job.last_started_at = task_result.started_at or job.last_started_at
    job.last_finished_at = task_result.finished_at
    job.last_outcome = JobOutcome.SUCCEEDED if succeeded else JobOutcome.FAILED
    job.last_error = error[:500]
    job.save(update_fields=["last_started_at", "last_finished_at", "last_outcome", "last_error"])
    if not succeeded:
        tell_of_failure(job)
    record_event(
        AuditAction.SCHEDULED_JOB_FINISHED,
        target_type="notify.scheduledjob",
        target_ref=job.name,
        outcome=Outcome.ALLOWED,
        detail={
            "task_id": str(task_result.id),
            "outcome": job.last_outcome,
            "seconds": job.last_duration.total_seconds() if job.last_duration else None,
            "error": job.last_error,
        },
    )


# Jobs whose failure means the trail or the evidence may have been tampered with: auditors hear too.
VERIFICATIONS = {"audit.tasks.verify_audit_chain", "vault.tasks.verify_evidence"}


def tell_of_failure(job: ScheduledJob) -> None:
    """Administrators hear of every failed job; auditors and administrators of a failed verification."""
    occasion = "job-failed:%s:%s" % (job.name, job.last_task_id)
    notify(
        holders_of(VIEW_JOBS),
        NotificationKind.JOB_FAILED,
        subject_type=SCHEDULED_JOB,
        subject_ref=job.name,
        link=reverse("notify:jobs"),
        occasion=occasion,
    )
    if settings.SCHEDULE.get(job.name, {}).get("task") in VERIFICATIONS:
        notify(
            [*holders_of(VIEW_AUDIT_TRAIL), *holders_of(VIEW_JOBS)],
            NotificationKind.VERIFICATION_FAILED,
            subject_type=VERIFICATION,
            subject_ref=job.name,
            link=reverse("audit:event_list"),
            occasion="verification-" + occasion,
        )
