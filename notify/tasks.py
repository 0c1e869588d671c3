"""The queue's own housekeeping, for the schedule (settings.SCHEDULE)."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notify.mail import deliver, deliver_digests

FINISHED_KEPT_FOR = timedelta(days=30)


@task
def prune_task_results() -> int:
    """Forget finished runs after FINISHED_KEPT_FOR; each scheduled run is in the audit trail for good."""
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=timezone.now() - FINISHED_KEPT_FOR).delete()
    return deleted


@task
def send_notification_email(notification_id: int, attempt: int = 1) -> str:
    return deliver(notification_id, attempt)


@task
def send_daily_digests() -> int:
    return deliver_digests()
