"""A report from first draft to publication in a real browser, with a screenshot of every step.

The lead drafts two versions; a director comments and the lead resolves it; the director approves
the draft for consultation; the lead sends it to two people; one signs in with the code from the
e-mail, accepts the warning, reads, downloads the watermarked PDF (its text carries her name on
every page) and comments; the other misses the deadline; the lead handles the comment; the report
goes to final approval and the chief publishes it; an anonymous visitor finds it from the home
page, reads the page and the PDF, and finds its recommendation in the log.
"""

import re
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from casework import services as case_services
from casework.choices import InvestigationState as S
from casework.models import Investigation
from reports.models import Consultee, Publication, Report
from tests.e2e.browser import sign_in
from tests.e2e.test_role_journeys import Camera
from tests.factories import current_code

pytestmark = pytest.mark.usefixtures("migrated_data")
TITLE = "Night-time falls on wards for older people"


def confirm_if_asked(page, user) -> None:
    """Answer the fresh-code page if the step asks for one."""
    if page.get_by_test_id("step-up-confirm").count():
        page.fill("#id_step_up_code", current_code(user))
        page.get_by_test_id("step-up-confirm").click()


def code_from(body) -> str:
    found = re.search(r"code is (\d{6})", str(body))
    assert found is not None, "no sign-in code in the e-mail"
    return found.group(1)


def pdf_text(page, url: str) -> list[str]:
    response = page.request.get(url)
    assert response.headers["content-type"] == "application/pdf"
    return [each.extract_text() for each in PdfReader(BytesIO(response.body())).pages]


class Desks:
    """One browser window per person, each signed in once (an authenticator code is used once)."""

    def __init__(self, browser, live_server, folder: str):
        self.browser, self.live_server = browser, live_server
        self.pages: dict[object, object] = {}
        self.problems: list[str] = []
        self.shots = Camera(browser.new_context().new_page(), folder)

    def of(self, user=None) -> Any:
        key = user.pk if user is not None else "visitor"
        if key not in self.pages:
            page = self.browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
            page.set_default_timeout(10_000)
            page.on("pageerror", lambda error: self.problems.append(str(error)))
            if user is not None:
                sign_in(page, self.live_server, user)
            self.pages[key] = page
        return self.pages[key]

    def shot(self, page, step: str) -> None:
        self.shots.page = page
        self.shots(step)


