"""Disposal end to end: closure, retention ended, asked for by one director, approved by another
person, evidence crypto-shredded, the working record gone, and a certificate kept."""

import os
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command

from audit.choices import AuditAction
from casework import services
from casework.choices import DisposalState
from casework.choices import InvestigationState as S
from casework.models import CaseNote, Disposal, Evidence, Investigation, Task
from casework.services.disposal import approve_disposal, request_disposal
from casework.services.work import add_note, create_task
from kernel.dates import add_years
from kernel.errors import WorkflowError
from tests.casework.test_evidence_vault import blob_path
from tests.helpers import assert_audited
from tests.operations.test_concurrency import run_together
from vault.integrity import verify

pytestmark = pytest.mark.django_db


def archived_and_due(investigation, director) -> Investigation:
    services.discontinue(investigation, actor=director, reasons="The trust's own review covers it.")
    services.transition(investigation, "archive", actor=director)
    Investigation.objects.filter(pk=investigation.pk).update(retention_until=date.today() - timedelta(days=1))
    return Investigation.objects.get(pk=investigation.pk)


def test_from_closure_to_certificate(
    case_investigation,
    evidence,
    evidence_storage,
    director,
    chief,
    lead_investigator,
    django_capture_on_commit_callbacks,
    capsys,
):
    add_note(case_investigation, "Interview arranged with the ward sister", actor=lead_investigator)
    create_task(case_investigation, actor=lead_investigator, title="Chase the rota", assignee=lead_investigator)
    case = archived_and_due(case_investigation, director)
    disposal = request_disposal(case, actor=director)
    assert_audited(AuditAction.DISPOSAL_REQUESTED, actor=director, target_ref=case.reference)
    with pytest.raises(WorkflowError, match="two-person rule"):
        approve_disposal(disposal, actor=director)
    with django_capture_on_commit_callbacks(execute=True):
        approve_disposal(disposal, actor=chief)

    disposal.refresh_from_db()
    assert disposal.state == DisposalState.CARRIED_OUT
    assert Investigation.objects.get(pk=case.pk).state == S.DISPOSED
    shredded = Evidence.objects.get(pk=evidence.pk)
    assert shredded.wrapped_key is None
    assert shredded.is_disposed
    assert shredded.title == ""
    assert not os.path.exists(blob_path(evidence_storage, evidence))
    assert not CaseNote.objects.filter(investigation=case).exists()
    assert not CaseNote.history.filter(investigation=case).exists()
    assert not Task.objects.filter(investigation=case).exists()
    certificate = disposal.certificate
    assert certificate["case"] == case.reference
    assert certificate["approved_by"] == chief.username
    assert certificate["requested_by"] == director.username
    assert certificate["evidence"] == [
        {"id": str(evidence.public_id), "sha256": evidence.sha256, "size": evidence.size}
    ]
    assert certificate["removed"]["notes"] == 1
    assert_audited(AuditAction.DISPOSAL_CARRIED_OUT, actor=chief, target_ref=case.reference)
    # The evidence can no longer be read, and the store's check says disposed, not damaged.
    assert "disposed of" in (verify(shredded) or "")  # no key and no blob: nothing to decrypt
    call_command("verify_evidence")
    assert "All 0 evidence files verified; 1 disposed of" in capsys.readouterr().out


def test_a_legal_hold_placed_after_the_request_stops_the_approval(case_investigation, evidence, director, chief):
    case = archived_and_due(case_investigation, director)
    disposal = request_disposal(case, actor=director)
    services.set_case_legal_hold(case, actor=director, hold=True, reason="Claim notified")
    with pytest.raises(WorkflowError, match="legal hold"):
        approve_disposal(disposal, actor=chief)
    assert Evidence.objects.get(pk=evidence.pk).wrapped_key is not None
    assert Disposal.objects.get(pk=disposal.pk).state == DisposalState.REQUESTED


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_carry_it_out_exactly_once(migrated_data):
    from accounts.roles import Role
    from tests.factories import make_user

    director = make_user("director", Role.DIRECTOR)
    second = make_user("director2", Role.DIRECTOR)
    chief = make_user("chief", Role.CHIEF_INVESTIGATOR)
    lead = make_user("lead", Role.INVESTIGATOR)
    case = services.start_scoping(
        Investigation.objects.create(reference="INV-2026-0990", title="Race"), actor=director, lead=lead
    )
    disposal = request_disposal(archived_and_due(case, director), actor=director)
    results = run_together(
        lambda: approve_disposal(disposal, actor=second), lambda: approve_disposal(disposal, actor=chief)
    )
    carried = [result for result in results if isinstance(result, Disposal)]
    refused = [result for result in results if isinstance(result, WorkflowError)]
    assert len(carried) == 1
    assert len(refused) == 1
    assert "already been carried out" in str(refused[0])
    assert Investigation.objects.get(pk=case.pk).state == S.DISPOSED


