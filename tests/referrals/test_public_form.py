"""The public concern form: no log-in, every bad input answered clearly, nothing lost (the referrer's
own page is tests/referrals/test_referrer_page.py)."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from audit.choices import AuditAction, Outcome
from referrals import services
from referrals.choices import ReferralState
from referrals.models import Referral
from tests.helpers import assert_audited

FORM_URL = "/share-a-concern/"


def valid_answers(**overrides) -> dict:
    answers = {
        "reporter_type": "family_or_carer",
        "reporter_name": "",
        "reporter_email": "",
        "reporter_phone": "",
        "concern_kind": "happened",
        "organisation_name": "Westfield University Hospitals",
        "care_setting": "maternity",
        "region": "midlands",
        "occurred_on": "2026-03-14",
        "description": "Monitoring of my partner's labour was not escalated when the trace changed.",
        "patient_details": "",
        "harm_level": "severe",
        "frequency": "once",
        "website": "",
    }
    answers.update(overrides)
    return answers


def found(pattern: str, html: str) -> str:
    match = re.search(pattern, html)
    assert match is not None, pattern
    return match.group(1)


def form_token(client) -> str:
    return found(r'name="form_token" value="([^"]+)"', client.get(FORM_URL).content.decode())


def submit(client, **overrides):
    return client.post(FORM_URL, {**valid_answers(**overrides), "form_token": form_token(client)})


def test_form_is_public_and_warns_against_patient_identifiers(client, db):
    response = client.get(FORM_URL)
    assert response.status_code == 200
    assert "Do not include patients" in response.content.decode()


def test_anonymous_concern_is_saved_and_the_receipt_is_shown_once(client, db):
    response = submit(client)
    assert response.status_code == 302
    assert response.url == reverse("public:concern_sent")
    page = client.get(response.url).content.decode()
    reference = found(r'data-testid="reference">([^<]+)<', page)
    code = found(r'data-testid="receipt-code">([^<]+)<', page)
    referral = Referral.objects.get(reference=reference)
    assert re.fullmatch(r"REF-\d{4}-\d{6}", reference)
    assert referral.is_anonymous
    assert referral.state == ReferralState.RECEIVED
    assert referral.channel == "web_form"
    assert code not in referral.receipt_code_hash
    assert referral.receipt_code_hash == services.hash_receipt_code(code)
    assert_audited(AuditAction.REFERRAL_RECEIVED, target_ref=reference)
    # Shown once: the page does not show it again.
    assert client.get(reverse("public:concern_sent")).status_code == 302


def test_the_form_says_how_personal_details_are_used_before_asking_for_them(client, db):
    page = client.get(FORM_URL).content.decode()
    notice = page.index('data-testid="privacy-summary"')
    assert notice < page.index('name="reporter_name"')
    assert reverse("public_reports:privacy") in page[notice : page.index('name="reporter_name"')]


def test_the_confirmation_says_what_happens_next_and_whether_an_email_was_sent(client, db):
    anonymous = client.get(submit(client).url).content.decode()

    assert 'data-testid="what-next"' in anonymous
    assert 'data-testid="emailed"' not in anonymous


def test_acknowledgement_email_when_an_address_is_given(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, reporter_email="carer@example.org", reporter_name="Jo Carer")
    assert 'data-testid="emailed"' in client.get(response.url).content.decode()
    assert len(mail.outbox) == 1
    referral = Referral.objects.get()
    assert referral.reference in mail.outbox[0].subject
    assert mail.outbox[0].to == ["carer@example.org"]


@override_settings(MAILERS={"default": {"BACKEND": "tests.failing_mail.FailingEmailBackend"}})
def test_concern_is_kept_when_the_acknowledgement_email_fails(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, reporter_email="carer@example.org")
    assert response.status_code == 302
    assert Referral.objects.filter(reporter_type="family_or_carer").count() == 1


def test_events_before_the_remit_or_outside_england_are_accepted_but_flagged(client, db):
    submit(client, occurred_on="2016-05-01", region="outside_england")
    referral = Referral.objects.get()
    assert referral.before_remit_start
    assert referral.outside_england


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"occurred_on": (date.today() + timedelta(days=2)).isoformat()}, "cannot be in the future"),
        ({"occurred_on": "1899-12-31"}, "after 1 January 1900"),
        ({"occurred_on": "31/02/2026"}, "Enter a real date, for example 27 3 2026"),
        ({"description": "x" * 10_001}, "at most 10000 characters"),
        ({"description": "   "}, "Answer the question: What happened"),
        ({"organisation_name": "x" * 201}, "at most 200 characters"),
        ({"reporter_name": "x" * 201}, "at most 200 characters"),
        ({"reporter_phone": "0" * 31}, "at most 30 characters"),
        ({"patient_details": "x" * 2001}, "at most 2000 characters"),
        ({"reporter_email": "not-an-email"}, "Enter a valid email address"),
        ({"harm_level": "catastrophic"}, "Select a valid choice"),
        ({"region": ""}, "Answer the question: Where in England was the care?"),
        ({"website": "http://spam.example"}, "Leave the last field blank"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_the_answers_kept(client, db, overrides, message):
    response = submit(client, **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert not Referral.objects.exists()
    # Nothing typed is lost: the other answers come back filled in.
    assert "Westfield University Hospitals" in html or "organisation_name" in overrides
    assert "was not escalated when the trace changed" in html or "description" in overrides


def test_replayed_form_creates_one_concern_and_says_so(client, db):
    token = form_token(client)
    first = client.post(FORM_URL, {**valid_answers(), "form_token": token})
    second = client.post(FORM_URL, {**valid_answers(), "form_token": token})
    assert first.status_code == 302
    assert second.status_code == 409
    reference = Referral.objects.get().reference
    assert "already been sent" in second.content.decode()
    assert reference in second.content.decode()


def test_form_without_a_token_from_this_session_is_not_saved(client, db):
    response = client.post(FORM_URL, {**valid_answers(), "form_token": "forged"})
    assert response.status_code == 200
    assert "This form has expired" in response.content.decode()
    assert not Referral.objects.exists()


def test_form_without_csrf_token_is_refused(db):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(FORM_URL, valid_answers())
    assert response.status_code == 403
    assert not Referral.objects.exists()


@override_settings(PUBLIC_FORM_SUBMISSIONS_PER_HOUR=2)
def test_submissions_are_rate_limited_per_address(client, db):
    assert submit(client).status_code == 302
    assert submit(client).status_code == 302
    refused = submit(client)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert Referral.objects.count() == 2
    assert_audited(AuditAction.REFERRAL_RATE_LIMITED, outcome=Outcome.DENIED)
    # Another address is unaffected.
    other = Client(REMOTE_ADDR="192.0.2.77")
    assert submit(other).status_code == 302


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    "field", ["organisation_name", "description", "reporter_name", "reporter_phone", "patient_details"]
)
def test_html_and_script_in_any_text_field_is_kept_and_escaped_on_output(client, intake, field):
    value = HOSTILE[:30] if field == "reporter_phone" else HOSTILE
    assert submit(client, **{field: value}).status_code == 302
    referral = Referral.objects.get()
    assert getattr(referral, field) == value
    client.force_login(intake)
    html = client.get(referral.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html


# Follow-up with reference and receipt code.


def test_receipt_code_is_never_stored_in_plain_text(db):
    referral, code = services.receive_referral(
        {k: v for k, v in valid_answers().items() if k not in ("website", "occurred_on")}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM referrals_referral WHERE id = %s", [referral.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert code not in row
    assert code.replace("-", "") not in row


def test_no_radio_question_offers_or_preselects_a_blank_answer(client, db):
    html = client.get(reverse("public:share_concern")).content.decode()
    assert "---------" not in html
    assert 'type="radio" value=""' not in html
    assert "checked" not in html
