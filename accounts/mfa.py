"""The second factor: TOTP enrolment and verification, recovery codes, and step-up for sensitive actions.

Every staff account has a TOTP authenticator (django-otp's `TOTPDevice`, which refuses a code at
or before the last one accepted, so a code works once; as `Authenticator`, its secret encrypted)
and ten single-use recovery codes kept only
as hashes (`RecoveryCodeDevice`). A session is fully signed in once a code is verified; the time of
the last verification is kept in the session, and sensitive actions ask for a fresh code when it
is older than `STEP_UP_SECONDS`. A wrong code counts as a failed log-in for django-axes, so the
same lockout covers guessing passwords and guessing codes.
"""

import base64
import secrets
import time

import django_otp
import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django.utils.safestring import mark_safe

from accounts.models import Authenticator, RecoveryCode, RecoveryCodeDevice, recovery_code_digest
from accounts.roles import Role
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel.transactions import service_transaction

SESSION_VERIFIED_AT = "second_factor_verified_at"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODE_BYTES = 10  # 80 bits, written as 16 base32 characters


def authenticator(user, *, confirmed: bool = True) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def has_authenticator(user) -> bool:
    return Authenticator.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user) -> Authenticator:
    """The unconfirmed authenticator being set up (one per user), created with a new secret if none."""
    device = authenticator(user, confirmed=False)
    if device is None:
        device = Authenticator.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def install_known_authenticator(user, base32_secret: str) -> Authenticator:
    """A confirmed authenticator with a given secret, for demo users and tests only (codes computable)."""
    padded = base32_secret + "=" * (-len(base32_secret) % 8)
    device, _ = Authenticator.objects.update_or_create(
        user=user,
        name=AUTHENTICATOR_NAME,
        defaults={"key": base64.b32decode(padded).hex(), "confirmed": True, "last_t": -1},
    )
    return device


def manual_key(device: Authenticator) -> str:
    """The secret in the base32 form authenticator apps accept when typed in, in groups of four."""
    encoded = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def qr_code_svg(device: Authenticator) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, nothing for the CSP to allow)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code for your authenticator app")
    return mark_safe(svg)  # generated from the device's own URL, no user input  # noqa: S308


def confirm_authenticator(request, device: Authenticator, code: str) -> list[str] | None:
    """Confirm a new authenticator with its first code; returns new recovery codes, or None if the code is wrong.

    The new authenticator replaces any earlier one, and the session counts as verified by it.
    """
    user = request.user
    with service_transaction():
        device = Authenticator.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        if not device.verify_token(code.strip()):
            record_failed_attempt(request, "enrolment")
            return None
        Authenticator.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        record_event(AuditAction.MFA_ENROLLED, actor=user, target=user)
    _mark_verified(request, device)
    return codes


def verify_second_factor(request, code: str) -> bool:
    """Check a TOTP or recovery code for the signed-in user; on success the session is fully signed in."""
    user = request.user
    code = code.strip()
    device: Authenticator | RecoveryCodeDevice | None = None
    if code:
        check = _verify_authenticator_code if code.isdigit() else _verify_recovery_code
        with service_transaction():
            device = check(user, code)
    if device is None:
        record_failed_attempt(request, "sign-in")
        return False
    _mark_verified(request, device)
    detail: dict[str, object] = {"method": "authenticator"}
    if isinstance(device, RecoveryCodeDevice):
        detail = {"method": "recovery code", "recovery_codes_left": device.remaining()}
    record_event(AuditAction.MFA_VERIFIED, actor=user, target=user, detail=detail)
    return True


def _verify_authenticator_code(user, code: str) -> Authenticator | None:
    """The user's authenticator if `code` is its current, unused code (django-otp locks and throttles)."""
    totp = authenticator(user)
    return totp if totp is not None and django_otp.verify_token(user, totp.persistent_id, code) else None


def _verify_recovery_code(user, code: str) -> RecoveryCodeDevice | None:
    recovery = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is None:
        return None
    return recovery if django_otp.verify_token(user, recovery.persistent_id, code) else None


