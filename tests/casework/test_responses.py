"""Organisations answer their safety recommendations in the portal: directors keep organisations and
their contacts; issuing tells the contacts (by a mail that names only the reference); a contact
drafts the response and sends it once; the team assesses it and the public page shows both; the
contacts and the lead are reminded before the due date and weekly while it is overdue."""

import os
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.outside import outside_person_for
from audit.choices import AuditAction, Outcome
from casework import services
from casework.choices import RecommendationState
from casework.models import Investigation, Organisation, SafetyRecommendation
from casework.services import responses
from kernel.errors import WorkflowError
from notify.choices import NotificationKind
from notify.mail import deliver
from notify.models import Notification
from tests.casework.test_case_access import signed_in
from tests.factories import StaffClient
from tests.helpers import assert_audited, at_once
from tests.referrals.test_attachments import EXECUTABLE, every_byte_under
from tests.test_access_matrix import sign_in_outside

pytestmark = pytest.mark.django_db

WORDS = "Introduce a second registered nurse on every older people's ward at night."
CONTACT = "patient.safety@westfield.example"


@pytest.fixture
def organisation(director):
    organisation = responses.create_organisation(actor=director, name="Westfield Hospitals NHS Trust", ods_code="rxw")
    responses.add_contact(organisation, actor=director, email=CONTACT, name="Dana Whitfield")
    return organisation


@pytest.fixture
def contact(organisation):
    return organisation.contacts.get().person


@pytest.fixture
def issued(case_investigation, lead_investigator, director, organisation):
    recommendation = services.draft_recommendation(
        case_investigation, actor=lead_investigator, text=WORDS, organisation=organisation
    )
    services.recommendation_step(recommendation, "agree", actor=lead_investigator)
    return services.recommendation_step(recommendation, "issue", actor=director)


def portal_client(person) -> StaffClient:
    client = StaffClient()
    sign_in_outside(client, person)
    return client


def page(recommendation) -> str:
    return reverse("portal:recommendation", args=[recommendation.reference])


def draft(**overrides) -> dict:
    data = {
        "response-decision": "accepted",
        "response-text": "We will staff two registered nurses per ward at night from April.",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-description": "Recruit 24 registered nurses for nights",
        "actions-0-owner": "Chief Nurse",
        "actions-0-due_on": "2027-03-31",
        "actions-1-description": "Audit night staffing monthly",
        "actions-1-owner": "Director of Quality",
        "actions-1-due_on": "2027-06-30",
    }
    data.update(overrides)
    return data


def test_directors_keep_organisations_and_their_contacts(director, lead_investigator, organisation):
    assert organisation.ods_code == "RXW"
    assert_audited(AuditAction.ORGANISATION_CREATED, actor=director, target_ref=organisation.reference)
    with pytest.raises(WorkflowError, match="ODS code RXW is already recorded"):
        responses.create_organisation(actor=director, name="Another", ods_code="RXW")
    with pytest.raises(WorkflowError, match="already a contact"):
        responses.add_contact(organisation, actor=director, email=CONTACT.upper(), name="Dana Whitfield")
    with pytest.raises(PermissionDenied):
        responses.add_contact(organisation, actor=lead_investigator, email="x@example.org", name="X")
    client = signed_in(director)
    listing = client.get(reverse("organisations:list")).content.decode()
    assert "Westfield Hospitals NHS Trust" in listing
    added = client.post(organisation.get_absolute_url(), {"contact-name": "Sam Lee", "contact-email": "sam@w.example"})
    assert added.status_code == 302
    assert organisation.contacts.filter(removed_at=None).count() == 2
    refused = client.post(organisation.get_absolute_url(), {"contact-name": "", "contact-email": "not an address"})
    assert refused.status_code == 400
    assert "not an address" in refused.content.decode()  # what was typed is kept


