"""Deadline reminders: who hears, of what, and only once however often the daily job runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import services
from casework.choices import RecommendationState
from casework.models import Investigation, SafetyRecommendation, Task
from casework.reminders import send_case_reminders
from casework.services.work import create_task
from notify.choices import NotificationKind
from notify.models import Notification
from referrals.models import Referral
from referrals.notices import send_overdue_reminders
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def kinds_for(user) -> set[str]:
    return set(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_case_deadlines_are_reminded_once_to_the_right_people(director, chief, lead_investigator, other_investigator):
    today = timezone.localdate()
    case = services.start_scoping(
        Investigation.objects.create(reference="INV-2026-0950", title="Deadlines", directed=True),
        actor=director,
        lead=lead_investigator,
    )
    Investigation.objects.filter(pk=case.pk).update(due_date=today + timedelta(days=25))
    create_task(
        case,
        actor=lead_investigator,
        title="Due tomorrow",
        assignee=lead_investigator,
        due_date=today + timedelta(days=1),
    )
    late = create_task(case, actor=lead_investigator, title="Late", assignee=lead_investigator, due_date=today)
    Task.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=3))
    SafetyRecommendation.objects.create(investigation=case, reference="REC-2026-0950-1", text="Do", addressee="Trust")
    SafetyRecommendation.objects.filter(investigation=case).update(
        state=RecommendationState.ISSUED, response_due=today + timedelta(days=10)
    )
    Notification.objects.all().delete()  # what setting the case up sent

    sent = send_case_reminders(today)

    assert kinds_for(lead_investigator) == {
        NotificationKind.TASK_DUE_TOMORROW,
        NotificationKind.TASK_OVERDUE,
        NotificationKind.DIRECTION_DEADLINE,
        NotificationKind.RECOMMENDATION_DUE,
    }
    assert kinds_for(director) == {NotificationKind.DIRECTION_DEADLINE}
    assert kinds_for(other_investigator) == set()  # not on the team: sees nothing of the case
    assert sent == Notification.objects.count()
    assert send_case_reminders(today) == 0  # the same day again: nothing twice
    # A week later the mandated date is 18 days away (still the 30-day warning) and the response
    # 3 days away: only the task then due tomorrow is new, now overdue; at 7 days the next warning.
    assert send_case_reminders(today + timedelta(days=7)) == 1
    assert send_case_reminders(today + timedelta(days=18)) >= 2
    assert Notification.objects.filter(recipient=director, kind=NotificationKind.DIRECTION_DEADLINE).count() == 2
    assert Notification.objects.filter(kind=NotificationKind.RECOMMENDATION_OVERDUE).exists()


def test_concerns_past_their_target_are_reminded_to_intake_once_per_state(intake, lead_investigator):
    referral = make_referral()
    Referral.objects.filter(pk=referral.pk).update(state_changed_at=timezone.now() - timedelta(days=5))
    fresh = make_referral()
    assert send_overdue_reminders() == 1
    assert send_overdue_reminders() == 0
    notification = Notification.objects.get()
    assert notification.recipient == intake
    assert notification.subject_ref == referral.reference
    assert fresh.reference != notification.subject_ref
    assert kinds_for(lead_investigator) == set()
