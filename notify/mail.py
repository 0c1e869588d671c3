"""E-mailing notifications: at most once each, retried with back-off while the mail server is away.

A mail says the kind of event, the subject's reference and a link, never protected content. The
claim is committed after the mail server has accepted the connection and before the message is
given to it: a worker stopped after that point leaves the notification `claimed`, and the next try
marks it `uncertain` rather than send it a second time. Mail-server outages before the claim are
retried (RETRY_AFTER); the notification and the action that caused it are never touched.
"""

import smtplib
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from notify.choices import EmailState
from notify.models import Notification
from notify.subjects import may_see, outside_may_see

# The waits before each further try; after the last, the notification is left `failed`.
RETRY_AFTER = [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1)]
PREFERENCES_PATH = "/notifications/settings/"


def message_for(notification: Notification) -> EmailMessage:
    preferences = (
        " You can change which e-mails you get at %s" % urljoin(settings.SITE_URL, PREFERENCES_PATH)
        if notification.recipient_id
        else ""
    )
    return EmailMessage(
        subject="%s %s" % (notification.get_kind_display(), notification.subject_ref),
        body=(
            "%s %s.\n\nOpen it in the service (you will be asked to sign in): %s\n\n"
            "This e-mail says only what happened and where.%s\n"
            % (
                notification.get_kind_display(),
                notification.subject_ref,
                urljoin(settings.SITE_URL, notification.link),
                preferences,
            )
        ),
        to=[notification.address],
    )


def may_still_see(notification: Notification) -> bool:
    """Whether the recipient may see the subject now (they may have lost access since it was made)."""
    subject_type, subject_ref = notification.subject_type, notification.subject_ref
    if notification.recipient is not None:
        return may_see(notification.recipient, subject_type, subject_ref)
    person = notification.outside_recipient
    return person is not None and outside_may_see(person, subject_type, subject_ref)


def deliver(notification_id: int, attempt: int) -> str:
    """Try to e-mail one notification; return its e-mail state afterwards (a retry is enqueued if due)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "outside_recipient")
            .get(pk=notification_id)
        )
        if notification.email == EmailState.CLAIMED:
            # A worker stopped between handing the mail over and recording it: it may have gone.
            return _settle(notification, EmailState.UNCERTAIN)
        if notification.email != EmailState.WAITING:
            return notification.email
        if not notification.address or not may_still_see(notification):
            return _settle(notification, EmailState.WITHHELD)
    mailer = mailers.default
    try:
        mailer.open()
    except (OSError, smtplib.SMTPException):
        return _retry_later(notification, attempt)
    try:
        claimed = Notification.objects.filter(pk=notification.pk, email=EmailState.WAITING).update(
            email=EmailState.CLAIMED, email_attempts=attempt
        )
        if not claimed:
            return EmailState.SENT  # another worker has it
        try:
            mailer.send_messages([message_for(notification)])
        except smtplib.SMTPResponseException as error:
            if 400 <= error.smtp_code < 500:  # the server says try later: nothing was accepted
                Notification.objects.filter(pk=notification.pk).update(email=EmailState.WAITING)
                return _retry_later(notification, attempt)
            return _settle(notification, EmailState.FAILED)
        except (OSError, smtplib.SMTPException):
            return _settle(notification, EmailState.UNCERTAIN)
    finally:
        mailer.close()
    Notification.objects.filter(pk=notification.pk).update(email=EmailState.SENT, emailed_at=timezone.now())
    record_event(
        AuditAction.NOTIFICATION_EMAILED,
        actor=notification.recipient,
        target_type="notify.notification",
        target_ref=str(notification.pk),
        detail={
            "kind": notification.kind,
            "subject": notification.subject_ref,
            "attempt": attempt,
            **_outside(notification),
        },
    )
    return EmailState.SENT


def _retry_later(notification: Notification, attempt: int) -> str:
    from notify.tasks import send_notification_email  # the task wraps this module

    if attempt > len(RETRY_AFTER):
        return _settle(notification, EmailState.FAILED)
    send_notification_email.using(run_after=timezone.now() + RETRY_AFTER[attempt - 1]).enqueue(
        notification.pk, attempt + 1
    )
    return EmailState.WAITING


def _settle(notification: Notification, state: EmailState) -> str:
    Notification.objects.filter(pk=notification.pk).update(email=state)
    record_event(
        AuditAction.NOTIFICATION_NOT_EMAILED,
        actor=notification.recipient,
        target_type="notify.notification",
        target_ref=str(notification.pk),
        outcome=Outcome.DENIED if state == EmailState.WITHHELD else Outcome.ALLOWED,
        detail={
            "kind": notification.kind,
            "subject": notification.subject_ref,
            "state": str(state),
            **_outside(notification),
        },
    )
    return state


def _outside(notification: Notification) -> dict:
    """An outside recipient is named in the mail's events by reference (staff are the event's actor)."""
    person = notification.outside_recipient
    return {"outside_recipient": person.reference} if person is not None else {}


def digest_for(recipient, notifications: list[Notification]) -> EmailMessage:
    lines = [
        "- %s %s: %s" % (n.get_kind_display(), n.subject_ref, urljoin(settings.SITE_URL, n.link)) for n in notifications
    ]
    return EmailMessage(
        subject="Your notifications: %s new" % len(notifications),
        body=(
            "Since your last digest:\n\n%s\n\nEach says only what happened and where. You can change which "
            "e-mails you get at %s\n" % ("\n".join(lines), urljoin(settings.SITE_URL, PREFERENCES_PATH))
        ),
        to=[recipient.email],
    )


def deliver_digests() -> int:
    """E-mail each person who chose a daily digest one message listing what waited; return how many sent.

    Notifications about something the person may no longer see are left out (withheld). A mail server
    that is away leaves them waiting for the next day's digest.
    """
    sent = 0
    waiting_for = Notification.objects.filter(email=EmailState.DIGEST).values("recipient")
    for recipient in User.objects.filter(pk__in=waiting_for).order_by("pk"):
        waiting = list(Notification.objects.filter(recipient=recipient, email=EmailState.DIGEST))
        shown = [n for n in waiting if may_see(recipient, n.subject_type, n.subject_ref)]
        for notification in waiting:
            if notification not in shown:
                _settle(notification, EmailState.WITHHELD)
        if not shown or not recipient.email:
            continue
        mailer = mailers.default
        try:
            mailer.open()
        except (OSError, smtplib.SMTPException):
            return sent  # tried again with tomorrow's digest
        try:
            ids = [n.pk for n in shown]
            if not Notification.objects.filter(pk__in=ids, email=EmailState.DIGEST).update(email=EmailState.CLAIMED):
                continue  # another worker has them
            try:
                mailer.send_messages([digest_for(recipient, shown)])
            except (OSError, smtplib.SMTPException):
                Notification.objects.filter(pk__in=ids).update(email=EmailState.UNCERTAIN)
                continue
        finally:
            mailer.close()
        Notification.objects.filter(pk__in=ids).update(email=EmailState.SENT, emailed_at=timezone.now())
        record_event(
            AuditAction.NOTIFICATION_DIGEST_EMAILED,
            actor=recipient,
            target_type="notify.notification",
            target_ref=",".join(str(pk) for pk in ids)[:100],
            detail={"notifications": len(ids)},
        )
        sent += 1
    return sent
