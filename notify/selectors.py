"""Read side of scheduled work."""

from dataclasses import dataclass
from datetime import time, timedelta

from notify.models import Notification, ScheduledJob
from notify.schedule import configured_jobs


@dataclass(frozen=True)
class JobLine:
    name: str
    task_path: str
    every: timedelta
    at: time
    state: ScheduledJob | None  # None until the scheduler has first seen the job


def jobs_overview() -> list[JobLine]:
    """Every scheduled job with its state, in the schedule's order."""
    states = {job.name: job for job in ScheduledJob.objects.all()}
    return [
        JobLine(name, job.task.module_path, job.every, job.at, states.get(name))
        for name, job in configured_jobs().items()
    ]


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user, *, limit: int = 200):
    """The user's own notifications, newest first (nobody sees anyone else's)."""
    return Notification.objects.filter(recipient=user)[:limit]


def own_notification(user, notification_id: int) -> Notification | None:
    return Notification.objects.filter(recipient=user, pk=notification_id).first()
