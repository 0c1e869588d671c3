"""One concern's whole life in a real browser, role by role, with a screenshot of every step.

A member of the public shares a concern with an attachment and adds to it with the receipt code;
an intake officer triages and proposes it; a director accepts it and scopes the investigation with
a lead and an analyst; the lead (signing in with a TOTP code) uploads and downloads evidence and
adds a journal note and a task; a second director approves a directed investigation another
registered; an auditor finds those accesses in the trail and exports them. Screenshots go to E2E_ARTIFACTS
(default `test-artifacts/journeys/`).
"""

import csv
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.roles import Role
from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent
from audit.services import record_event
from casework.models import Direction, Evidence, Investigation
from referrals.choices import ReferralState
from referrals.models import Referral
from tests.e2e.browser import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("migrated_data")
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(settings.BASE_DIR) / "test-artifacts" / "journeys"))
SCORES = {"harm": "major", "scale": "moderate", "public_confidence": "minor", "learning": "major"}


class Camera:
    """Numbered full-page screenshots of a journey's steps."""

    def __init__(self, page, name: str):
        self.page, self.folder, self.count = page, ARTIFACTS / name, 0
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def __call__(self, step: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.folder / ("%02d-%s.png" % (self.count, step))), full_page=True)


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_a_concern_from_the_public_to_the_auditor(
    page, live_server, intake, director, lead_investigator, other_investigator, auditor, evidence_storage, tmp_path
):
    shot = Camera(page, "concern-to-audit")
    letter = tmp_path / "letter.txt"
    letter.write_bytes(b"My father waited nine hours for a scan.\n")

    # A member of the public.
    page.goto(live_server.url + "/share-a-concern/")
    page.check("input[name=reporter_type][value=family_or_carer]")
    page.check("input[name=concern_kind][value=happened]")
    page.fill("#id_organisation_name", "Northgate General Hospital")
    page.select_option("#id_care_setting", "hospital")
    page.select_option("#id_region", "north_west")
    page.fill("#id_description", "Scans for suspected strokes waited hours overnight at the weekend.")
    page.check("input[name=harm_level][value=severe]")
    page.check("input[name=frequency][value=more_than_once]")
    page.set_input_files("#id_attachment", str(letter))
    shot("public-form-filled")
    page.click("button[type=submit]")
    reference = page.get_by_test_id("reference").inner_text()
    code = page.get_by_test_id("receipt-code").inner_text()
    shot("public-receipt")
    page.goto(live_server.url + "/share-a-concern/follow-up/")
    page.fill("#id_reference", reference)
    page.fill("#id_receipt_code", code)
    page.click("main button[type=submit]")
    page.fill("#id_text", "It happened again last Saturday.")
    page.get_by_role("button", name="Send").click()
    shot("public-follow-up-sent")
    referral = Referral.objects.get(reference=reference)
    assert referral.messages.count() == 1
    assert referral.attachments.count() == 1
    page.locator("main").get_by_role("button", name="Sign out").click()

    # The intake officer triages it and proposes an investigation.
    sign_in(page, live_server, intake)
    page.goto(live_server.url + referral.get_absolute_url())
    shot("intake-referral")
    page.get_by_test_id("action-start_triage").click()
    page.goto(live_server.url + "/referrals/%s/assess/" % reference)
    for key, band in SCORES.items():
        page.check("input[name=score_%s][value=%s]" % (key, band))
    page.fill("#id_rationale", "Repeated delays to time-critical imaging across weekends.")
    shot("intake-assessment")
    page.click("main button[type=submit]")
    page.get_by_text("Propose for investigation").first.click()
    page.get_by_test_id("action-propose_case").click()
    shot("intake-proposed")
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.PROPOSED
    log_out(page)

    # A director accepts it and scopes the investigation with a lead.
    sign_in(page, live_server, director)
    page.goto(live_server.url + referral.get_absolute_url())
    page.get_by_test_id("action-accept").click()
    assert "An investigation is opened" in page.get_by_test_id("consequence").inner_text()
    page.fill("#id_accept-title", "Out-of-hours stroke imaging")
    shot("director-confirms-acceptance")
    page.get_by_test_id("confirm-accept").click()
    shot("director-accepted")
    investigation = Investigation.objects.get(origin_referral=referral)
    page.goto(live_server.url + investigation.get_absolute_url())
    page.get_by_test_id("action-start_scoping").click()
    page.select_option("#id_start_scoping-lead", str(lead_investigator.pk))
    page.get_by_test_id("confirm-start_scoping").click()
    page.get_by_test_id("action-add_member").click()
    page.select_option("#id_add_member-user", str(other_investigator.pk))
    page.select_option("#id_add_member-role", "analyst")
    page.get_by_test_id("confirm-add_member").click()
    shot("director-scoped-with-team")
    assert page.get_by_test_id("state").inner_text() == "Scoping"
    assert set(investigation.team.values_list("user__username", flat=True)) == {
        lead_investigator.username,
        other_investigator.username,
    }
    log_out(page)

    # The lead signs in with a code, adds and downloads evidence, keeps the journal, sets a task.
    sign_in(page, live_server, lead_investigator)
    page.goto(live_server.url + investigation.get_absolute_url())
    page.get_by_test_id("workspace-nav").get_by_role("link", name="Evidence").click()
    page.get_by_role("link", name="Add evidence").click()
    page.fill("#id_title", "Radiology rota")
    page.select_option("#id_evidence_type", "document")
    rota = tmp_path / "rota.csv"
    rota.write_bytes(b"day,radiographers\nSaturday,1\nSunday,1\n")
    page.set_input_files("#id_file", str(rota))
    shot("lead-upload")
    page.get_by_role("button", name="Upload evidence").click()
    page.wait_for_url("**/evidence/")  # the upload script goes to the register once the file is in
    with page.expect_download() as download:
        page.get_by_role("link", name="Radiology rota").click()
    assert Path(download.value.path()).read_bytes() == rota.read_bytes()
    page.get_by_test_id("workspace-nav").get_by_role("link", name="Journal").click()
    page.fill("#id_add_note-text", "Weekend rota has one radiographer for two sites.")
    page.get_by_test_id("action-add_note").click()
    shot("lead-journal")
    page.get_by_test_id("workspace-nav").get_by_role("link", name="Tasks").click()
    page.fill("#id_add_task-title", "Request the PACS turnaround report")
    page.select_option("#id_add_task-assignee", str(lead_investigator.pk))
    page.get_by_test_id("action-add_task").click()
    shot("lead-tasks")
    page.get_by_test_id("workspace-nav").get_by_role("link", name="Overview").click()
    shot("lead-case-overview")
    assert investigation.notes.count() == 1
    assert investigation.tasks.count() == 1
    evidence = Evidence.objects.get(investigation=investigation)
    log_out(page)

    # A directed investigation: registered by one director, approved by another.
    registrar = make_user("director_two", Role.DIRECTOR, first_name="Samuel", last_name="Adeyemi")
    from casework import services

    direction = services.register_direction(
        actor=registrar,
        title="Ambulance handover delays",
        issued_on=timezone.localdate(),
        scope="Handover delays at emergency departments in winter.",
    )
    sign_in(page, live_server, director)
    page.goto(live_server.url + "/investigations/directions/")
    shot("director-directions")
    page.get_by_test_id("approve-direction").first.click()
    assert "A directed investigation is opened at once" in page.get_by_test_id("consequence").inner_text()
    assert Direction.objects.get(pk=direction.pk).investigation is None  # nothing happens before "Yes"
    shot("director-direction-confirm")
    page.get_by_test_id("confirm-approve").click()
    shot("director-direction-approved")
    assert Direction.objects.get(pk=direction.pk).investigation is not None
    log_out(page)

    # The auditor finds those accesses and exports them.
    sign_in(page, live_server, auditor)
    page.goto(live_server.url + "/audit/?target=%s" % investigation.reference)
    shot("auditor-case-search")
    lines_of_number_and_time = page.locator(".app-audit-table tbody td:nth-child(-n+2)").evaluate_all(
        "cells => cells.map(cell => { const text = document.createRange(); text.selectNodeContents(cell);"
        " return text.getClientRects().length; })"
    )
    assert lines_of_number_and_time
    assert set(lines_of_number_and_time) == {1}, "an event's number or time wraps"
    trail = page.locator("main").inner_text()
    assert "lead_investigator" in trail
    page.goto(live_server.url + "/audit/?target=%s" % evidence.public_id)
    assert "Evidence downloaded" in page.locator("main").inner_text()
    page.goto(live_server.url + "/audit/?user=%s" % lead_investigator.username)
    shot("auditor-user-search")
    with page.expect_download() as exported:
        page.get_by_test_id("export").click()
    rows = list(csv.DictReader(io.StringIO(Path(exported.value.path()).read_text())))
    actions = {row["action"] for row in rows}
    assert {
        AuditAction.EVIDENCE_RECEIVED,
        AuditAction.EVIDENCE_DOWNLOADED,
        AuditAction.NOTE_ADDED,
        AuditAction.TASK_CREATED,
        AuditAction.INVESTIGATION_CONTENT_VIEWED,
    } <= actions
    assert all(row["actor_username"] == lead_investigator.username for row in rows)
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED, actor=auditor).exists()

    # The auditor reviews the day's refusals of one person as one group, with one note.
    for reference in ("INV-2026-0001", "INV-2026-0002"):
        record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED, target_ref=reference)
    page.goto(live_server.url + "/audit/review/?kind=denied&user=%s" % intake.username)
    group = page.get_by_test_id("flag-group")
    assert group.count() == 1
    assert "2 events" in group.inner_text()
    group.locator("input[type=checkbox]").check()
    page.fill("#review-note", "Two mistyped references from the intake desk; no pattern.")
    shot("auditor-review-queue")
    page.get_by_test_id("review-chosen").click()
    assert "2 flags marked reviewed." in page.locator("main").inner_text()
    assert page.console_problems == []
    assert len(list((ARTIFACTS / "concern-to-audit").glob("*.png"))) == shot.count
