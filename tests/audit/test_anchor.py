"""The exported, signed chain head: deleting the newest events is detected, and so is a forged head."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.anchor import public_key_text, read_head
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event
from tests.audit.test_chain import triggers_disabled
from tests.helpers import chained


@pytest.fixture
def events(db):
    return chained([record_event(AuditAction.DASHBOARD_VIEWED, detail={"i": i}) for i in range(6)])


def delete_events_from(cursor, first) -> None:
    """Delete `first` and every event after it, with their links: the newest events, gone."""
    cursor.execute("DELETE FROM audit_unchainedevent WHERE event_id >= %s", [first.id])
    cursor.execute("DELETE FROM audit_chainlink WHERE event_id >= %s", [first.id])
    cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [first.id])


def export(path):
    call_command("export_audit_head", output=path)
    return json.loads(path.read_text())


def test_export_writes_the_newest_head_signed_and_records_it(events, audit_head_path):
    head = export(audit_head_path)
    assert (head["seq"], head["hash"]) == (events[-1].link.seq, events[-1].link.hash)
    assert read_head(audit_head_path).seq == events[-1].link.seq
    exported = AuditEvent.objects.filter(action=AuditAction.AUDIT_HEAD_EXPORTED).get()
    assert exported.detail["seq"] == events[-1].link.seq


def test_verify_passes_when_the_chain_still_reaches_the_exported_head(events, audit_head_path, capsys):
    export(audit_head_path)
    record_event(AuditAction.DASHBOARD_VIEWED)  # the chain goes on after the export
    call_command("verify_audit_chain")
    assert "still contains the exported head (seq %s)" % events[-1].link.seq in capsys.readouterr().out
    verified = AuditEvent.objects.filter(action=AuditAction.AUDIT_CHAIN_VERIFIED).get()
    assert verified.detail["intact"] is True
    assert verified.detail["exported_head_seq"] == events[-1].link.seq


def test_deleting_the_newest_events_is_detected(events, audit_head_path):
    export(audit_head_path)
    with triggers_disabled() as cursor:
        delete_events_from(cursor, events[-2])
    with pytest.raises(CommandError, match="newest events were deleted") as failure:
        call_command("verify_audit_chain")
    assert failure.value.returncode == 1
    verified = AuditEvent.objects.filter(action=AuditAction.AUDIT_CHAIN_VERIFIED).get()
    assert verified.detail["intact"] is False


def test_rewritten_history_up_to_the_head_is_detected(events, audit_head_path):
    """Rows replaced with a consistent chain of their own (by someone holding the HMAC key) still fail."""
    export(audit_head_path)
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_chainlink SET hash = repeat('b', 64) WHERE seq = %s", [events[-1].link.seq])
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")


@pytest.mark.parametrize("field", ["seq", "hash", "signature"])
def test_an_edited_head_file_is_refused(events, audit_head_path, field):
    head = export(audit_head_path)
    head[field] = 1 if field == "seq" else head[field][:-4] + "AAAA"
    audit_head_path.write_text(json.dumps(head))
    with pytest.raises(CommandError, match=r"not signed by the audit head key|cannot be read"):
        call_command("verify_audit_chain")


def test_an_unreadable_head_file_is_reported(events, audit_head_path):
    audit_head_path.write_text("{not json")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("verify_audit_chain")


def test_a_head_signed_with_another_key_is_refused(events, audit_head_path, settings):
    export(audit_head_path)
    settings.AUDIT_HEAD_SIGNING_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMDE="
    with pytest.raises(CommandError, match="not signed by the audit head key"):
        call_command("verify_audit_chain")


def test_checking_needs_only_the_public_key(events, audit_head_path, settings):
    export(audit_head_path)
    settings.AUDIT_HEAD_PUBLIC_KEY = public_key_text()
    settings.AUDIT_HEAD_SIGNING_KEY = ""
    call_command("verify_audit_chain")


def test_without_an_exported_head_verify_says_so(events, capsys):
    call_command("verify_audit_chain")
    assert "No exported head" in capsys.readouterr().out


def test_auditors_see_when_the_chain_was_last_verified_and_the_result(events, audit_head_path, client, auditor):
    client.force_login(auditor)
    assert "has not been verified yet" in client.get("/audit/").content.decode()
    export(audit_head_path)
    call_command("verify_audit_chain")
    assert "intact" in client.get("/audit/").content.decode()
    with triggers_disabled() as cursor:
        delete_events_from(cursor, events[-1])
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
    page = client.get("/audit/").content.decode()
    assert "failed" in page
    assert "newest events were deleted" in page
