"""Concurrent work on one investigation: two uploads at once, and the team changing under a member.

Each case runs real threads on their own database connections against committed data: exactly one
outcome for each change, a clear refusal for the loser, and an unbroken audit chain in commit order.
"""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from audit.chain import verify_stored_chain
from audit.choices import AuditAction
from audit.models import AuditEvent
from casework import services
from casework.models import CaseNote, Evidence
from tests.factories import StaffClient, make_user
from vault import blobs


def run_together(*actions, timeout: float = 60) -> list:
    """Start every action at the same moment on its own thread; their results (or exceptions)."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as error:  # the loser's refusal is the result under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def wait_for_a_blocked_transaction(timeout: float = 10) -> None:
    """Until another session waits on a lock (or `timeout` passes): the interleaving under test is then certain."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)


def upload(user, investigation, name: str, content: bytes):
    client = StaffClient()
    client.force_login(user)
    return client.post(
        "/investigations/%s/evidence/new/" % investigation.reference,
        {
            "title": name,
            "evidence_type": "document",
            "received_on": timezone.localdate().isoformat(),
            "file": SimpleUploadedFile(name, content),
        },
    )


@pytest.fixture
def team_case(migrated_data, case_investigation, director, lead_investigator, evidence_storage):
    second = make_user("second_investigator", Role.INVESTIGATOR)
    services.add_team_member(case_investigation, second, "investigator", actor=director)
    return case_investigation, second


@pytest.mark.django_db(transaction=True)
def test_two_uploads_to_one_investigation_at_once_both_kept_whole(team_case, lead_investigator, evidence_storage):
    investigation, second = team_case
    files = {"rota.txt": b"rota " * 200_000, "minutes.txt": b"minutes " * 150_000}
    results = run_together(
        lambda: upload(lead_investigator, investigation, "rota.txt", files["rota.txt"]),
        lambda: upload(second, investigation, "minutes.txt", files["minutes.txt"]),
    )
    assert [response.status_code for response in results] == [302, 302]
    stored = {e.display_name: e for e in Evidence.objects.filter(investigation=investigation)}
    assert set(stored) == set(files)
    for name, content in files.items():
        assert b"".join(blobs.read_plaintext(stored[name])) == content
    assert AuditEvent.objects.filter(action=AuditAction.EVIDENCE_RECEIVED).count() == 2
    assert len([p for p in evidence_storage.iterdir() if p.name.endswith(".blob")]) == 2
    assert verify_stored_chain().intact


@pytest.mark.django_db(transaction=True)
def test_a_member_removed_mid_upload_keeps_nothing(team_case, director, evidence_storage, monkeypatch):
    """The upload's permission was checked as it began; the removal lands before it finishes."""
    investigation, second = team_case
    close = blobs.BlobWriter.close

    def close_after_the_removal(writer):
        removal = run_together(lambda: services.remove_team_member(investigation, second, actor=director))
        assert removal == [None]
        return close(writer)

    monkeypatch.setattr(blobs.BlobWriter, "close", close_after_the_removal)
    response = upload(second, investigation, "late.txt", b"written while being removed")

    assert response.status_code == 403
    assert not Evidence.objects.exists()
    assert not [p for p in evidence_storage.iterdir() if p.is_file()]
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED, actor=second)
    assert denied.id > AuditEvent.objects.get(action=AuditAction.TEAM_MEMBER_REMOVED).id
    assert verify_stored_chain().intact


@pytest.mark.django_db(transaction=True)
def test_a_removal_waits_for_a_note_being_added_and_the_trail_shows_that_order(team_case, director, monkeypatch):
    investigation, second = team_case
    note_locked, removal_started = threading.Event(), threading.Event()
    from casework.services import work

    record_event = work.record_event

    def record_then_hold(action, **kwargs):
        event = record_event(action, **kwargs)
        if action == AuditAction.NOTE_ADDED:
            note_locked.set()
            removal_started.wait(timeout=10)
            wait_for_a_blocked_transaction()  # the removal now holds the case and waits on this member's row
        return event

    monkeypatch.setattr(work, "record_event", record_then_hold)

    def remove():
        note_locked.wait(timeout=10)
        removal_started.set()
        return services.remove_team_member(investigation, second, actor=director)

    results = run_together(lambda: services.add_note(investigation, "Late entry.", actor=second), remove)

    assert isinstance(results[0], CaseNote)
    assert results[1] is None
    added = AuditEvent.objects.get(action=AuditAction.NOTE_ADDED)
    removed = AuditEvent.objects.get(action=AuditAction.TEAM_MEMBER_REMOVED)
    assert added.id < removed.id
    assert verify_stored_chain().intact
    with pytest.raises(PermissionDenied, match=r"Only the investigation team"):
        services.add_note(investigation, "After removal.", actor=type(second).objects.get(pk=second.pk))
