"""The referrer's own page: opened with the reference and receipt code, it shows the concern's progress
in plain words and the conversation with the body; the referrer replies (with a file if they like),
chooses an e-mail nudge that says nothing of the concern, and reaches nothing else."""

import os
import re
import time

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from accounts.outside import OUTSIDE_SIGNED_IN_AT
from audit.choices import AuditAction, Outcome
from casework import services as case_services
from casework.choices import InvestigationState
from notify.choices import NotificationKind
from notify.mail import deliver
from notify.models import Notification
from referrals import services
from referrals.choices import MessageKind, ReferralState, SignpostReason
from referrals.models import Attachment, Referral, ReferralMessage, SignpostBody, TriageCriteria
from tests.casework.test_case_access import signed_in
from tests.casework.test_investigation_services import walk
from tests.helpers import assert_audited
from tests.referrals.test_attachments import EXECUTABLE, every_byte_under
from tests.referrals.test_public_form import form_token as public_form_token
from tests.referrals.test_public_form import valid_answers

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("public:follow_up")
QUESTION = "Which hospital site, and roughly when?"
ADDRESS = "sam.referrer@example.org"


def shared(**overrides):
    """A concern from the public form (its reference and receipt code)."""
    answers = {k: v for k, v in valid_answers(**overrides).items() if k not in ("website", "occurred_on")}
    return services.receive_referral(answers)


@pytest.fixture
def asked(intake):
    """A concern intake has asked a question about; the referrer gave an e-mail address."""
    referral, code = shared(reporter_name="Sam Referrer", reporter_email=ADDRESS)
    services.start_triage(referral, actor=intake)
    services.request_info(referral, actor=intake, question=QUESTION)
    return referral, code


def open_page(client, referral, code):
    return client.post(SIGN_IN, {"reference": referral.reference.lower(), "receipt_code": code.lower()})


def page_of(referral) -> str:
    return reverse("public:concern", args=[referral.reference])


def test_the_referrer_reads_the_question_and_answers_it_with_a_file(client, asked, intake, evidence_storage):
    referral, code = asked
    services.assign_referral(referral, actor=intake, assignee=intake)
    assert open_page(client, referral, code)["Location"] == page_of(referral)
    assert_audited(AuditAction.REFERRER_SIGNED_IN, target_ref=referral.reference)

    page = client.get(page_of(referral)).content.decode()
    assert "More information needed" in page
    assert QUESTION in page
    viewed = assert_audited(AuditAction.REFERRER_PAGE_VIEWED, target_ref=referral.reference)
    assert viewed.actor is None
    assert viewed.actor_username == "referrer:%s" % referral.reference  # named by the concern, never by name

    photo = b"\xff\xd8\xff\xe0" + os.urandom(500)
    response = client.post(
        page_of(referral),
        {"text": "The Riverside site, since March.", "attachment": SimpleUploadedFile("ward.jpg", photo)},
    )
    assert response["Location"] == page_of(referral)
    referral.refresh_from_db()
    assert referral.state == ReferralState.TRIAGE  # the answer ends the wait for information
    reply = referral.messages.get(kind=MessageKind.REPLY)
    assert reply.text == "The Riverside site, since March."
    assert reply.attachments.get().content_type == "image/jpeg"
    assert photo not in every_byte_under(evidence_storage)
    assert Notification.objects.filter(recipient=intake, kind=NotificationKind.REFERRER_REPLIED).exists()

    # Intake reads the answer, and its file, on the referral's page.
    staff_page = signed_in(intake).get(referral.get_absolute_url()).content.decode()
    assert "The Riverside site, since March." in staff_page
    assert "ward.jpg" in staff_page


def test_messages_are_encrypted_at_rest(asked):
    referral, _ = asked
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM referrals_referralmessage WHERE referral_id = %s", [referral.pk])
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert QUESTION not in stored
    assert ReferralMessage.objects.get(referral=referral).text == QUESTION


def test_wrong_code_and_unknown_reference_get_the_same_answer(client, asked):
    referral, _ = asked
    wrong_code = client.post(SIGN_IN, {"reference": referral.reference, "receipt_code": "AAAA-BBBB-CCCC"})
    unknown = client.post(SIGN_IN, {"reference": "REF-2026-999999", "receipt_code": "AAAA-BBBB-CCCC"})
    assert wrong_code.status_code == unknown.status_code == 400
    assert "could not match that reference and receipt code" in wrong_code.content.decode()

    def main(response) -> str:
        html = response.content.decode()
        html = html[html.index("<main") : html.index("</main>")]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert main(wrong_code).replace(referral.reference, "REF") == main(unknown).replace("REF-2026-999999", "REF")
    assert client.get(page_of(referral))["Location"] == SIGN_IN
    assert_audited(AuditAction.REFERRAL_RECEIPT_CODE_REJECTED, target_ref=referral.reference, outcome=Outcome.DENIED)


@override_settings(FOLLOW_UP_ATTEMPTS_PER_15_MINUTES=3)
def test_attempts_are_limited_even_with_the_right_code(client, asked):
    referral, code = asked
    for _ in range(3):
        client.post(SIGN_IN, {"reference": referral.reference, "receipt_code": "WRONG-CODE"})
    assert open_page(client, referral, code).status_code == 429


