"""Publication: the chief investigator publishes the final report's newest version as a frozen public
copy, in the investigation's own "publish" step; the public finds it from the landing page, reads its
page and PDF, searches and filters the list, follows the feed and finds its recommendation in the log."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from audit.choices import AuditAction
from casework import services as case_services
from casework.choices import InvestigationState as S
from casework.models import Investigation
from kernel.errors import WorkflowError
from reports import services
from reports.choices import ReportKind
from reports.models import Publication, Report
from reports.services.publication import approve_interim, publish_report
from tests.casework.test_case_access import signed_in
from tests.factories import StaffClient, current_code
from tests.helpers import assert_audited

pytestmark = pytest.mark.django_db

FINDINGS = "## Staffing at night\n\nRotas left **one registered nurse** for two bays on most nights."


@pytest.fixture
def at_final_approval(case_investigation, director, lead_investigator, chief):
    from tests.casework.test_investigation_services import walk

    at_final = walk(case_investigation, director, lead_investigator, chief, until=S.FINAL_APPROVAL)
    Report.objects.filter(investigation=at_final).update(title="Night-time falls on wards for older people")
    report = Report.objects.get(investigation=at_final, kind=ReportKind.FINAL)
    services.save_version(
        report,
        actor=lead_investigator,
        sections={"summary": "Falls at night follow gaps in the rota.", "findings": FINDINGS},
        based_on=report.versions.count(),
    )
    recommendation = case_services.draft_recommendation(
        at_final, actor=lead_investigator, text="Set a minimum of two registered nurses.", addressee="NHS England"
    )
    case_services.recommendation_step(recommendation, "agree", actor=lead_investigator)
    return at_final


def publish_through_the_case_page(investigation, chief):
    page = signed_in(chief, stale=True)
    url = reverse("casework:action", args=[investigation.reference, "publish"])
    assert page.post(url).status_code == 200  # a fresh code first
    return page.post(url, {"step_up_code": current_code(chief)})


def test_the_chief_publishes_and_the_public_finds_reads_and_downloads(at_final_approval, chief, director):
    response = publish_through_the_case_page(at_final_approval, chief)
    assert response.status_code == 302
    assert Investigation.objects.get(pk=at_final_approval.pk).state == S.PUBLISHED
    publication = Publication.objects.get()
    assert publication.summary == "Falls at night follow gaps in the rota."
    assert_audited(AuditAction.REPORT_PUBLISHED, actor=chief)
    recommendation = at_final_approval.recommendations.get()
    case_services.recommendation_step(recommendation, "issue", actor=director)

    visitor = StaffClient()
    home = visitor.get("/").content.decode()
    assert publication.get_absolute_url() in home
    page = visitor.get(publication.get_absolute_url()).content.decode()
    assert "<strong>one registered nurse</strong>" in page
    assert "Set a minimum of two registered nurses." in page
    pdf = visitor.get(reverse("public_reports:pdf", args=[publication.slug]))
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "Staffing at night" in text
    assert "Contents" in text
    listing = visitor.get(reverse("public_reports:list"), {"q": "rota nurses"}).content.decode()
    assert publication.title in listing
    nothing = visitor.get(reverse("public_reports:list"), {"q": "dialysis"}).content.decode()
    assert publication.title not in nothing
    interim_only = visitor.get(reverse("public_reports:list"), {"kind": "interim"}).content.decode()
    assert publication.title not in interim_only
    feed = visitor.get(reverse("public_reports:feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert publication.title in feed.content.decode()
    log = visitor.get(reverse("public_reports:recommendations")).content.decode()
    assert recommendation.reference in log
    one = visitor.get(reverse("public_reports:recommendation", args=[recommendation.reference])).content.decode()
    assert "NHS England" in one
    assert publication.get_absolute_url() in one


def test_the_published_copy_is_frozen_and_the_drafts_stay_protected(at_final_approval, chief, lead_investigator):
    report = Report.objects.get(investigation=at_final_approval, kind=ReportKind.FINAL)
    publish_report(report, actor=chief)
    with pytest.raises(WorkflowError, match="already been published"):
        publish_report(report, actor=chief)
    with pytest.raises(WorkflowError, match="can no longer change"):
        services.save_version(report, actor=lead_investigator, sections={"summary": "Changed."}, based_on=99)
    visitor = StaffClient()
    assert visitor.get(report.get_absolute_url()).status_code == 302  # the drafts: staff sign-in
    draft_only = Report.objects.create(
        investigation=at_final_approval, kind=ReportKind.INTERIM, title="Unpublished", created_by=lead_investigator
    )
    assert visitor.get(reverse("public_reports:report", args=["unpublished"])).status_code == 404
    assert draft_only.title not in visitor.get(reverse("public_reports:list")).content.decode()


def test_only_the_chief_publishes(at_final_approval, director):
    report = Report.objects.get(investigation=at_final_approval, kind=ReportKind.FINAL)
    with pytest.raises(PermissionDenied):
        publish_report(report, actor=director)


def test_an_interim_report_is_published_while_the_investigation_goes_on(
    case_investigation, lead_investigator, director, chief
):
    """Its review ends as the final report's does: comments resolved, a director approves the version,
    and the chief publishes exactly that version; a newer save needs approving again."""
    interim = services.create_report(
        case_investigation, actor=lead_investigator, kind=ReportKind.INTERIM, title="Early findings on night falls"
    )
    with pytest.raises(WorkflowError, match="nothing written"):
        approve_interim(interim, actor=director)
    version = services.save_version(
        interim, actor=lead_investigator, sections={"summary": "What we know so far."}, based_on=0
    )
    comment = services.add_comment(version, actor=director, anchor="summary", text="Say when the next update is.")
    with pytest.raises(WorkflowError, match="1 review comment on the draft is still open"):
        approve_interim(interim, actor=director)
    with pytest.raises(WorkflowError, match="not been approved"):
        publish_report(interim, actor=chief)
    services.resolve_comment(comment, actor=lead_investigator, resolution="Added: an update in the spring.")
    with pytest.raises(PermissionDenied):
        approve_interim(interim, actor=lead_investigator)
    approve_interim(interim, actor=director)
    assert_audited(AuditAction.REPORT_INTERIM_APPROVED, actor=director)
    services.save_version(
        interim,
        actor=lead_investigator,
        sections={"summary": "What we know so far, and when we will say more."},
        based_on=1,
    )
    with pytest.raises(WorkflowError, match="Version 2 has not been approved"):
        publish_report(interim, actor=chief)
    approve_interim(interim, actor=director)

    publication = publish_report(interim, actor=chief)
    assert publication.is_interim
    assert publication.version.number == 2
    assert Investigation.objects.get(pk=case_investigation.pk).state == S.SCOPING
    page = StaffClient().get(publication.get_absolute_url()).content.decode()
    assert "Interim report: the investigation continues" in page
    assert publication.title in StaffClient().get(reverse("public_reports:list"), {"kind": "interim"}).content.decode()


def test_interim_steps_on_the_report_page(case_investigation, lead_investigator, director, chief):
    """The director approves from the report's page; the chief publishes after a fresh second factor;
    anyone else is refused and a made-up step is a 404."""
    interim = services.create_report(
        case_investigation, actor=lead_investigator, kind=ReportKind.INTERIM, title="Early findings"
    )
    services.save_version(interim, actor=lead_investigator, sections={"summary": "So far."}, based_on=0)

    def step(action):
        return reverse("reports:interim_step", args=[case_investigation.reference, interim.public_id, action])

    assert signed_in(lead_investigator).post(step("approve")).status_code == 403
    assert signed_in(director).post(step("retract")).status_code == 404
    page = signed_in(director).get(interim.get_absolute_url()).content.decode()
    assert "Approve version 1 for publication" in page
    assert signed_in(director).post(step("approve")).status_code == 302
    assert Report.objects.filter(pk=interim.pk, approved_version__number=1).exists()

    stale_chief = signed_in(chief, stale=True)
    asked = stale_chief.post(step("publish"))
    assert asked.status_code == 200
    assert "publish the report" in asked.content.decode()
    assert not Publication.objects.filter(report=interim).exists()
    done = stale_chief.post(step("publish"), {"step_up_code": current_code(chief)})
    assert done.status_code == 302
    assert Publication.objects.get(report=interim).version.number == 1
    assert "Published on" in signed_in(chief).get(interim.get_absolute_url()).content.decode()
