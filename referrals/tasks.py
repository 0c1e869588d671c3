"""Referrals' scheduled work (settings.SCHEDULE)."""

from django.tasks import task

from referrals.notices import send_overdue_reminders


@task
def send_referral_reminders() -> int:
    return send_overdue_reminders()
