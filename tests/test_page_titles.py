"""A page shown again with errors says so first in its title ("Error: ..."), as the NHS.UK service
manual asks, so a screen-reader user hears it at once; the same page without errors does not."""

import re

import pytest
from django.urls import reverse

from tests.casework.test_case_access import signed_in
from tests.factories import StaffClient

pytestmark = pytest.mark.django_db


def title(response) -> str:
    found = re.search(r"<title>([^<]*)</title>", response.content.decode())
    assert found is not None
    return found.group(1)


def test_pages_with_errors_say_so_in_their_title(intake, director):
    staff = signed_in(intake)
    assert not title(staff.get(reverse("referrals:new"))).startswith("Error:")
    # A browser always sends the form's fields (and its CSRF token), empty or not.
    assert title(staff.post(reverse("referrals:new"), {"description": ""})).startswith("Error: ")
    assert title(StaffClient().post(reverse("login"), {"username": "nobody", "password": "wrong"})).startswith(
        "Error: "
    )
    assert title(StaffClient().post(reverse("portal:sign_in"), {"email": "not an address"})).startswith("Error: ")
    assert title(signed_in(director).post(reverse("organisations:list"), {"organisation-name": ""})).startswith(
        "Error: "
    )
    assert title(signed_in(director).get(reverse("organisations:list"))) == "Organisations – Case management"
    assert title(StaffClient().post(reverse("public:follow_up"), {"reference": ""})).startswith("Error: ")
    assert not title(StaffClient().get(reverse("public:follow_up"))).startswith("Error:")
