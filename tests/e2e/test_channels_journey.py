"""The two channels with people outside the body, in a real browser, with a screenshot of each step.

A concern arrives; intake asks a question; the referrer opens their page with the code, reads it
and answers with a file; intake reads the answer and signposts the concern; the referrer sees where
to go. Then a recommendation is issued to an organisation; its contact signs in with the e-mailed
code and sends a response with two actions; the lead records the assessment; the public page shows
the response and the assessment.
"""

import pytest
from django.core import mail

from casework import services as case_services
from casework.choices import RecommendationState
from casework.models import SafetyRecommendation
from casework.services import responses
from notify.choices import EmailState
from notify.mail import deliver
from notify.models import Notification
from referrals.choices import ReferralState
from referrals.models import Referral, SignpostBody
from tests.e2e.test_report_journey import Desks, code_from

pytestmark = pytest.mark.usefixtures("migrated_data")


def test_a_referrer_answers_a_question_and_learns_where_to_go(browser, live_server, intake, tmp_path):
    desks = Desks(browser, live_server, "referrer-conversation")
    letter = tmp_path / "discharge-letter.txt"
    letter.write_bytes(b"Discharged at 2am with no transport home.\n")

    page = desks.of()
    page.goto(live_server.url + "/share-a-concern/")
    page.check("input[name=reporter_type][value=family_or_carer]")
    page.fill("#id_reporter_email", "sam@example.org")
    page.check("#id_nudge")
    page.check("input[name=concern_kind][value=happened]")
    page.fill("#id_organisation_name", "Riverside Community Trust")
    page.select_option("#id_care_setting", "hospital")
    page.select_option("#id_region", "south_west")
    page.fill("#id_description", "My mother was discharged at night without a way home.")
    page.check("input[name=harm_level][value=moderate]")
    page.check("input[name=frequency][value=once]")
    page.click("main button[type=submit]")
    reference = page.get_by_test_id("reference").inner_text()
    code = page.get_by_test_id("receipt-code").inner_text()
    desks.shot(page, "referrer-receipt")
    referral = Referral.objects.get(reference=reference)
    assert referral.nudge_recipient is not None

    staff = desks.of(intake)
    staff.goto(live_server.url + referral.get_absolute_url())
    staff.get_by_test_id("action-start_triage").click()
    staff.get_by_text("Request more information").first.click()
    staff.fill("#id_request_info-text", "Which ward was she on, and what time was she discharged?")
    desks.shot(staff, "intake-asks-a-question")
    staff.get_by_test_id("action-request_info").click()
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.AWAITING_INFO
    [nudge] = Notification.objects.filter(outside_recipient=referral.nudge_recipient)
    deliver(nudge.pk, 1)
    assert "new message about your concern" in mail.outbox[-1].subject
    assert "Which ward" not in mail.outbox[-1].body

    page.goto(live_server.url + "/share-a-concern/follow-up/")
    page.fill("#id_reference", reference)
    page.fill("#id_receipt_code", code)
    page.click("main button[type=submit]")
    assert "More information needed" in page.content()
    assert "Which ward was she on" in page.content()
    desks.shot(page, "referrer-reads-the-question")
    page.fill("#id_text", "Ward 4, Beech. She left at 2am.")
    page.set_input_files("#id_attachment", str(letter))
    page.get_by_role("button", name="Send").click()
    assert "Your reply has been sent" in page.content()
    desks.shot(page, "referrer-has-answered")

    staff.reload()
    assert "Ward 4, Beech. She left at 2am." in staff.content()
    assert "discharge-letter.txt" in staff.content()
    desks.shot(staff, "intake-reads-the-answer")
    staff.get_by_test_id("action-signpost").click()
    assert "closed as outside the body's remit" in staff.get_by_test_id("consequence").inner_text()
    staff.select_option("#id_signpost-signpost_reason", "individual_complaint")
    staff.select_option("#id_signpost-body", str(SignpostBody.objects.filter(active=True).earliest("pk").pk))
    staff.fill("#id_signpost-notice", "The trust's patient advice service looks at one person's discharge first.")
    desks.shot(staff, "intake-signposts")
    staff.get_by_test_id("confirm-signpost").click()
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.SIGNPOSTED

    page.reload()
    assert "Signposted" in page.get_by_test_id("progress").inner_text()
    assert page.get_by_test_id("signposted").count() == 1
    assert "patient advice service" in page.get_by_test_id("notice").inner_text()
    desks.shot(page, "referrer-sees-where-to-go")
    assert_no_mail_carries(["Which ward", "Beech", "discharged at night", "patient advice service", "Riverside"])
    assert desks.problems == []


