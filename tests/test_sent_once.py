"""A staff form or an API create sent twice creates once: the second finds its one-time key used.

Browsers send the hidden `once` token every form that creates something carries; API clients send
an `Idempotency-Key`. A resend creates nothing and says so; of two sent at the same moment, exactly
one creates; a request that failed leaves its key free to be used again.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.choices import AuditAction, Outcome
from casework import services
from casework.models import CaseNote, Evidence
from kernel.models import SentOnce
from kernel.once import FORM_FIELD, new_token
from referrals.models import Referral
from tests.casework.test_case_access import signed_in
from tests.casework.test_evidence_vault import upload
from tests.factories import referral_details
from tests.helpers import assert_audited
from tests.operations.test_concurrency import run_together


def add_note(client, case, text, token):
    url = reverse("casework:action", args=[case.reference, "add_note"])
    return client.post(url, {"add_note-text": text, FORM_FIELD: token}, follow=True)


@pytest.mark.parametrize("page", ["recommendations", "tasks", "action"])
def test_every_create_form_on_the_investigation_pages_carries_a_fresh_token(
    case_investigation, lead_investigator, page
):
    client = signed_in(lead_investigator)
    services.create_task(case_investigation, actor=lead_investigator, title="Rota", assignee=lead_investigator)
    services.draft_recommendation(case_investigation, actor=lead_investigator, text="Staff two", addressee="Trust")
    args = [case_investigation.reference, *(["terms"] if page == "action" else [])]
    url = reverse("casework:%s" % page, args=args)
    first = client.get(url).content.decode()
    again = client.get(url).content.decode()
    issued = re.findall(r'name="%s" value="([^"]+)"' % FORM_FIELD, first)
    assert len(issued) == first.count('action="/investigations/%s/' % case_investigation.reference) >= 1
    assert not set(issued) & set(re.findall(r'name="%s" value="([^"]+)"' % FORM_FIELD, again))


def test_a_form_sent_again_creates_nothing_and_says_so(case_investigation, lead_investigator):
    client = signed_in(lead_investigator)
    token = new_token()
    add_note(client, case_investigation, "Rota checked.", token)
    again = add_note(client, case_investigation, "Rota checked.", token)
    assert [note.text for note in case_investigation.notes.all()] == ["Rota checked."]
    assert "already sent and done, so nothing was done again" in again.content.decode()
    assert_audited(AuditAction.ACTION_REFUSED, actor=lead_investigator, outcome=Outcome.DENIED)
    add_note(client, case_investigation, "Rota checked.", new_token())  # a new form is a new note
    assert case_investigation.notes.count() == 2


@pytest.mark.parametrize("token", ["short", "x" * 65, "has spaces in it here", "\x00" * 20, "\u202e" * 20])
def test_a_token_not_of_our_making_is_ignored_and_the_form_still_works(case_investigation, lead_investigator, token):
    client = signed_in(lead_investigator)
    for _ in range(2):
        assert add_note(client, case_investigation, "Rota checked.", token).status_code == 200
    assert case_investigation.notes.count() == 2  # no guard without a valid token, and no error either


def test_a_refused_form_leaves_its_token_free_for_the_corrected_one(case_investigation, lead_investigator):
    client = signed_in(lead_investigator)
    token = new_token()
    add_note(client, case_investigation, "", token)  # refused: the note is empty
    add_note(client, case_investigation, "Corrected.", token)
    assert [note.text for note in case_investigation.notes.all()] == ["Corrected."]


def test_an_upload_sent_again_keeps_one_file(case_investigation, lead_investigator, evidence_storage):
    client = signed_in(lead_investigator)
    token = new_token()
    for _ in range(2):
        upload(client, case_investigation, b"%PDF-1.7 rota", **{FORM_FIELD: token})
    assert Evidence.objects.filter(investigation=case_investigation).count() == 1
    assert len([path for path in Path(evidence_storage).rglob("*") if path.is_file()]) == 1


def test_a_concern_recorded_twice_by_intake_is_one_referral(intake):
    client = signed_in(intake)
    form = {**{k: v for k, v in referral_details().items() if v is not None}, "channel": "phone", FORM_FIELD: "x" * 20}
    for _ in range(2):
        client.post(reverse("referrals:new"), form)
    assert Referral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_once_make_one_note(migrated_data, case_investigation, lead_investigator):
    token = new_token()
    url = reverse("casework:action", args=[case_investigation.reference, "add_note"])
    clients = [signed_in(lead_investigator) for _ in range(2)]
    statuses = run_together(
        *[
            lambda client=client: client.post(url, {"add_note-text": "Once.", FORM_FIELD: token}).status_code
            for client in clients
        ]
    )
    assert statuses == [302, 302]
    assert [note.text for note in CaseNote.objects.filter(investigation=case_investigation)] == ["Once."]


def test_a_conflict_declaration_sent_twice_is_recorded_once(lead_investigator):
    client = signed_in(lead_investigator)
    form = {"organisation_name": "Riverside Trust", "nature": "Spouse works there", "starts_on": "2024-01-01"}
    token = new_token()
    for _ in range(2):
        client.post(reverse("accounts:declarations"), {**form, FORM_FIELD: token})
    assert lead_investigator.conflict_declarations.count() == 1


def test_old_claims_are_pruned_and_recent_ones_kept(db):
    SentOnce.objects.create(key_hash="a" * 64, claimed_at=timezone.now() - timedelta(hours=25))
    SentOnce.objects.create(key_hash="b" * 64)
    call_command("prune_sent_once")
    assert list(SentOnce.objects.values_list("key_hash", flat=True)) == ["b" * 64]
