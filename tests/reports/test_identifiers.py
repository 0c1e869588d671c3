"""The anonymisation check: the names and details the case holds, NHS numbers, postcodes and dates of
birth in a report's text block publication until the text changes or the lead marks them intended."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.choices import AuditAction
from casework import services as case_services
from casework.choices import InvestigationState as S
from casework.models import Investigation
from kernel.errors import WorkflowError
from reports import services
from reports.identifiers import DATE_OF_BIRTH, HELD_ON_CASE, NHS_NUMBER, POSTCODE, scan
from reports.models import Report
from reports.services.drafting import findings_to_settle, mark_identifier_intended
from tests.casework.test_case_access import signed_in
from tests.helpers import assert_audited

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_from_a_concern(case_investigation, lead_investigator):
    from tests.factories import make_referral

    referral = make_referral(reporter_name="Sam Example", patient_details="Agnes Quill, Beech Ward")
    Investigation.objects.filter(pk=case_investigation.pk).update(origin_referral=referral)
    case_services.record_interview(
        case_investigation,
        actor=lead_investigator,
        interviewee="Night sister Okoro",
        interviewee_type="staff",
        held_on=timezone.localdate(),
        consent_given=True,
    )
    return Investigation.objects.get(pk=case_investigation.pk)


def kinds(findings) -> set[tuple[str, str]]:
    return {(finding.kind, finding.found) for finding in findings}


def test_what_the_check_finds(case_from_a_concern):
    text = (
        "Agnes Quill (NHS number 943 476 5919, born 4 March 1941) lived at LS1 4AP. "
        "Night sister Okoro was interviewed. Not an NHS number: 943 476 5918. Sam Example raised it. "
        "Samantha and Agnesian are other words."
    )
    assert kinds(scan(case_from_a_concern, {"findings": text})) == {
        (HELD_ON_CASE, "Agnes Quill"),
        (HELD_ON_CASE, "Night sister Okoro"),
        (HELD_ON_CASE, "Sam Example"),
        (NHS_NUMBER, "943 476 5919"),
        (DATE_OF_BIRTH, "4 March 1941"),
        (POSTCODE, "LS1 4AP"),
    }
    assert scan(case_from_a_concern, {"summary": "Falls at night on an older people's ward."}) == []


def test_publication_waits_until_each_finding_is_edited_out_or_marked_intended(
    case_from_a_concern, director, lead_investigator, chief
):
    from tests.casework.test_investigation_services import walk

    at_final = walk(case_from_a_concern, director, lead_investigator, chief, until=S.FINAL_APPROVAL)
    report = Report.objects.get(investigation=at_final, kind="final")
    newest = report.versions.count()
    services.save_version(
        report,
        actor=lead_investigator,
        sections={"summary": "Northshire's night staffing. Agnes Quill fell.", "findings": "Seen at LS1 4AP."},
        based_on=newest,
    )
    with pytest.raises(WorkflowError, match="finds 2 possible identifiers"):
        case_services.publish(at_final, actor=chief, report_summary="Findings.")
    name, postcode = findings_to_settle(report)
    assert (name.found, postcode.found) == ("Agnes Quill", "LS1 4AP")
    with pytest.raises(WorkflowError, match="at least 10 characters"):
        mark_identifier_intended(report, actor=lead_investigator, finding=postcode, reason="ok")
    mark_identifier_intended(report, actor=lead_investigator, finding=postcode, reason="The trust's own address.")
    assert_audited(AuditAction.REPORT_IDENTIFIER_INTENDED, actor=lead_investigator)
    services.save_version(
        report,
        actor=lead_investigator,
        sections={"summary": "Northshire's night staffing. A patient fell.", "findings": "Seen at LS1 4AP."},
        based_on=newest + 1,
    )
    assert findings_to_settle(report) == []
    case_services.publish(at_final, actor=chief, report_summary="Findings.")
    assert Investigation.objects.get(pk=at_final.pk).state == S.PUBLISHED


def test_the_check_page_lists_findings_and_only_the_lead_marks_them(case_from_a_concern, lead_investigator, director):
    report = services.create_report(case_from_a_concern, actor=lead_investigator, kind="final", title="Falls")
    services.save_version(report, actor=lead_investigator, sections={"summary": "Agnes Quill fell."}, based_on=0)
    url = reverse("reports:identifiers", args=[case_from_a_concern.reference, report.public_id])
    page = signed_in(director).get(url).content.decode()
    assert "Agnes Quill" in page
    assert_audited(AuditAction.REPORT_IDENTIFIERS_CHECKED, actor=director)
    [finding] = findings_to_settle(report)
    assert signed_in(director).post(url, {"key": finding.key, "reason": "Named with consent."}).status_code == 403
    lead = signed_in(lead_investigator)
    refused = lead.post(url, {"key": "0" * 64, "reason": "Named with her family's consent."})
    assert refused.status_code == 400
    assert "no longer in the newest version" in refused.content.decode()
    assert lead.post(url, {"key": finding.key, "reason": "Named with her family's consent."}).status_code == 302
    assert findings_to_settle(report) == []
