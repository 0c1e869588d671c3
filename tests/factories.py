"""Small builders for test data. Roles come from the real groups created by migrations."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import Role
from referrals.choices import CareSetting, ConcernKind, Frequency, HarmLevel, Region, ReporterType
from referrals.models import Referral
from referrals.services import receive_referral

TEST_PASSWORD = "correct-horse-battery-staple-42"


def make_user(username: str, role: Role | None = None, **fields):
    user = get_user_model().objects.create_user(username=username, password=TEST_PASSWORD, **fields)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


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