def test_issuing_tells_the_contacts_by_a_mail_that_names_only_the_reference(issued, contact):
    assert issued.state == RecommendationState.ISSUED
    [notice] = Notification.objects.filter(outside_recipient=contact, kind=NotificationKind.RECOMMENDATION_ISSUED)
    deliver(notice.pk, 1)
    [message] = mail.outbox
    assert message.to == [CONTACT]
    assert issued.reference in message.subject
    assert page(issued) in message.body
    for protected in (WORDS[:30], issued.investigation.title, issued.investigation.reference):
        assert protected not in "%s %s" % (message.subject, message.body)


def test_the_contact_drafts_sends_and_the_team_assesses(issued, contact, lead_investigator, evidence_storage):
    client = portal_client(contact)
    listing = client.get(reverse("portal:recommendations")).content.decode()
    assert issued.reference in listing
    assert "Waiting for your response" in listing
    home = client.get(reverse("portal:home")).content.decode()
    assert "1 waiting for your response" in home

    plan = b"%PDF-1.4 action plan " + os.urandom(200)
    saved = client.post(page(issued), draft(**{"response-attachment": SimpleUploadedFile("plan.pdf", plan)}))
    assert saved.status_code == 302
    response = SafetyRecommendation.objects.get(pk=issued.pk).response
    assert response.actions.count() == 2
    assert response.attachments.get().display_name == "plan.pdf"
    assert plan not in every_byte_under(evidence_storage)
    assert SafetyRecommendation.objects.get(pk=issued.pk).state == RecommendationState.ISSUED  # a draft until sent

    sent = client.post(reverse("portal:recommendation_submit", args=[issued.reference]))
    assert sent.status_code == 302
    answered = SafetyRecommendation.objects.get(pk=issued.pk)
    assert answered.state == RecommendationState.RESPONSE_RECEIVED
    assert answered.response_text.startswith("We will staff two")
    assert answered.response_received_on == timezone.localdate()
    event = assert_audited(AuditAction.RECOMMENDATION_TRANSITIONED, target_ref=issued.reference)
    assert event.actor_username == contact.reference
    assert Notification.objects.filter(recipient=lead_investigator, kind=NotificationKind.RECOMMENDATION_ANSWERED)

    # Sent once: the second send is refused and explained, and the draft can no longer change.
    again = client.post(reverse("portal:recommendation_submit", args=[issued.reference]), follow=True)
    assert "has already been sent" in again.content.decode()
    changed = client.post(page(issued), draft(**{"response-text": "Something else"}))
    assert changed.status_code == 400
    assert "has already been sent" in changed.content.decode()

    # The public learns of the response with the body's assessment, not before.
    public = StaffClient().get(reverse("public_reports:recommendation", args=[issued.reference])).content.decode()
    assert "we publish it with our assessment" in public
    assert "We will staff two" not in public
    staff_page = (
        signed_in(lead_investigator)
        .get(reverse("casework:recommendations", args=[issued.investigation.reference]))
        .content.decode()
    )
    assert "We will staff two" in staff_page
    assert "plan.pdf" in staff_page
    services.recommendation_step(
        answered, "assess", actor=lead_investigator, assessment="partial", assessment_notes="No date for the audit."
    )
    public = StaffClient().get(reverse("public_reports:recommendation", args=[issued.reference])).content.decode()
    assert "We will staff two" in public
    assert "Recruit 24 registered nurses for nights (Chief Nurse, by 31 March 2027)" in public
    assert "Response partly meets the recommendation" in public
    assert "No date for the audit." in public
    assert Notification.objects.filter(outside_recipient=contact, kind=NotificationKind.RESPONSE_ASSESSED).exists()

    late = client.post(page(issued), draft())
    assert "has assessed the response" in late.content.decode()
    assert "assessment" in client.get(page(issued)).content.decode()