@override_settings(FOLLOW_UP_ATTEMPTS_PER_15_MINUTES=3)
def test_guessing_one_reference_from_many_addresses_is_limited_too(asked):
    referral, code = asked
    for n in range(3):
        Client(REMOTE_ADDR="198.51.100.%s" % n).post(
            SIGN_IN, {"reference": referral.reference, "receipt_code": "WRONG-CODE"}
        )
    assert open_page(Client(REMOTE_ADDR="198.51.100.99"), referral, code).status_code == 429


def test_missing_answers_are_explained(client, db):
    response = client.post(SIGN_IN, {"reference": "", "receipt_code": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_a_referrer_session_reaches_only_its_own_concern(client, asked, case_referral):
    referral, code = asked
    open_page(client, referral, code)
    other = client.get(page_of(case_referral))
    assert other.status_code == 404
    denied = assert_audited(AuditAction.ACCESS_DENIED, outcome=Outcome.DENIED)
    assert denied.target_ref == case_referral.reference
    assert client.post(page_of(case_referral), {"text": "Hello"}).status_code == 404
    assert not case_referral.messages.exists()
    for staff_page in (reverse("dashboard"), referral.get_absolute_url(), reverse("portal:home")):
        assert client.get(staff_page).status_code in (302, 404)
    assert client.get(reverse("dashboard")).status_code == 404
    assert client.get(referral.get_absolute_url()).status_code == 404


def test_a_staff_session_never_reaches_a_referrers_page(asked, intake):
    referral, _ = asked
    assert signed_in(intake).get(page_of(referral)).status_code == 404
    assert signed_in(intake).get(SIGN_IN).status_code == 200  # the public sign-in itself is public


def test_script_in_messages_is_inert_on_both_sides(client, asked, intake):
    referral, code = asked
    services.send_message(referral, actor=intake, text="<script>alert('staff')</script>")
    open_page(client, referral, code)
    client.post(page_of(referral), {"text": "<img src=x onerror=alert('referrer')>"})
    referrer_page = client.get(page_of(referral)).content.decode()
    assert "<script>alert('staff')</script>" not in referrer_page
    assert "&lt;script&gt;alert(&#x27;staff&#x27;)&lt;/script&gt;" in referrer_page
    staff_page = signed_in(intake).get(referral.get_absolute_url()).content.decode()
    assert "<img src=x" not in staff_page
    assert "&lt;img src=x onerror=alert(&#x27;referrer&#x27;)&gt;" in staff_page


@override_settings(PUBLIC_ATTACHMENT_MAX_BYTES=1024 * 1024)
def test_a_reply_with_a_file_over_the_limit_keeps_the_words_and_saves_nothing(client, asked, evidence_storage):
    referral, code = asked
    open_page(client, referral, code)
    response = client.post(
        page_of(referral),
        {"text": "Keep these words", "attachment": SimpleUploadedFile("big.bin", os.urandom(2 * 1024 * 1024))},
    )
    assert response.status_code == 413
    assert "larger than the 1 MB limit" in response.content.decode()
    assert "Keep these words" in response.content.decode()
    assert not referral.messages.filter(kind=MessageKind.REPLY).exists()
    assert every_byte_under(evidence_storage) == b""


def test_a_reply_cannot_carry_an_executable(client, asked, evidence_storage):
    referral, code = asked
    open_page(client, referral, code)
    response = client.post(
        page_of(referral),
        {"text": "The form they sent me", "attachment": SimpleUploadedFile("form.doc", EXECUTABLE + os.urandom(500))},
    )
    assert response.status_code == 400
    assert "We cannot accept this kind of file" in response.content.decode()
    assert "The form they sent me" in response.content.decode()
    assert not Attachment.objects.exists()
    assert every_byte_under(evidence_storage) == b""


def test_signposting_tells_the_referrer_where_to_go_and_why(client, asked, intake):
    referral, code = asked
    services.record_information(referral, actor=intake, text="Called: ward 7, staff notes only.")
    body, _ = SignpostBody.objects.update_or_create(
        name="Parliamentary and Health Service Ombudsman", defaults={"url": "https://ombudsman.example/"}
    )
    services.signpost_referral(
        referral,
        actor=intake,
        signpost_reason=SignpostReason.INDIVIDUAL_COMPLAINT,
        body=body,
        note="Internal: complaints route.",
        notice="The provider's complaints procedure looks at one person's care first.",
    )
    open_page(client, referral, code)
    page = client.get(page_of(referral)).content.decode()
    assert '<h1 data-testid="progress">Signposted</h1>' in page
    assert 'href="https://ombudsman.example/"' in page
    assert "Individual complaint, not a system-wide safety issue" in page
    assert "looks at one person&#x27;s care first" in page
    assert "Internal: complaints route." not in page  # the body's own note stays with the body
    assert "staff notes only" not in page  # as does what staff recorded from a call


def test_a_declined_concern_shows_the_reasons_the_body_chose_to_give(client, asked, intake, director):
    referral, code = asked
    services.record_information(referral, actor=intake, text="Ward 7.")
    services.assess_referral(
        referral, actor=intake, scores=dict.fromkeys(referral_criteria_keys(), "major"), rationale="National risk."
    )
    services.propose_case(referral, actor=intake)
    services.decline_referral(
        referral, actor=director, reason="Capacity: internal.", notice="A current investigation covers this issue."
    )
    open_page(client, referral, code)
    page = client.get(page_of(referral)).content.decode()
    assert "Not investigated" in page
    assert "A current investigation covers this issue." in page
    assert "Capacity: internal." not in page


def referral_criteria_keys():
    return TriageCriteria.current().dimension_keys


def test_a_concern_that_became_an_investigation_shows_its_published_start_statement(
    client, asked, intake, director, lead_investigator
):
    referral, code = asked
    services.record_information(referral, actor=intake, text="Ward 7.")
    services.assess_referral(
        referral, actor=intake, scores=dict.fromkeys(referral_criteria_keys(), "major"), rationale="National risk."
    )
    services.propose_case(referral, actor=intake)
    investigation = case_services.accept_referral(referral, actor=director, title="Night-time falls")
    open_page(client, referral, code)
    page = client.get(page_of(referral)).content.decode()
    assert "Became an investigation" in page
    assert 'data-testid="investigation"' not in page  # nothing more than the public knows, until it is launched
    scoped = case_services.start_scoping(investigation, actor=director, lead=lead_investigator)
    walk(scoped, director, lead_investigator, None, until=InvestigationState.EVIDENCE_GATHERING)
    page = client.get(page_of(referral)).content.decode()
    assert 'data-testid="investigation"' in page
    assert investigation.reference in page


def test_the_nudge_says_only_that_there_is_a_new_message(client, asked, intake):
    referral, code = asked
    open_page(client, referral, code)
    assert not Notification.objects.filter(outside_recipient__isnull=False).exists()  # not asked for yet
    client.post(reverse("public:concern_nudge", args=[referral.reference]), {"wanted": "on"})
    assert_audited(AuditAction.REFERRER_NUDGE_CHOSEN, target_ref=referral.reference)

    services.send_message(referral, actor=intake, text="Could you tell us the name of the ward manager?")
    [nudge] = Notification.objects.filter(outside_recipient__isnull=False)
    deliver(nudge.pk, 1)
    [message] = mail.outbox
    assert message.to == [ADDRESS]
    assert referral.reference in message.subject
    assert SIGN_IN in message.body
    for protected in ("ward manager", "Sam", "Westfield", "Monitoring"):
        assert protected not in "%s %s" % (message.subject, message.body)

    client.post(reverse("public:concern_nudge", args=[referral.reference]), {})
    services.send_message(referral, actor=intake, text="Thank you.")
    assert Notification.objects.filter(outside_recipient__isnull=False).count() == 1


def test_an_anonymous_referrer_checks_back_with_the_code(client, intake):
    referral, code = shared()
    open_page(client, referral, code)
    page = client.get(page_of(referral)).content.decode()
    assert "check back here with your reference and receipt code" in page
    response = client.post(reverse("public:concern_nudge", args=[referral.reference]), {"wanted": "on"})
    assert response["Location"] == page_of(referral)
    referral.refresh_from_db()
    assert referral.nudge_recipient is None
    assert_audited(AuditAction.ACTION_REFUSED, target_ref=referral.reference, outcome=Outcome.DENIED)


def test_a_withdrawn_concern_takes_no_more_replies(client, asked, intake):
    referral, code = asked
    services.withdraw_referral(referral, actor=intake, reason="Referrer asked.")
    open_page(client, referral, code)
    assert "Withdrawn" in client.get(page_of(referral)).content.decode()
    response = client.post(page_of(referral), {"text": "One more thing"})
    assert response.status_code == 400
    assert "withdrawn" in response.content.decode()
    assert "One more thing" in response.content.decode()


def test_the_session_ends_at_its_absolute_limit_and_on_sign_out(client, asked, settings):
    referral, code = asked
    open_page(client, referral, code)
    session = client.session
    session[OUTSIDE_SIGNED_IN_AT] = time.time() - settings.PORTAL_ABSOLUTE_MINUTES * 60 - 1
    session.save()
    assert client.get(page_of(referral))["Location"] == SIGN_IN
    open_page(client, referral, code)
    assert client.post(reverse("public:concern_sign_out"))["Location"] == SIGN_IN
    assert client.get(page_of(referral))["Location"] == SIGN_IN
    assert_audited(AuditAction.REFERRER_SIGNED_OUT, target_ref=referral.reference)


def test_the_nudge_can_be_asked_for_on_the_form_itself(client):
    response = client.post(
        "/share-a-concern/",
        {**valid_answers(reporter_email=ADDRESS, nudge="on"), "form_token": public_form_token(client)},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.nudge_recipient is not None
    without_address = client.post(
        "/share-a-concern/", {**valid_answers(nudge="on"), "form_token": public_form_token(client)}
    )
    assert "Give your email address above, or untick this box." in without_address.content.decode()
    assert Referral.objects.count() == 1
