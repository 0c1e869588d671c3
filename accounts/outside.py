"""People outside the body: who they are, the one-time codes they sign in with, and their sessions.

An outside person is named by a domain that sends them something (`outside_person_for`), never by
themselves. They ask for a code with their address and get the same answer whether or not it is
known; a code is six digits kept as a keyed hash, valid `PORTAL_CODE_MINUTES`, used once, burned
after `PORTAL_CODE_TRIES` wrong guesses, and a newer code replaces older ones. Codes per address and
requests per client address are limited (kernel.throttle). A signed-in outside person holds only
`OUTSIDE_PERSON` in an otherwise empty session: `accounts.access` keeps them off every staff page
and staff sessions off theirs (404 both ways). A referrer who gave their concern's reference and
receipt code holds `REFERRER_OF` the same way, kept to that concern's page.
"""

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import OutsidePerson, SignInCode
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel import throttle
from kernel.transactions import service_transaction

OUTSIDE_PERSON = "outside_person"
OUTSIDE_SIGNED_IN_AT = "outside_signed_in_at"
# A referrer's session names the one concern whose reference and receipt code they gave.
REFERRER_OF = "referrer_of"
CODE_DIGITS = 6
HOUR = 3600


def normal_email(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    return salted_hmac("accounts.outside.email", normal_email(email), algorithm="sha256").hexdigest()


def _code_hash(person: OutsidePerson, code: str) -> str:
    return salted_hmac("accounts.outside.code", "%s:%s" % (person.pk, code.strip()), algorithm="sha256").hexdigest()


def find_outside_person(email: str) -> OutsidePerson | None:
    return OutsidePerson.objects.filter(email_digest=email_digest(email), is_active=True).first()


def outside_person_for(email: str, name: str) -> OutsidePerson:
    """The outside person with this address, made on first use; called inside the sender's service."""
    person, created = OutsidePerson.objects.get_or_create(
        email_digest=email_digest(email), defaults={"email": normal_email(email), "name": name.strip()}
    )
    if not created and name.strip() and person.name != name.strip():
        person.name = name.strip()
        person.save(update_fields=["name"])
    return person


def issue_sign_in_code(email: str) -> tuple[OutsidePerson, str] | None:
    """A fresh code for the person with this address, or None (unknown, inactive, or too many codes
    this hour); the caller e-mails it and answers the same either way."""
    person = find_outside_person(email)
    limited = not throttle.allow(
        "portal-code", email_digest(email), limit=settings.PORTAL_CODES_PER_HOUR, window_seconds=HOUR
    )
    with service_transaction():
        if person is None or limited:
            record_event(
                AuditAction.PORTAL_CODE_REFUSED,
                outcome=Outcome.DENIED,
                target=person,
                detail={"reason": "limit reached" if person is not None else "unknown address"},
            )
            return None
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        now = timezone.now()
        person.sign_in_codes.filter(used_at=None).update(used_at=now)  # only the newest code works
        SignInCode.objects.create(
            person=person,
            code_hash=_code_hash(person, code),
            expires_at=now + timedelta(minutes=settings.PORTAL_CODE_MINUTES),
        )
        record_event(AuditAction.PORTAL_CODE_SENT, target=person)
    return person, code


def check_sign_in_code(email: str, code: str) -> OutsidePerson | None:
    """The person if `code` is their newest live code (which is then used up), else None; every
    wrong guess counts against the code, and a wrong address is refused exactly like a wrong code."""
    person = find_outside_person(email)
    with service_transaction():
        live = None
        if person is not None:
            live = (
                person.sign_in_codes.select_for_update()
                .filter(used_at=None, expires_at__gt=timezone.now())
                .order_by("-created_at")
                .first()
            )
        if person is None or live is None or live.attempts >= settings.PORTAL_CODE_TRIES:
            record_event(
                AuditAction.PORTAL_SIGN_IN_REFUSED,
                outcome=Outcome.DENIED,
                target=person,
                detail={"reason": "no live code"},
            )
            return None
        live.attempts += 1
        if not constant_time_compare(live.code_hash, _code_hash(person, code)):
            live.save(update_fields=["attempts"])
            record_event(
                AuditAction.PORTAL_SIGN_IN_REFUSED,
                outcome=Outcome.DENIED,
                target=person,
                detail={"reason": "wrong code", "attempt": live.attempts},
            )
            return None
        live.used_at = person.last_signed_in_at = timezone.now()
        live.save(update_fields=["attempts", "used_at"])
        person.save(update_fields=["last_signed_in_at"])
        record_event(AuditAction.PORTAL_SIGNED_IN, target=person)
    return person


def start_outside_session(request, person: OutsidePerson) -> None:
    """A new, short session that holds the outside person and nothing else."""
    request.session.flush()
    request.session[OUTSIDE_PERSON] = person.pk
    request.session[OUTSIDE_SIGNED_IN_AT] = time.time()
    request.session.set_expiry(settings.PORTAL_IDLE_MINUTES * 60)


def start_referrer_session(request, reference: str) -> None:
    """A new, short session that holds one concern's reference and nothing else (the referrer checked
    their receipt code for it); the same limits as an outside person's session."""
    request.session.flush()
    request.session[REFERRER_OF] = reference
    request.session[OUTSIDE_SIGNED_IN_AT] = time.time()
    request.session.set_expiry(settings.PORTAL_IDLE_MINUTES * 60)


def referrer_reference_of(request) -> str:
    """The concern a referrer's session is for, or ''; a session past its absolute limit is ended here."""
    reference = request.session.get(REFERRER_OF, "")
    if reference and time.time() - request.session.get(OUTSIDE_SIGNED_IN_AT, 0) > settings.PORTAL_ABSOLUTE_MINUTES * 60:
        record_event(
            AuditAction.PORTAL_SESSION_EXPIRED,
            target_type="referrals.referral",
            target_ref=reference,
            detail={"reason": "absolute lifetime", "referrer": True},
        )
        end_outside_session(request)
        return ""
    return reference


def end_outside_session(request) -> None:
    request.session.flush()


def outside_person_of(request) -> OutsidePerson | None:
    """The signed-in outside person, or None; a session past its absolute limit is ended here."""
    person_id = request.session.get(OUTSIDE_PERSON)
    if person_id is None:
        return None
    started = request.session.get(OUTSIDE_SIGNED_IN_AT, 0)
    person = OutsidePerson.objects.filter(pk=person_id, is_active=True).first()
    if person is None or time.time() - started > settings.PORTAL_ABSOLUTE_MINUTES * 60:
        record_event(AuditAction.PORTAL_SESSION_EXPIRED, target=person, detail={"reason": "absolute lifetime"})
        end_outside_session(request)
        return None
    return person
