"""The schedule of periodic jobs, kept in one place (settings.SCHEDULE), and the scheduler's tick.

Each entry names a task (a dotted path to a `django.tasks` task), how often it runs, and the UTC
time of day its runs are aligned to. Any number of scheduler processes may tick at once, on any
machine: a due job's row is claimed with `SKIP LOCKED` and the task enqueued in the same
transaction, so each run is enqueued exactly once. A job seen for the first time runs at once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from notify.models import ScheduledJob

# Runs are aligned to this Monday at each job's time of day: weekly jobs run on Mondays.
ALIGNED_FROM = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Job:
    name: str
    task: Task
    every: timedelta
    at: time  # UTC time of day the runs are aligned to

    def next_run_after(self, moment: datetime) -> datetime:
        """The first aligned slot strictly after `moment`."""
        first = ALIGNED_FROM.replace(hour=self.at.hour, minute=self.at.minute)
        slots = (moment - first) // self.every + 1
        return first + slots * self.every


def configured_jobs() -> dict[str, Job]:
    """settings.SCHEDULE as Jobs; ImproperlyConfigured names any entry that is not a task or not a period."""
    jobs = {}
    for name, entry in settings.SCHEDULE.items():
        path, every, at = str(entry["task"]), entry["every"], str(entry.get("at", "00:00"))
        try:
            task = import_string(path)
        except ImportError as error:
            raise ImproperlyConfigured("Scheduled job %r names %r, which does not exist." % (name, path)) from error
        if not isinstance(task, Task):
            raise ImproperlyConfigured("Scheduled job %r names %r, which is not a task." % (name, path))
        if not isinstance(every, timedelta) or every <= timedelta(0):
            raise ImproperlyConfigured("Scheduled job %r must run every positive timedelta." % name)
        jobs[name] = Job(name, task, every, time.fromisoformat(at))
    return jobs


def enqueue_due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue every job that is due and not claimed by another scheduler; return their names."""
    now = now or timezone.now()
    jobs = configured_jobs()
    enqueued = []
    with transaction.atomic():
        ScheduledJob.objects.bulk_create(
            [ScheduledJob(name=name, next_run_at=now) for name in jobs], ignore_conflicts=True
        )
        due = ScheduledJob.objects.select_for_update(skip_locked=True).filter(name__in=jobs, next_run_at__lte=now)
        for row in due:
            job = jobs[row.name]
            result = job.task.enqueue()
            row.last_task_id = str(result.id)
            row.last_enqueued_at = now
            row.next_run_at = job.next_run_after(now)
            row.save(update_fields=["last_task_id", "last_enqueued_at", "next_run_at"])
            enqueued.append(row.name)
    return enqueued
