"""Sending notifications: in the service at once, and by e-mail per each person's preference."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import OutsidePerson, User
from audit.choices import AuditAction
from audit.services import record_event
from kernel.transactions import service_transaction
from notify.choices import EmailFrequency, EmailState, NotificationKind
from notify.models import EmailPreference, Notification
from notify.subjects import may_see, outside_may_see
from notify.tasks import send_notification_email

EMAIL_STATE_FOR = {
    EmailFrequency.AT_ONCE: EmailState.WAITING,
    EmailFrequency.DAILY_DIGEST: EmailState.DIGEST,
    EmailFrequency.NEVER: EmailState.NOT_WANTED,
}


def email_frequency(user: User) -> str:
    preference = EmailPreference.objects.filter(user=user).first()
    return preference.frequency if preference else EmailFrequency.AT_ONCE


def notify(
    recipients: Iterable[User],
    kind: NotificationKind,
    *,
    subject_type: str,
    subject_ref: str,
    link: str,
    occasion: str = "",
) -> list[Notification]:
    """Notify each recipient who may see the subject now, in the caller's transaction.

    Their e-mails are enqueued in the same transaction, so a rolled-back action notifies nobody. A
    recipient already notified of the same `occasion` is not notified again.
    """
    created = []
    for user in {user.pk: user for user in recipients}.values():
        if not may_see(user, subject_type, subject_ref):
            continue
        email = EMAIL_STATE_FOR[EmailFrequency(email_frequency(user))]
        try:
            with transaction.atomic():  # a savepoint: a repeated occasion leaves the caller's work intact
                notification = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    subject_type=subject_type,
                    subject_ref=subject_ref,
                    link=link,
                    occasion=occasion,
                    email=email,
                )
        except IntegrityError:
            if not occasion:
                raise
            continue
        if email == EmailState.WAITING:
            send_notification_email.enqueue(notification.pk)
        created.append(notification)
    return created


def notify_outside(
    people: Iterable[OutsidePerson],
    kind: NotificationKind,
    *,
    subject_type: str,
    subject_ref: str,
    link: str,
    occasion: str = "",
) -> list[Notification]:
    """E-mail each outside person who may see the subject now, in the caller's transaction, through the
    same once-only delivery as staff e-mail. They have no notification centre: the mail is the notice."""
    created = []
    for person in {person.pk: person for person in people}.values():
        if not outside_may_see(person, subject_type, subject_ref):
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    outside_recipient=person,
                    kind=kind,
                    subject_type=subject_type,
                    subject_ref=subject_ref,
                    link=link,
                    occasion=occasion,
                    email=EmailState.WAITING,
                )
        except IntegrityError:
            if not occasion:
                raise
            continue
        send_notification_email.enqueue(notification.pk)
        created.append(notification)
    return created


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones without ids); return how many."""
    with service_transaction():
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        if notification_ids is not None:
            unread = unread.filter(pk__in=list(notification_ids))
        marked = unread.update(read_at=timezone.now())
        record_event(AuditAction.NOTIFICATIONS_READ, actor=user, detail={"count": marked})
    return marked


def set_email_frequency(user: User, frequency: EmailFrequency) -> None:
    with service_transaction():
        EmailPreference.objects.update_or_create(user=user, defaults={"frequency": frequency})
        record_event(AuditAction.EMAIL_PREFERENCE_CHANGED, actor=user, detail={"frequency": str(frequency)})
