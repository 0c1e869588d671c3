"""Scheduled work: one row per entry of settings.SCHEDULE, with when it runs next and how it last went."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from notify.choices import EmailFrequency, EmailState, NotificationKind


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


class Notification(models.Model):
    """One thing one person should know, in the service and (per their preference) by e-mail.

    It says only its kind and the reference of what it is about, with a link: a notification is sent
    only if its recipient may see that subject then, and the page behind the link checks again.
    The recipient is a member of staff (who also sees it in the service) or someone outside the body
    (e-mail only, its link to their portal): exactly one of the two.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    outside_recipient = models.ForeignKey(
        "accounts.OutsidePerson", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    subject_type = models.CharField(max_length=100)  # notify.subjects: whose rule says who may see it
    subject_ref = models.CharField(max_length=100)
    link = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Reminders carry a key naming the occasion (say, the task and its due date), so that a
    # scheduler running twice still notifies once.
    occasion = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.NOT_WANTED)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "occasion"], condition=~models.Q(occasion=""), name="notify_one_per_occasion"
            ),
            models.UniqueConstraint(
                fields=["outside_recipient", "occasion"],
                condition=~models.Q(occasion=""),
                name="notify_one_per_outside_occasion",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=True) ^ models.Q(outside_recipient__isnull=True),
                name="notify_one_recipient",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notify_unread")]

    def __str__(self) -> str:
        return "%s %s" % (self.get_kind_display(), self.subject_ref)

    @property
    def address(self) -> str:
        """Where its e-mail goes ('' when the recipient has no address)."""
        if self.recipient is not None:
            return self.recipient.email
        return self.outside_recipient.email if self.outside_recipient is not None else ""


class EmailPreference(models.Model):
    """How a person wants their notifications by e-mail; without a row, each one at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference")
    frequency = models.CharField(max_length=16, choices=EmailFrequency.choices, default=EmailFrequency.AT_ONCE)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return "%s: %s" % (self.user, self.get_frequency_display())
