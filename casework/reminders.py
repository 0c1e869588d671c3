"""Deadline reminders for casework, run daily by the schedule (casework.tasks.send_case_reminders).

Each reminder names its occasion (the thing and its date), so a day's run repeated, or two schedulers,
remind once; a date that moves makes a new occasion. A run that was missed catches up: what is due
in the window is reminded of on the next run.
"""

from datetime import date, timedelta
from typing import cast

from django.utils import timezone

from accounts.permissions import holders_of
from casework.choices import CLOSED_STATES, TaskStatus, TeamRole
from casework.models import Investigation, Task
from casework.notices import notify_about_case
from casework.permissions import DIRECT_INVESTIGATION
from casework.services.responses import send_response_reminders
from notify.choices import NotificationKind

# Days before a directed investigation's mandated report date that its leads and the directors hear.
MANDATED_DATE_WARNINGS = (60, 30, 7)


def send_case_reminders(today: date | None = None) -> int:
    """Every reminder due today; returns how many notifications were sent."""
    today = today or timezone.localdate()
    return _task_reminders(today) + _mandated_date_reminders(today) + send_response_reminders(today)


def _leads(investigation: Investigation) -> list:
    return [membership.user for membership in investigation.team.filter(role=TeamRole.LEAD).select_related("user")]


def _task_reminders(today: date) -> int:
    sent = 0
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN, due_date__isnull=False).select_related(
        "investigation", "assignee"
    )
    for task in open_tasks.filter(due_date=today + timedelta(days=1)):
        sent += notify_about_case(
            [task.assignee],
            NotificationKind.TASK_DUE_TOMORROW,
            task.investigation,
            occasion="task-due:%s:%s" % (task.pk, task.due_date),
        )
    for task in open_tasks.filter(due_date__lt=today):
        sent += notify_about_case(
            [task.assignee],
            NotificationKind.TASK_OVERDUE,
            task.investigation,
            occasion="task-overdue:%s:%s" % (task.pk, task.due_date),
        )
    return sent


def _mandated_date_reminders(today: date) -> int:
    sent = 0
    directors = list(holders_of(DIRECT_INVESTIGATION))
    directed = Investigation.objects.filter(
        directed=True,
        due_date__gte=today,
        due_date__lte=today + timedelta(days=max(MANDATED_DATE_WARNINGS)),
    ).exclude(state__in=CLOSED_STATES)
    for investigation in directed:
        days_left = (cast(date, investigation.due_date) - today).days  # due_date filtered above
        warning = min(days for days in MANDATED_DATE_WARNINGS if days_left <= days)
        sent += notify_about_case(
            [*_leads(investigation), *directors],
            NotificationKind.DIRECTION_DEADLINE,
            investigation,
            occasion="mandated-date:%s:%s:%s" % (investigation.pk, investigation.due_date, warning),
        )
    return sent
