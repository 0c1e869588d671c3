"""Break-glass, step-up for sensitive actions, and separation of duties around case access."""

import time
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import SESSION_VERIFIED_AT
from accounts.roles import Role
from audit.choices import AuditAction
from audit.models import AuditEvent
from casework import services
from casework.models import BreakGlassAccess, Direction, Investigation
from casework.services import evidence as evidence_services
from kernel.errors import WorkflowError
from tests.factories import StaffClient, current_code, make_user
from tests.helpers import assert_audited
from vault import blobs

REASON = "Serious incident reported overnight that may relate to this case."


@pytest.fixture
def case(director, lead_investigator):
    investigation = Investigation.objects.create(reference="INV-2026-0611", title="Night-time falls")
    services.start_scoping(investigation, actor=director, lead=lead_investigator)
    services.add_note(investigation, "Staffing rota shows two gaps.", actor=lead_investigator)
    return investigation


@pytest.fixture
def evidence(case, lead_investigator, evidence_storage):
    evidence_id = uuid.uuid4()
    blob = blobs.store_stream(evidence_id, [b"ward rota"])
    return evidence_services.add_evidence(
        blob, evidence_id, actor=lead_investigator, title="Rota", filename="rota.txt", investigation=case
    )


@pytest.fixture
def off_team_director(db):
    return make_user("director_off_team", Role.DIRECTOR)


def signed_in(user, *, stale: bool = False) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    if stale:
        session = client.session
        session[SESSION_VERIFIED_AT] = time.time() - 3600
        session.save()
    return client


def open_record(client, case, reason=REASON, **extra):
    return client.post(reverse("casework:break_glass", args=[case.reference]), {"break_glass-reason": reason, **extra})


def test_director_off_the_team_sees_the_summary_only_until_break_glass(case, off_team_director):
    client = signed_in(off_team_director)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Staffing rota shows two gaps" not in page
    assert 'data-testid="break-glass"' in page

    journal = reverse("casework:journal", args=[case.reference])
    assert client.get(journal).status_code == 403

    response = open_record(client, case)

    assert response.status_code == 302
    page = client.get(journal).content.decode()
    assert "Staffing rota shows two gaps" in page
    assert 'data-testid="break-glass-banner"' in page
    access = BreakGlassAccess.objects.get()
    assert access.reason == REASON
    assert timedelta(minutes=59) < access.expires_at - access.opened_at <= timedelta(minutes=60)
    opened = assert_audited(AuditAction.BREAK_GLASS_OPENED, actor=off_team_director, target_ref=case.reference)
    assert opened.detail["reason"] == REASON
    read = assert_audited(AuditAction.INVESTIGATION_CONTENT_VIEWED, actor=off_team_director)
    assert read.detail == {"part": "journal", "break_glass": access.pk}


def test_evidence_titles_are_case_content_hidden_from_a_director_off_the_team(
    case, lead_investigator, off_team_director, evidence_storage
):
    evidence_id = uuid.uuid4()
    blob = blobs.store_stream(evidence_id, [b"statement"])
    title = "Statement of nurse Q. Marlowe"
    evidence_services.add_evidence(
        blob, evidence_id, actor=lead_investigator, title=title, filename="s.txt", investigation=case
    )
    client = signed_in(off_team_director)
    register = reverse("casework:evidence", args=[case.reference])
    assert "Marlowe" not in client.get(case.get_absolute_url()).content.decode()
    assert client.get(register).status_code == 403
    hold = reverse("casework:action", args=[case.reference, "legal_hold"])
    assert client.post(hold, {"legal_hold-reason": "Litigation notice received"}).status_code == 403
    assert client.get(hold).status_code == 403

    open_record(client, case)
    assert "Marlowe" in client.get(register).content.decode()
    assert "Marlowe" in client.get(hold).content.decode()


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_break_glass_without_a_real_reason_opens_nothing(case, off_team_director, reason):
    client = signed_in(off_team_director)
    response = open_record(client, case, reason)
    assert response.status_code == 302
    assert not BreakGlassAccess.objects.exists()
    assert client.get(reverse("casework:journal", args=[case.reference])).status_code == 403
    assert_audited(AuditAction.ACTION_REFUSED, actor=off_team_director, target_ref=case.reference)


def test_evidence_download_under_break_glass_is_flagged(case, evidence, off_team_director):
    client = signed_in(off_team_director)
    url = reverse("casework:evidence_download", args=[case.reference, evidence.public_id])
    assert client.get(url).status_code == 403
    open_record(client, case)
    response = client.get(url)
    assert response.status_code == 200
    assert response.getvalue() == b"ward rota"
    downloaded = assert_audited(AuditAction.EVIDENCE_DOWNLOADED, actor=off_team_director)
    assert downloaded.detail["break_glass"] == BreakGlassAccess.objects.get().pk


def test_break_glass_ends_when_it_expires(case, off_team_director):
    client = signed_in(off_team_director)
    open_record(client, case)
    past = timezone.now() - timedelta(hours=2)
    BreakGlassAccess.objects.update(opened_at=past, expires_at=past + timedelta(minutes=60))
    assert "Staffing rota" not in client.get(case.get_absolute_url()).content.decode()


