"""What intake is told: the subject referrals register with notify, and concerns overdue against target."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.permissions import holders_of
from notify.choices import NotificationKind
from notify.services import notify
from notify.subjects import register_outside_subject, register_subject
from referrals.models import Referral
from referrals.permissions import TRIAGE_REFERRAL

REFERRAL = "referrals.referral"


def register_subjects() -> None:
    register_subject(REFERRAL, lambda user, ref: Referral.objects.visible_to(user).filter(reference=ref).exists())
    # The referrer hears only of their own concern, at the address they asked to be nudged at.
    register_outside_subject(
        REFERRAL,
        lambda person, ref: Referral.objects.filter(reference=ref, nudge_recipient=person, disposed_at=None).exists(),
    )


def notify_about_referral(recipients, kind: NotificationKind, referral: Referral, *, actor) -> None:
    """Tell each recipient (never the person who acted) that `referral` waits for them."""
    notify(
        [user for user in recipients if user.pk != actor.pk],
        kind,
        subject_type=REFERRAL,
        subject_ref=referral.reference,
        link=referral.get_absolute_url(),
    )


def notify_referral_waiting(referral: Referral, *, deciders, actor) -> None:
    """A proposal waits for a director's decision: the deciders hear (never who proposed it)."""
    notify_about_referral(deciders, NotificationKind.PROPOSAL_WAITING, referral, actor=actor)


def send_overdue_reminders() -> int:
    """Tell intake of each concern past its state's target, once per state it is overdue in."""
    now = timezone.now()
    overdue = Q()
    for state, days in settings.REFERRAL_TARGET_DAYS.items():
        overdue |= Q(state=state, state_changed_at__lt=now - timedelta(days=days))
    intake = list(holders_of(TRIAGE_REFERRAL))
    sent = 0
    for referral in Referral.objects.filter(overdue):
        sent += len(
            notify(
                intake,
                NotificationKind.REFERRAL_OVERDUE,
                subject_type=REFERRAL,
                subject_ref=referral.reference,
                link=referral.get_absolute_url(),
                occasion="referral-overdue:%s:%s:%s" % (referral.pk, referral.state, referral.state_changed_at.date()),
            )
        )
    return sent
