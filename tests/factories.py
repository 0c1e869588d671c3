"""Small builders for test data. Roles come from the real groups created by migrations."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import Role
from referrals.models import Referral

TEST_PASSWORD = "correct-horse-battery-staple-42"
_sequence = itertools.count(1)


def make_user(username: str, role: Role | None = None, **fields):
    user = get_user_model().objects.create_user(username=username, password=TEST_PASSWORD, **fields)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def make_referral(**fields) -> Referral:
    number = next(_sequence)
    fields.setdefault("reference", "REF-2026-%06d" % (900000 + number))
    fields.setdefault("summary", "Test concern %s" % number)
    return Referral.objects.create(**fields)
