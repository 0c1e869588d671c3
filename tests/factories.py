"""Small builders for test data. Roles come from the real groups created by migrations."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from accounts.mfa import SESSION_VERIFIED_AT, install_known_authenticator
from accounts.models import Authenticator
from accounts.roles import Role
from operations.management.commands.seed_demo import DEMO_TOTP_SECRET
from referrals.choices import CareSetting, ConcernKind, Frequency, HarmLevel, Region, ReporterType
from referrals.models import Referral
from referrals.services import receive_referral

TEST_PASSWORD = "correct-horse-battery-staple-42"


def make_user(username: str, role: Role | None = None, **fields):
    user = get_user_model().objects.create_user(username=username, password=TEST_PASSWORD, **fields)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def give_authenticator(user) -> Authenticator:
    """The user's authenticator, with the demo secret so tests can compute its codes."""
    return Authenticator.objects.filter(user=user, confirmed=True).first() or install_known_authenticator(
        user, DEMO_TOTP_SECRET
    )


def current_code(user) -> str:
    """A code the user's authenticator accepts now: the current one, or the next if that was used.

    django-otp refuses a code at or before the last one accepted, and accepts one step ahead.
    """
    device = give_authenticator(user)
    # The device accepts the steps around now + its drift (django-otp moves the drift when a code one
    # step ahead is used); the code is made for an absolute step, so with no drift of its own.
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    step = max(totp.t() + device.drift, device.last_t + 1)
    totp.time = device.t0 + step * device.step
    return "%0*d" % (device.digits, totp.token())


def sign_in(client, username: str, password: str = TEST_PASSWORD, **extra):
    """Both steps of a real sign-in through the pages: password, then the authenticator's code."""
    user = get_user_model().objects.get(username=username)
    give_authenticator(user)
    client.post(reverse("login"), {"username": username, "password": password}, **extra)
    return client.post(reverse("accounts:mfa_verify"), {"code": current_code(user)}, follow=True, **extra)


class StaffClient(Client):
    """A test client whose `force_login` ends like a real sign-in: password and second factor given.

    The sign-in steps themselves are tested in tests/accounts/test_second_factor.py.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = give_authenticator(user).persistent_id
        session[SESSION_VERIFIED_AT] = time.time()
        session.save()


def referral_details(**overrides) -> dict:
    """Valid answers to the concern form, as the services take them."""
    details = {
        "reporter_type": ReporterType.STAFF,
        "concern_kind": ConcernKind.HAPPENED,
        "organisation_name": "Northshire Hospitals NHS Trust",
        "care_setting": CareSetting.HOSPITAL,
        "region": Region.NORTH_WEST,
        "occurred_on": None,
        "description": "Patients on the ward were not reviewed after their early warning scores rose.",
        "harm_level": HarmLevel.MODERATE,
        "frequency": Frequency.MORE_THAN_ONCE,
        "reporter_name": "Sam Example",
        "reporter_email": "sam@example.org",
        "reporter_phone": "",
        "patient_details": "",
    }
    details.update(overrides)
    return details


def make_referral(**overrides) -> Referral:
    """A referral received through the public form, in state `received`."""
    referral, _ = receive_referral(referral_details(**overrides))
    return referral


def draft_final_report(investigation, author):
    """The investigation's final report with one version written by `author` (a team member)."""
    from reports import services
    from reports.choices import ReportKind

    report = services.create_report(investigation, actor=author, kind=ReportKind.FINAL, title="Final report")
    services.save_version(report, actor=author, sections={"summary": "What we found."}, based_on=0)
    return report


def consult_on_draft(investigation, lead, *, email="reviewer@trust.example"):
    """Send the final report's draft (approved for consultation) to one person, as its lead."""
    from reports.choices import ConsulteePurpose, ReportKind
    from reports.services.consultation import send_for_consultation

    report = investigation.reports.get(kind=ReportKind.FINAL)
    consultee = {"name": "Dr Ada Reviewer", "email": email, "purpose": ConsulteePurpose.FACTUAL_ACCURACY}
    return send_for_consultation(report, actor=lead, consultees=[consultee])
