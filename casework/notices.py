"""What casework tells people: the subjects it registers with notify, and who hears of what."""

from collections.abc import Iterable

from django.urls import reverse

from accounts.models import User
from audit.permissions import may_audit
from casework.models import Investigation
from casework.permissions import may_view_directions
from casework.selectors import answerable_by
from notify.choices import NotificationKind
from notify.services import notify
from notify.subjects import register_outside_subject, register_subject

INVESTIGATION = "casework.investigation"
DIRECTION = "casework.direction"
BREAK_GLASS = "audit.break_glass"
RECOMMENDATION = "casework.safetyrecommendation"


def register_subjects() -> None:
    """Who may see each kind of subject: the same rules as the pages the notifications link to."""
    register_subject(
        INVESTIGATION, lambda user, ref: Investigation.objects.visible_to(user).filter(reference=ref).exists()
    )
    register_subject(DIRECTION, lambda user, ref: may_view_directions(user))
    register_subject(BREAK_GLASS, lambda user, ref: may_audit(user))
    # An organisation's contact hears only of recommendations issued to their organisation.
    register_outside_subject(
        RECOMMENDATION,
        lambda person, ref: answerable_by(person).filter(reference=ref).exists(),
    )


def notify_about_case(
    recipients: Iterable[User],
    kind: NotificationKind,
    investigation: Investigation,
    *,
    link: str = "",
    occasion: str = "",
    actor: User | None = None,
) -> int:
    """Tell each recipient (never the person who acted) about `investigation`, linking to it or to
    `link`; returns how many were told."""
    created = notify(
        [user for user in recipients if actor is None or user.pk != actor.pk],
        kind,
        subject_type=INVESTIGATION,
        subject_ref=investigation.reference,
        link=link or investigation.get_absolute_url(),
        occasion=occasion,
    )
    return len(created)


def notify_direction_waiting(direction_ref: str, *, registrant: User, approvers: Iterable[User]) -> None:
    notify(
        [user for user in approvers if user.pk != registrant.pk],
        NotificationKind.DIRECTION_WAITING,
        subject_type=DIRECTION,
        subject_ref=direction_ref,
        link=reverse("casework:directions"),
    )


def notify_break_glass(investigation: Investigation, *, auditors: Iterable[User]) -> None:
    notify(
        auditors,
        NotificationKind.BREAK_GLASS_OPENED,
        subject_type=BREAK_GLASS,
        subject_ref=investigation.reference,
        link=reverse("audit:break_glass"),
    )