def test_an_organisation_responds_and_the_public_sees_the_assessment(
    browser, live_server, director, lead_investigator, case_investigation
):
    desks = Desks(browser, live_server, "organisation-response")
    organisation = responses.create_organisation(actor=director, name="Riverside Community Trust", ods_code="RVX")
    responses.add_contact(organisation, actor=director, email="safety@riverside.example", name="Dana Whitfield")
    recommendation = case_services.draft_recommendation(
        case_investigation,
        actor=lead_investigator,
        text="Provide transport or a safe place to wait for every patient discharged between 10pm and 7am.",
        organisation=organisation,
    )
    case_services.recommendation_step(recommendation, "agree", actor=lead_investigator)
    case_services.recommendation_step(recommendation, "issue", actor=director)
    [issued] = Notification.objects.filter(outside_recipient__isnull=False)
    deliver(issued.pk, 1)
    assert recommendation.reference in mail.outbox[-1].subject

    page = desks.of()
    page.goto(live_server.url + "/portal/sign-in/")
    page.fill("#id_email", "safety@riverside.example")
    page.get_by_role("button", name="Email me a code").click()
    page.fill("#id_code", code_from(mail.outbox[-1].body))
    page.get_by_role("button", name="Sign in").click()
    desks.shot(page, "contact-home")
    page.get_by_test_id("recommendations-link").click()
    page.get_by_role("link", name=recommendation.reference).click()
    desks.shot(page, "contact-reads-the-recommendation")
    page.check("input[name=response-decision][value=accepted]")
    page.fill("#id_response-text", "We will fund night transport and open a discharge lounge overnight.")
    page.fill("#id_actions-0-description", "Contract a night patient transport service")
    page.fill("#id_actions-0-owner", "Director of Operations")
    page.fill("#id_actions-0-due_on_0", "30")
    page.fill("#id_actions-0-due_on_1", "4")
    page.fill("#id_actions-0-due_on_2", "2027")
    page.fill("#id_actions-1-description", "Open the discharge lounge from 10pm to 7am")
    page.fill("#id_actions-1-owner", "Chief Nurse")
    page.fill("#id_actions-1-due_on_0", "30")
    page.fill("#id_actions-1-due_on_1", "6")
    page.fill("#id_actions-1-due_on_2", "2027")
    desks.shot(page, "contact-drafts-the-response")
    page.get_by_role("button", name="Save the response").click()
    page.get_by_role("button", name="Send the response").click()
    assert "your response has been sent" in page.content()
    desks.shot(page, "contact-has-sent-it")
    assert SafetyRecommendation.objects.get(pk=recommendation.pk).state == RecommendationState.RESPONSE_RECEIVED

    staff = desks.of(lead_investigator)
    staff.goto(live_server.url + case_investigation.get_absolute_url())
    staff.get_by_test_id("workspace-nav").get_by_role("link", name="Recommendations").click()
    item = staff.get_by_test_id("recommendation-%s" % recommendation.reference)
    assert "open a discharge lounge" in item.inner_text()
    item.locator("select[name=recommendation_step-assessment]").select_option("accepted_in_full")
    item.locator("textarea[name=recommendation_step-assessment_notes]").fill("Both actions have owners and dates.")
    desks.shot(staff, "lead-assesses-the-response")
    staff.get_by_test_id("assess-%s" % recommendation.reference).click()
    assert SafetyRecommendation.objects.get(pk=recommendation.pk).state == RecommendationState.ASSESSED

    visitor = desks.of()
    visitor.goto(live_server.url + "/recommendations/%s/" % recommendation.reference)
    published = visitor.get_by_test_id("public-response").inner_text()
    assert "open a discharge lounge" in published
    assert "Contract a night patient transport service" in published
    assert "Response meets the recommendation" in visitor.content()
    desks.shot(visitor, "public-sees-the-response-and-assessment")
    assert_no_mail_carries(["transport or a safe place", "discharge lounge", "Both actions", case_investigation.title])
    assert desks.problems == []


def assert_no_mail_carries(protected: list[str]) -> None:
    """Send every notification still waiting, then read every e-mail the journey sent: none may carry
    the conversation's, the recommendation's or the response's words, only kinds, references and links."""
    for waiting in Notification.objects.filter(email=EmailState.WAITING):
        deliver(waiting.pk, 1)
    assert mail.outbox
    for message in mail.outbox:
        whole = "%s\n%s" % (message.subject, message.body)
        for words in protected:
            assert words not in whole, "%r in the e-mail %r" % (words, message.subject)