def test_the_queue_shows_what_is_due_what_waits_and_what_a_hold_keeps(case_investigation, director):
    from django.urls import reverse

    from tests.factories import StaffClient

    page = StaffClient()
    page.force_login(director)
    url = reverse("casework:disposals")
    case = archived_and_due(case_investigation, director)

    def section(name: str) -> str:
        html = page.get(url).content.decode()
        marker = 'data-testid="disposals-%s"' % name
        return html.split(marker)[1].split("</ul>")[0] if marker in html else ""

    assert case.reference in section("due")
    request_disposal(case, actor=director)
    assert case.reference in section("waiting")
    assert case.reference not in section("due")
    services.set_case_legal_hold(case, actor=director, hold=True, reason="Inquest opened")
    assert case.reference in section("held")
    assert_audited(AuditAction.DISPOSAL_QUEUE_VIEWED, actor=director)


def test_the_steps_on_the_case_page_ask_for_a_fresh_code_and_keep_two_people(
    case_investigation, evidence, director, chief, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.casework.test_case_access import signed_in
    from tests.factories import current_code

    case = archived_and_due(case_investigation, director)
    ask = reverse("casework:action", args=[case.reference, "request_disposal"])
    approve = reverse("casework:action", args=[case.reference, "approve_disposal"])
    as_director = signed_in(director, stale=True)
    assert as_director.post(ask).status_code == 200  # asks for a fresh code first; nothing done
    assert not Disposal.objects.exists()
    assert as_director.post(ask, {"step_up_code": current_code(director)}).status_code == 302
    assert Disposal.objects.get().requested_by == director
    # The requester is not offered the approval, and is refused it if they post it anyway.
    assert "approve_disposal" not in as_director.get(case.get_absolute_url()).content.decode()
    as_director.post(approve, {"step_up_code": current_code(director)})
    assert Disposal.objects.get().state == DisposalState.REQUESTED
    as_chief = signed_in(chief, stale=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_chief.post(approve, {"step_up_code": current_code(chief)}).status_code == 302
    assert Disposal.objects.get().state == DisposalState.CARRIED_OUT
    assert Evidence.objects.get(pk=evidence.pk).wrapped_key is None


# Concerns that never became investigations: their own retention, the same two-person disposal.


def ended_and_due(intake, director, **details):
    """A concern logged for intelligence whose retention has ended; returns it and its receipt code."""
    from referrals import services as referral_services
    from referrals.services import receive_referral
    from tests.factories import referral_details

    referral, receipt_code = receive_referral(referral_details(**details))
    referral_services.start_triage(referral, actor=intake)
    logged = referral_services.log_for_intelligence(referral, actor=intake, reason="Logged with the trust's theme")
    assert logged.retention_until == add_years(date.today(), settings.REFERRAL_RETENTION_YEARS)
    type(referral).objects.filter(pk=referral.pk).update(retention_until=date.today() - timedelta(days=1))
    return type(referral).objects.get(pk=referral.pk), receipt_code


def test_a_concern_is_erased_and_its_files_shredded_with_a_certificate(
    intake, director, chief, evidence_storage, django_capture_on_commit_callbacks, capsys
):
    import uuid

    from referrals.models import Attachment, Referral, ReferralMessage
    from referrals.services import attach_file, find_referral_by_receipt, record_information, reopen_referral
    from vault import blobs
    from vault.upload import EncryptedUpload, ReceivedFile

    words = "Night staff on Beech ward missed observations for Mrs Quill"
    referral, receipt_code = ended_and_due(intake, director, description=words, patient_details="Mrs Quill, 84")
    record_information(referral, actor=intake, text="Her daughter complained twice")
    file_id = uuid.uuid4()
    blob = blobs.store_stream(file_id, [b"the daughter's letter"])
    attachment = attach_file(referral, ReceivedFile(EncryptedUpload(blob, "quill.txt", file_id)), title="Letter")

    disposal = request_disposal(referral, actor=director)
    assert_audited(AuditAction.REFERRAL_DISPOSAL_REQUESTED, actor=director, target_ref=referral.reference)
    with pytest.raises(WorkflowError, match="two-person rule"):
        approve_disposal(disposal, actor=director)
    with django_capture_on_commit_callbacks(execute=True):
        approve_disposal(disposal, actor=chief)

    erased = Referral.objects.get(pk=referral.pk)
    assert erased.disposed_at is not None
    assert (erased.description, erased.reporter_name, erased.reporter_email, erased.patient_details) == ("",) * 4
    assert erased.organisation_name == "Northshire Hospitals NHS Trust"  # kept for finding patterns
    assert not Referral.history.filter(id=referral.pk, description__contains="Beech").exists()
    assert all(row.patient_details == "" for row in Referral.history.filter(id=referral.pk))
    assert not ReferralMessage.objects.filter(referral=referral).exists()
    shredded = Attachment.objects.get(pk=attachment.pk)
    assert (shredded.wrapped_key, shredded.title, shredded.display_name) == (None, "", "")
    assert not os.path.exists(blob_path(evidence_storage, shredded))
    certificate = Disposal.objects.get(pk=disposal.pk).certificate
    assert certificate["case"] == referral.reference
    assert certificate["files"] == [{"id": str(attachment.public_id), "sha256": attachment.sha256, "size": 21}]
    assert certificate["removed"] == {"messages": 1}
    assert_audited(AuditAction.REFERRAL_DISPOSED, actor=chief, target_ref=referral.reference)
    # The receipt code no longer opens it, and nothing more can be recorded on it.
    assert find_referral_by_receipt(referral.reference, receipt_code) is None
    with pytest.raises(WorkflowError, match="disposed of"):
        record_information(erased, actor=intake, text="More")
    with pytest.raises(WorkflowError, match="disposed of"):
        reopen_referral(erased, actor=director, reason="Second thoughts")
    call_command("verify_evidence")
    assert "1 disposed of" in capsys.readouterr().out


@pytest.mark.parametrize("why", ["open", "retention", "hold", "file_hold"])
def test_a_concern_is_not_disposed_of_early_or_under_a_hold(intake, director, attachment, case_referral, why):
    from referrals import services as referral_services
    from referrals.models import Referral

    expected = {
        "open": "ended without an investigation",
        "retention": "retention period",
        "hold": "legal hold",
        "file_hold": "under a legal hold",
    }[why]
    if why == "open":
        referral = case_referral
    else:
        referral, _ = ended_and_due(intake, director)
        if why == "retention":
            Referral.objects.filter(pk=referral.pk).update(retention_until=date.today() + timedelta(days=1))
        elif why == "hold":
            referral_services.set_legal_hold(referral, actor=director, hold=True, reason="Claim notified")
        else:
            type(attachment).objects.filter(pk=attachment.pk).update(referral=referral, legal_hold=True)
    with pytest.raises(WorkflowError, match=expected):
        request_disposal(Referral.objects.get(pk=referral.pk), actor=director)
    assert not Disposal.objects.exists()


def test_the_concern_steps_ask_for_a_fresh_code_and_are_not_offered_through_the_api(
    intake, director, chief, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.casework.test_case_access import signed_in
    from tests.factories import StaffClient, current_code

    referral, _ = ended_and_due(intake, director)
    queue = StaffClient()
    queue.force_login(director)
    due = queue.get(reverse("casework:disposals")).content.decode().split('data-testid="disposals-due-concerns"')[1]
    assert referral.reference in due.split("</ul>")[0]

    ask = reverse("referrals:action", args=[referral.reference, "request_disposal"])
    approve = reverse("referrals:action", args=[referral.reference, "approve_disposal"])
    as_director = signed_in(director, stale=True)
    assert as_director.post(ask).status_code == 200  # asks for a fresh code first; nothing done
    assert not Disposal.objects.exists()
    assert as_director.post(ask, {"step_up_code": current_code(director)}).status_code == 302
    assert Disposal.objects.get().referral == referral
    assert "approve_disposal" not in as_director.get(referral.get_absolute_url()).content.decode()

    as_chief = signed_in(chief, stale=True)
    api = as_chief.post(
        reverse("api:referral_transition", args=[referral.reference]),
        {"action": "approve_disposal"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert "second-factor code" in api.json()["detail"]
    assert "approve_disposal" in as_chief.get(referral.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert as_chief.post(approve, {"step_up_code": current_code(chief)}).status_code == 302
    assert Disposal.objects.get().state == DisposalState.CARRIED_OUT
    assert 'data-testid="disposed"' in as_chief.get(referral.get_absolute_url()).content.decode()
