"""A director starts an investigation with a lead; the lead works on it; a removed member loses access."""

import pytest

from casework import services
from casework.choices import TeamRole
from casework.models import Investigation
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.usefixtures("migrated_data")


def test_director_appoints_a_lead_who_then_keeps_the_journal(page, live_server, director, lead_investigator):
    investigation = Investigation.objects.create(reference="INV-2026-0901", title="Oxygen on wards")
    sign_in(page, live_server, director)
    page.goto(live_server.url + investigation.get_absolute_url())
    page.get_by_test_id("action-start_scoping").click()
    page.select_option("#id_start_scoping-lead", str(lead_investigator.pk))
    page.get_by_test_id("confirm-start_scoping").click()
    assert "done." in page.content()
    assert page.get_by_test_id("lead").inner_text() == str(lead_investigator)
    assert page.get_by_test_id("state").inner_text() == "Scoping"
    assert page.get_by_test_id("summary-only").is_visible()

    page.get_by_role("button", name="Log out").click()
    sign_in(page, live_server, lead_investigator)
    page.goto(live_server.url + investigation.get_absolute_url())
    page.get_by_test_id("workspace-nav").get_by_role("link", name="Journal").click()
    page.fill("#id_add_note-text", "Cylinder checks are not logged on night shifts.")
    page.get_by_test_id("action-add_note").click()
    assert "Cylinder checks are not logged" in page.get_by_test_id("journal").first.inner_text()
    assert page.console_problems == []


def test_removed_member_gets_not_found_on_their_next_request(
    page, live_server, director, lead_investigator, other_investigator
):
    investigation = Investigation.objects.create(reference="INV-2026-0902", title="Handover delays")
    services.start_scoping(
        investigation, actor=director, lead=lead_investigator, members=[(other_investigator, TeamRole.ANALYST)]
    )
    sign_in(page, live_server, other_investigator)
    page.goto(live_server.url + investigation.get_absolute_url())
    assert page.get_by_test_id("state").inner_text() == "Scoping"
    services.remove_team_member(investigation, other_investigator, actor=director)
    page.reload()
    assert page.locator("h1").inner_text() == "Page not found"