def test_a_report_from_draft_to_publication(
    browser, live_server, director, lead_investigator, chief, case_investigation
):
    from tests.casework.test_investigation_services import walk

    desks = Desks(browser, live_server, "report-to-publication")
    case = walk(case_investigation, director, lead_investigator, chief, until=S.DRAFTING)
    recommendation = case_services.draft_recommendation(
        case, actor=lead_investigator, text="Set a minimum of two registered nurses at night.", addressee="NHS England"
    )

    # The lead drafts two versions.
    page = desks.of(lead_investigator)
    page.goto(live_server.url + "/investigations/%s/reports/" % case.reference)
    page.check("input[name=report-kind][value=final]")
    page.fill("#id_report-title", TITLE)
    desks.shot(page, "lead-starts-the-report")
    page.get_by_role("button", name="Start the report").click()
    page.fill("#id_summary", "Falls happened at night.")
    page.fill("#id_findings", "## Staffing\n\nRotas left **one registered nurse** for two bays.")
    desks.shot(page, "lead-writes-version-1")
    page.get_by_role("button", name="Save as a new version").click()
    assert "Version 1 saved." in page.content()
    page.get_by_role("link", name="Write a new version").click()
    page.fill("#id_summary", "Falls happened at night on two wards, when one nurse covered two bays.")
    page.get_by_role("button", name="Save as a new version").click()
    assert page.get_by_test_id("version").inner_text().startswith("Version 2")
    desks.shot(page, "lead-saves-version-2")
    page.get_by_role("button", name="Compare").click()
    assert "on two wards" in page.get_by_test_id("diff").first.inner_text()
    desks.shot(page, "versions-compared")
    report = Report.objects.get(investigation=case)

    # A director reviews and comments; the lead resolves it.
    case_services.transition(case, "submit_for_review", actor=lead_investigator)
    page = desks.of(director)
    page.goto(live_server.url + report.get_absolute_url())
    page.select_option("#id_comment-anchor", "summary")
    page.fill("#id_comment-text", "Say which wards.")
    page.get_by_role("button", name="Add the comment").click()
    desks.shot(page, "director-comments")
    page = desks.of(lead_investigator)
    page.goto(live_server.url + report.get_absolute_url())
    page.fill("#id_resolve-resolution", "Named both wards in the background section.")
    page.get_by_role("button", name="Resolve").click()
    desks.shot(page, "lead-resolves-the-comment")

    # The director approves the draft for consultation.
    page = desks.of(director)
    page.goto(live_server.url + case.get_absolute_url())
    page.get_by_test_id("action-approve_for_consultation").click()
    assert "is frozen" in page.get_by_test_id("consequence").inner_text()
    page.get_by_test_id("confirm-approve_for_consultation").click()
    confirm_if_asked(page, director)
    assert Investigation.objects.get(pk=case.pk).state == S.DRAFT_CONSULTATION
    desks.shot(page, "director-approves-for-consultation")

    # The lead sends it to two people.
    page = desks.of(lead_investigator)
    page.goto(live_server.url + report.get_absolute_url())
    page.get_by_role("link", name="Send the draft for consultation").click()
    page.fill("#id_consultee-0-name", "Mary Whitfield")
    page.fill("#id_consultee-0-email", "mary@example.org")
    page.select_option("#id_consultee-0-purpose", "family")
    page.fill("#id_consultee-1-name", "Patient safety lead")
    page.fill("#id_consultee-1-email", "psl@trust.example")
    page.fill("#id_consultee-1-organisation", "Northshire Hospitals NHS Trust")
    page.select_option("#id_consultee-1-purpose", "factual_accuracy")
    desks.shot(page, "lead-names-the-people-consulted")
    page.get_by_role("button", name="Send the draft").click()
    consultation = report.consultations.get()
    assert consultation.reference in page.content()

    # Mary signs in with the code from the e-mail, reads, downloads and comments.
    page = desks.of()
    page.goto(live_server.url + "/portal/sign-in/")
    page.fill("#id_email", "mary@example.org")
    page.get_by_role("button", name="Email me a code").click()
    page.fill("#id_code", code_from(mail.outbox[-1].body))
    desks.shot(page, "consultee-gives-the-code")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("consultations").get_by_role("link").click()
    desks.shot(page, "consultee-sees-the-warning")
    page.get_by_role("button", name="I understand: show me the draft").click()
    assert "Falls happened at night on two wards" in page.content()
    desks.shot(page, "consultee-reads-the-draft")
    pages = pdf_text(page, live_server.url + page.get_by_test_id("draft-pdf").get_attribute("href"))
    assert len(pages) >= 3
    assert all("Mary Whitfield" in text and consultation.reference in text for text in pages)
    page.select_option("#id_comment-anchor", "summary")
    page.fill("#id_comment-text", "Mum fell twice that week, not once.")
    page.get_by_role("button", name="Save this comment").click()
    page.get_by_role("button", name="Send my comments to the team").click()
    desks.shot(page, "consultee-sends-her-comments")
    page.context.clear_cookies()  # the visitor later is someone else

    # The trust misses its deadline; the lead handles Mary's comment and the report moves on.
    Consultee.objects.filter(consultation=consultation, purpose="factual_accuracy").update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    page = desks.of(lead_investigator)
    page.goto(live_server.url + consultation.get_absolute_url())
    assert "Deadline passed" in page.content()
    page.check("input[name=handle-handling][value=accepted]")
    page.fill("#id_handle-response", "Corrected: two falls that week.")
    page.get_by_role("button", name="Record how it was handled").click()
    desks.shot(page, "lead-handles-the-comment")
    case_services.transition(case, "begin_revision", actor=lead_investigator)
    case_services.transition(case, "submit_final", actor=lead_investigator)
    case_services.recommendation_step(recommendation, "agree", actor=lead_investigator)

    # The chief publishes.
    page = desks.of(chief)
    page.goto(live_server.url + case.get_absolute_url())
    page.get_by_test_id("action-publish").click()
    desks.shot(page, "chief-is-told-what-publishing-does")
    page.get_by_test_id("confirm-publish").click()
    confirm_if_asked(page, chief)
    assert Investigation.objects.get(pk=case.pk).state == S.PUBLISHED
    desks.shot(page, "chief-publishes")
    case_services.recommendation_step(recommendation, "issue", actor=director)

    # An anonymous visitor.
    page = desks.of()
    page.goto(live_server.url + "/")
    desks.shot(page, "visitor-home")
    page.get_by_test_id("latest-reports").get_by_role("link", name=TITLE).click()
    assert "one registered nurse" in page.content()
    desks.shot(page, "visitor-reads-the-report")
    publication = Publication.objects.get()
    public_pdf = pdf_text(page, live_server.url + "/reports/%s/pdf/" % publication.slug)
    assert any("Staffing" in text for text in public_pdf)
    page.goto(live_server.url + "/recommendations/")
    page.get_by_role("link", name=recommendation.reference).click()
    assert "NHS England" in page.content()
    desks.shot(page, "visitor-finds-the-recommendation")
    assert desks.problems == []