def test_a_contact_of_another_organisation_finds_nothing(issued, director):
    other = responses.create_organisation(actor=director, name="Northgate Trust")
    responses.add_contact(other, actor=director, email="someone@northgate.example", name="Someone")
    stranger = portal_client(other.contacts.get().person)
    assert issued.reference not in stranger.get(reverse("portal:recommendations")).content.decode()
    assert stranger.get(page(issued)).status_code == 404
    denied = assert_audited(AuditAction.ACCESS_DENIED, outcome=Outcome.DENIED)
    assert denied.target_ref == issued.reference
    assert stranger.post(page(issued), draft()).status_code == 404
    assert stranger.post(reverse("portal:recommendation_submit", args=[issued.reference])).status_code == 404
    assert not hasattr(SafetyRecommendation.objects.get(pk=issued.pk), "response")


def test_a_contact_removed_while_signed_in_is_refused_at_the_next_request(issued, contact, director):
    client = portal_client(contact)
    assert client.get(page(issued)).status_code == 200
    responses.remove_contact(issued.organisation.contacts.get(person=contact), actor=director)
    assert client.get(page(issued)).status_code == 404
    assert client.post(page(issued), draft()).status_code == 404
    assert issued.reference not in client.get(reverse("portal:recommendations")).content.decode()


def test_bad_responses_are_explained_and_nothing_typed_is_lost(issued, contact, evidence_storage, settings):
    client = portal_client(contact)
    no_decision = client.post(page(issued), draft(**{"response-decision": ""}))
    assert no_decision.status_code == 400
    assert "Say whether your organisation accepts the recommendation" in no_decision.content.decode()
    assert "We will staff two" in no_decision.content.decode()
    bad_date = client.post(page(issued), draft(**{"actions-1-due_on": "next spring"}))
    assert bad_date.status_code == 400
    assert "Audit night staffing monthly" in bad_date.content.decode()
    executable = client.post(
        page(issued), draft(**{"response-attachment": SimpleUploadedFile("plan.doc", EXECUTABLE + os.urandom(300))})
    )
    assert executable.status_code == 400
    assert "We cannot accept this kind of file" in executable.content.decode()
    settings.PUBLIC_ATTACHMENT_MAX_BYTES = 1024 * 1024
    too_big = client.post(
        page(issued), draft(**{"response-attachment": SimpleUploadedFile("big.bin", os.urandom(2 * 1024 * 1024))})
    )
    assert too_big.status_code == 413
    assert "We will staff two" in too_big.content.decode()
    assert every_byte_under(evidence_storage) == b""
    assert not hasattr(SafetyRecommendation.objects.get(pk=issued.pk), "response")
    nothing_saved = client.post(reverse("portal:recommendation_submit", args=[issued.reference]), follow=True)
    assert "write your response before sending it" in nothing_saved.content.decode()


def test_script_in_a_response_is_inert_everywhere(issued, contact, lead_investigator):
    client = portal_client(contact)
    client.post(page(issued), draft(**{"response-text": "<script>alert('x')</script>", "actions-0-owner": "<b>x</b>"}))
    client.post(reverse("portal:recommendation_submit", args=[issued.reference]))
    answered = SafetyRecommendation.objects.get(pk=issued.pk)
    services.recommendation_step(answered, "assess", actor=lead_investigator, assessment="partial")
    for html in (
        client.get(page(issued)).content.decode(),
        signed_in(lead_investigator).get(issued.investigation.get_absolute_url()).content.decode(),
        StaffClient().get(reverse("public_reports:recommendation", args=[issued.reference])).content.decode(),
    ):
        assert "<script>alert('x')</script>" not in html
        assert "<b>x</b>" not in html


