"""Each role signs in through a real browser, lands on their own dashboard, and signs out."""

import pytest

from accounts.roles import Role
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.usefixtures("migrated_data")

ROLE_PERSONAS = [
    ("intake", Role.INTAKE_OFFICER),
    ("lead_investigator", Role.INVESTIGATOR),
    ("director", Role.DIRECTOR),
    ("chief", Role.CHIEF_INVESTIGATOR),
    ("auditor", Role.AUDITOR),
    ("admin", Role.SYSTEM_ADMINISTRATOR),
]


def sign_in_from_home(page, live_server, user):
    """Going to the dashboard first: the log-in page, then the code page, then back to it."""
    page.goto(live_server.url + "/dashboard/")
    assert page.url.startswith(live_server.url + "/accounts/login/")
    sign_in(page, live_server, user, start=page.url.removeprefix(live_server.url))


@pytest.mark.parametrize(("persona", "role"), ROLE_PERSONAS)
def test_role_signs_in_sees_their_dashboard_and_signs_out(page, live_server, personas, persona, role):
    user = personas[persona]
    sign_in_from_home(page, live_server, user)

    assert page.url == live_server.url + "/dashboard/"
    assert page.locator("main .nhsuk-caption-l").inner_text() == role.label
    assert user.get_full_name() in page.get_by_test_id("current-user").inner_text()
    assert role.label in page.get_by_test_id("current-user").inner_text()
    # The NHS.UK frontend's JavaScript ran (module script, allowed by the CSP).
    assert "nhsuk-frontend-supported" in page.evaluate("document.body.className")

    page.get_by_role("button", name="Log out").click()
    assert page.url.startswith(live_server.url + "/accounts/login/")
    page.goto(live_server.url + "/dashboard/")
    assert page.url.startswith(live_server.url + "/accounts/login/")
    assert page.console_problems == []


def test_investigator_sees_only_their_referral_and_gets_not_found_for_others(
    page, live_server, lead_investigator, case_referral
):
    from tests.factories import make_referral

    other = make_referral(organisation_name="Someone Else Care Ltd")
    sign_in(page, live_server, lead_investigator)
    listed = page.get_by_test_id("visible-referrals").inner_text()
    assert case_referral.reference in listed
    assert other.reference not in listed

    page.goto("%s/referrals/%s/" % (live_server.url, other.reference))
    assert page.locator("h1").inner_text() == "Page not found"
    assert "Someone Else Care" not in page.content()


def test_wrong_password_shows_an_error_summary(page, live_server, intake):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", intake.username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "There is a problem" in page.locator(".nhsuk-error-summary").inner_text()
    assert page.locator("#id_username").input_value() == intake.username
