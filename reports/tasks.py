"""Reports' scheduled work (settings.SCHEDULE)."""

from django.tasks import task

from reports.services.consultation import send_deadline_reminders


@task
def send_consultation_reminders() -> int:
    return send_deadline_reminders()