def test_a_response_sent_twice_at_once_has_one_winner(migrated_data, personas):
    director, lead = personas["director"], personas["lead_investigator"]
    investigation = services.start_scoping(
        Investigation.objects.create(reference="INV-2026-0778", title="Race"), actor=director, lead=lead
    )
    organisation = Organisation.objects.create(name="Race Trust")
    person = outside_person_for("race@trust.example", "Racer")
    responses.add_contact(organisation, actor=director, email="race@trust.example", name="Racer")
    recommendation = services.draft_recommendation(investigation, actor=lead, text=WORDS, organisation=organisation)
    services.recommendation_step(recommendation, "agree", actor=lead)
    services.recommendation_step(recommendation, "issue", actor=director)
    responses.save_response(recommendation, person=person, decision="accepted", text="Yes.", actions=[])
    outcomes = at_once(*[lambda: responses.submit_response(recommendation, person=person)] * 2)
    sent = [outcome for outcome in outcomes if isinstance(outcome, SafetyRecommendation)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, WorkflowError)]
    assert len(sent) == len(refused) == 1
    assert "has already been sent" in str(refused[0])
    assert SafetyRecommendation.objects.get(pk=recommendation.pk).state == RecommendationState.RESPONSE_RECEIVED


@pytest.mark.parametrize(
    ("days_left", "occasion"),
    [
        (31, ""),
        (30, "before-30"),
        (15, "before-30"),
        (14, "before-14"),
        (1, "before-14"),
        (0, "due-day"),
        (-1, "overdue-week-0"),
        (-7, "overdue-week-0"),
        (-8, "overdue-week-1"),
        (-15, "overdue-week-2"),
    ],
)
def test_reminders_fall_before_the_due_date_on_it_and_weekly_after(days_left, occasion):
    today = date(2027, 1, 10)
    assert responses.reminder_occasion(today + timedelta(days=days_left), today) == occasion


def test_each_reminder_reaches_the_contacts_and_the_lead_once(issued, contact, lead_investigator):
    due = issued.response_due
    for days_before, kind in ((30, NotificationKind.RESPONSE_DUE), (0, NotificationKind.RESPONSE_DUE)):
        for _ in range(2):  # the scheduler running twice reminds once
            responses.send_response_reminders(due - timedelta(days=days_before))
        assert Notification.objects.filter(outside_recipient=contact, kind=kind).count() == (1 if days_before else 2)
    responses.send_response_reminders(due + timedelta(days=1))
    responses.send_response_reminders(due + timedelta(days=3))
    responses.send_response_reminders(due + timedelta(days=8))
    assert Notification.objects.filter(outside_recipient=contact, kind=NotificationKind.RESPONSE_OVERDUE).count() == 2
    assert (
        Notification.objects.filter(recipient=lead_investigator, kind=NotificationKind.RECOMMENDATION_OVERDUE).count()
        == 2
    )


def test_no_response_is_recorded_only_once_overdue(issued, lead_investigator):
    with pytest.raises(WorkflowError, match="not overdue yet"):
        services.recommendation_step(issued, "record_no_response", actor=lead_investigator)
    SafetyRecommendation.objects.filter(pk=issued.pk).update(response_due=timezone.localdate() - timedelta(days=1))
    assessed = services.recommendation_step(
        SafetyRecommendation.objects.get(pk=issued.pk), "record_no_response", actor=lead_investigator
    )
    assert (assessed.state, assessed.assessment) == (RecommendationState.ASSESSED, "no_response")
    public = StaffClient().get(reverse("public_reports:recommendation", args=[issued.reference])).content.decode()
    assert "No response received by the due date" in public


@override_settings(RECOMMENDATION_RESPONSE_DAYS=90)
def test_directors_see_responses_due_by_organisation(issued, director):
    SafetyRecommendation.objects.filter(pk=issued.pk).update(response_due=timezone.localdate() - timedelta(days=2))
    dashboard = signed_in(director).get(reverse("dashboard")).content.decode()
    section = dashboard.split('data-testid="responses-by-organisation"')[1]
    assert "Westfield Hospitals NHS Trust" in section
    assert '<strong class="app-overdue">1</strong>' in section