class OperatorRefused(Exception):
    """A management command's operator is not an active system administrator, or gave a wrong code."""


def verify_operator(username: str, code: str, *, purpose: str):
    """The named system administrator, once their current authenticator code checks out.

    Commands that change keys run on the server, outside any session; this is their step-up, and
    the operator it returns is the actor their audit events name.
    """
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or Role.SYSTEM_ADMINISTRATOR not in user.roles:
        raise OperatorRefused("%s is not an active system administrator. Nothing was changed." % username)
    if _verify_authenticator_code(user, code.strip()) is None:
        record_event(AuditAction.MFA_FAILED, outcome=Outcome.DENIED, target=user, detail={"stage": purpose[:100]})
        raise OperatorRefused("The code is wrong or has already been used. Nothing was changed.")
    record_event(AuditAction.MFA_VERIFIED, actor=user, target=user, detail={"method": "authenticator", "for": purpose})
    return user


def regenerate_recovery_codes(user, *, actor) -> list[str]:
    """Replace every recovery code (used or not) with ten new ones, shown once."""
    with service_transaction():
        codes = _new_recovery_codes(user)
        record_event(AuditAction.MFA_RECOVERY_CODES_REPLACED, actor=actor, target=user)
    return codes


def remove_second_factor(user, *, actor, reason: str) -> None:
    """Delete the user's authenticator and recovery codes; they enrol again at their next sign-in.

    Used when a user replaces their phone (after re-authenticating) and by administrators for a
    user who lost theirs. The user's signed-in sessions lose their second factor at once.
    """
    with service_transaction():
        Authenticator.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        record_event(AuditAction.MFA_REMOVED, actor=actor, target=user, detail={"reason": reason[:300]})


def _new_recovery_codes(user) -> list[str]:
    device, _ = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    device.codes.all().delete()
    codes = [_format_code(secrets.token_bytes(RECOVERY_CODE_BYTES)) for _ in range(settings.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=recovery_code_digest(c)) for c in codes)
    return codes


def _format_code(raw: bytes) -> str:
    encoded = base64.b32encode(raw).decode().lower()
    return "-".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def _mark_verified(request, device) -> None:
    """A new session key on each elevation (as on log-in), then remember which device and when."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[SESSION_VERIFIED_AT] = time.time()


def record_failed_attempt(request, stage: str | None = None) -> None:
    """A wrong code (`stage` says where) or, without a stage, a wrong password typed again by a
    signed-in user: a failed log-in for django-axes (lockout) and the audit trail (one event)."""
    user_login_failed.send(
        sender=__name__,
        credentials={get_user_model().USERNAME_FIELD: request.user.get_username()},
        request=request,
        second_factor_stage=stage,
    )


def is_verified(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_verified()


def is_fresh(request) -> bool:
    """Whether a code was verified in this session within the step-up window."""
    verified_at = request.session.get(SESSION_VERIFIED_AT)
    return is_verified(request) and verified_at is not None and time.time() - verified_at < settings.STEP_UP_SECONDS


STEP_UP_FIELD = "step_up_code"


def step_up(request, purpose: str):
    """None when a sensitive POST may go ahead; otherwise the page asking for a fresh code.

    The page posts the original form back with the code, so nothing the user typed is lost, and the
    action goes ahead in that same request once the code checks out.
    """
    if is_fresh(request):
        return None
    code = request.POST.get(STEP_UP_FIELD)
    if code is not None and verify_second_factor(request, code):
        return None
    error = "" if code is None else "That code is wrong or has already been used. Enter the current code."
    record_event(
        AuditAction.MFA_STEP_UP_ASKED,
        outcome=Outcome.ALLOWED if code is None else Outcome.DENIED,
        detail={"purpose": purpose, "path": request.path[:300]},
    )
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", STEP_UP_FIELD)
        for value in values
    ]
    context = {"purpose": purpose, "carried": carried, "error": error, "field": STEP_UP_FIELD}
    return render(request, "accounts/step_up.html", context, status=200 if code is None else 400)
