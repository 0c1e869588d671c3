"""Kernel housekeeping as tasks, for the schedule (settings.SCHEDULE)."""

from datetime import timedelta

from django.tasks import task

from kernel.once import forget_claims_older_than


@task
def prune_sent_once() -> int:
    return forget_claims_older_than(timedelta(hours=24))
