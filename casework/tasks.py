"""Casework's scheduled work (settings.SCHEDULE)."""

from django.tasks import task

from casework.reminders import send_case_reminders as send_due_reminders


@task
def send_case_reminders() -> int:
    return send_due_reminders()
