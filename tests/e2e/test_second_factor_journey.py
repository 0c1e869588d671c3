"""A new member of staff sets up their authenticator in a real browser; a director breaks the glass."""

import base64

import pytest
from django_otp.oath import TOTP

from accounts.roles import Role
from casework import services
from casework.models import Investigation
from tests.e2e.browser import sign_in
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("migrated_data")


def code_for_key(manual_key: str) -> str:
    """What an authenticator app shows for the key the page displayed."""
    key = manual_key.replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    return "%06d" % TOTP(secret).token()


def test_first_sign_in_sets_up_the_authenticator_before_anything_else(page, live_server):
    newcomer = make_user("new_starter", Role.INTAKE_OFFICER, first_name="Nia", last_name="Evans")
    page.goto(live_server.url + "/referrals/")
    page.fill("#id_username", newcomer.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")

    assert "/accounts/second-factor/set-up/" in page.url
    assert page.get_by_test_id("qr-code").locator("svg").is_visible()
    page.fill("#id_code", "000000")
    page.get_by_role("button", name="Confirm and continue").click()
    assert "There is a problem" in page.locator(".nhsuk-error-summary").inner_text()

    page.fill("#id_code", code_for_key(page.get_by_test_id("manual-key").inner_text()))
    page.get_by_role("button", name="Confirm and continue").click()
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my recovery codes").click()
    assert page.url == live_server.url + "/referrals/"
    assert page.console_problems == []


def test_director_breaks_the_glass_with_a_reason_and_sees_the_banner(page, live_server, director, lead_investigator):
    off_team = make_user("director_two", Role.DIRECTOR, first_name="Sam", last_name="Adeyemi")
    investigation = Investigation.objects.create(reference="INV-2026-0960", title="Sepsis screening")
    services.start_scoping(investigation, actor=director, lead=lead_investigator)
    services.add_note(investigation, "Screening tool not used at triage.", actor=lead_investigator)

    sign_in(page, live_server, off_team)
    page.goto(live_server.url + investigation.get_absolute_url())
    assert page.get_by_test_id("summary-only").is_visible()
    assert "Screening tool not used" not in page.content()
    page.get_by_text("Open the full record (break-glass)").click()
    page.fill("#id_break_glass-reason", "Coroner's office asked for an urgent update this morning.")
    page.get_by_test_id("break-glass").click()

    assert page.get_by_test_id("break-glass-banner").is_visible()
    page.get_by_test_id("workspace-nav").get_by_role("link", name="Journal").click()
    assert "Screening tool not used at triage." in page.get_by_test_id("journal").first.inner_text()
    assert page.console_problems == []
