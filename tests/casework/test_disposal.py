"""Disposal end to end: closure, retention ended, asked for by one director, approved by another
person, evidence crypto-shredded, the working record gone, and a certificate kept."""

import os
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from audit.choices import AuditAction
from casework import services
from casework.choices import DisposalState
from casework.choices import InvestigationState as S
from casework.models import CaseNote, Disposal, Evidence, Investigation, Task
from casework.services.disposal import approve_disposal, request_disposal
from casework.services.work import add_note, create_task
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
