"""A member of the public shares a concern in the browser; an intake officer finds it and starts triage."""

import pytest

from referrals.models import Referral
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.usefixtures("migrated_data")


def test_public_concern_reaches_the_intake_queue_and_is_triaged(page, live_server, intake):
    page.goto(live_server.url + "/share-a-concern/")
    page.check("input[name=reporter_type][value=family_or_carer]")
    page.check("input[name=concern_kind][value=happened]")
    page.fill("#id_organisation_name", "Westfield University Hospitals")
    page.select_option("#id_care_setting", "maternity")
    page.select_option("#id_region", "midlands")
    page.fill("#id_description", "Escalation was late when the fetal heart trace changed during labour.")
    page.check("input[name=harm_level][value=severe]")
    page.check("input[name=frequency][value=once]")
    page.click("button[type=submit]")

    reference = page.get_by_test_id("reference").inner_text()
    code = page.get_by_test_id("receipt-code").inner_text()
    assert reference.startswith("REF-")
    assert len(code) == 14
    assert Referral.objects.get(reference=reference).is_anonymous

    sign_in(page, live_server, intake)
    page.get_by_role("link", name="Intake queue").click()
    page.fill("#id_q", "fetal heart trace")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name=reference).click()

    page.get_by_test_id("action-start_triage").click()
    assert "Triage started" in page.content()
    assert page.get_by_test_id("state").inner_text() == "In triage"
    assert page.console_problems == []


def test_bad_answers_are_explained_and_nothing_typed_is_lost(page, live_server, db):
    page.goto(live_server.url + "/share-a-concern/")
    page.fill("#id_organisation_name", "Kingsgate Medical Practice")
    page.fill("#id_description", "Results were filed without review.")
    page.fill("#id_reporter_email", "not-an-email")
    page.click("button[type=submit]")
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "There is a problem" in summary
    assert "Enter a valid email address" in summary
    assert page.locator("#id_description").input_value() == "Results were filed without review."
    assert page.locator("#id_organisation_name").input_value() == "Kingsgate Medical Practice"
    assert not Referral.objects.exists()
