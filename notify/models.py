"""Scheduled work: one row per entry of settings.SCHEDULE, with when it runs next and how it last went."""

from django.db import models


class JobOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ScheduledJob(models.Model):
    """A scheduled job's state, shared by every scheduler process: the row is the claim on a run."""

    name = models.CharField(primary_key=True, max_length=100)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True, db_index=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, choices=JobOutcome.choices, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.name

    @property
    def last_duration(self):
        if self.last_started_at and self.last_finished_at and self.last_finished_at >= self.last_started_at:
            return self.last_finished_at - self.last_started_at
        return None