def test_break_glass_reads_but_never_writes(case, off_team_director):
    client = signed_in(off_team_director)
    open_record(client, case)
    response = client.post(reverse("casework:action", args=[case.reference, "add_note"]), {"add_note-text": "x"})
    assert response.status_code == 403
    assert case.notes.count() == 1


def test_only_directors_and_the_chief_may_break_glass(case, lead_investigator, other_investigator, intake, auditor):
    assert open_record(signed_in(lead_investigator), case).status_code == 403
    for outsider in (other_investigator, intake, auditor):
        assert open_record(signed_in(outsider), case).status_code == 404
    assert not BreakGlassAccess.objects.exists()


def test_a_director_on_the_team_is_told_they_need_no_break_glass(case, director, off_team_director, chief):
    services.add_team_member(case, off_team_director, "analyst", actor=director)
    with pytest.raises(WorkflowError, match="already read"):
        services.break_glass(case, actor=off_team_director, reason=REASON)


def test_second_opening_while_one_is_active_is_explained(case, off_team_director):
    services.break_glass(case, actor=off_team_director, reason=REASON)
    with pytest.raises(WorkflowError, match="already have this case open"):
        services.break_glass(case, actor=off_team_director, reason=REASON)
    assert BreakGlassAccess.objects.count() == 1


def test_auditors_review_list_shows_each_opening_with_its_flagged_reads(case, off_team_director, auditor):
    client = signed_in(off_team_director)
    open_record(client, case)
    client.get(case.get_absolute_url())  # the summary: not a read of the content
    client.get(reverse("casework:journal", args=[case.reference]))
    client.get(reverse("casework:evidence", args=[case.reference]))
    review = signed_in(auditor).get(reverse("audit:break_glass"))
    assert review.status_code == 200
    (row,) = review.context["rows"]
    assert row["event"].target_ref == case.reference
    assert row["reads"] == 2  # two parts of the record opened, each one flagged read of the content
    assert REASON in review.content.decode()
    assert "Staffing rota" not in review.content.decode()  # the auditor sees metadata, not content


def test_break_glass_with_a_stale_second_factor_asks_for_a_code_and_keeps_the_reason(case, off_team_director):
    client = signed_in(off_team_director, stale=True)
    asked = open_record(client, case)
    assert asked.status_code == 200
    assert REASON in asked.content.decode()  # carried in the re-posted form
    assert not BreakGlassAccess.objects.exists()

    wrong = open_record(client, case, step_up_code="000000")
    assert wrong.status_code == 400
    assert not BreakGlassAccess.objects.exists()

    done = open_record(client, case, step_up_code=current_code(off_team_director))
    assert done.status_code == 302
    assert BreakGlassAccess.objects.get().reason == REASON


def test_approving_a_direction_asks_for_a_fresh_code(director, chief):
    direction = services.register_direction(
        actor=director, title="Maternity", issued_on=timezone.localdate(), scope="Scope"
    )
    client = signed_in(chief, stale=True)
    url = reverse("casework:direction_action", args=[direction.public_id, "approve"])
    assert client.post(url).status_code == 200
    assert Direction.objects.get(pk=direction.pk).approved_by is None
    assert client.post(url, {"step_up_code": current_code(chief)}).status_code == 302
    assert Direction.objects.get(pk=direction.pk).approved_by == chief


def test_fresh_code_is_not_asked_again_within_the_window(director, chief):
    direction = services.register_direction(
        actor=director, title="Maternity", issued_on=timezone.localdate(), scope="Scope"
    )
    response = signed_in(chief).post(reverse("casework:direction_action", args=[direction.public_id, "approve"]))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.MFA_STEP_UP_ASKED).exists()


def test_nobody_puts_themselves_on_a_team(case, director):
    with pytest.raises(WorkflowError, match="cannot put yourself"):
        services.add_team_member(case, director, "analyst", actor=director)
    assert not case.team.filter(user=director).exists()


def test_approvers_are_never_the_requesters(director):
    direction = services.register_direction(actor=director, title="Own", issued_on=timezone.localdate(), scope="S")
    with pytest.raises(WorkflowError):
        services.approve_direction(direction, actor=director)


@pytest.mark.parametrize("persona", ["auditor", "admin_user"])
def test_auditors_and_administrators_cannot_read_case_content(request, case, evidence, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(case.get_absolute_url()).status_code == 404
    download = reverse("casework:evidence_download", args=[case.reference, evidence.public_id])
    assert client.get(download).status_code == 404
    assert open_record(client, case).status_code == 404
    assert client.get(reverse("referrals:list")).status_code == 403


def test_member_removed_while_the_page_is_open_submits_nothing(case, director, lead_investigator, other_investigator):
    services.add_team_member(case, other_investigator, "analyst", actor=director)
    member = signed_in(other_investigator)
    assert member.get(case.get_absolute_url()).status_code == 200  # the page is open in their browser

    services.remove_team_member(case, other_investigator, actor=director, reason="moved to another case")
    response = member.post(
        reverse("casework:action", args=[case.reference, "add_note"]), {"add_note-text": "Typed before removal"}
    )

    assert response.status_code == 404
    assert "Typed before removal" not in [note.text for note in case.notes.all()]
    assert_audited(AuditAction.ACCESS_DENIED, actor=other_investigator, target_ref=case.reference)
