"""The hash chain: recorded content, canonical form, and detection of every kind of tampering."""

import json
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import RequestFactory, override_settings

from audit.chain import EVENT_COLUMNS, GENESIS_HASH, chain_rows, keyed_hash, keyed_hmac, row_content, verify_chain
from audit.choices import AuditAction, Outcome
from audit.context import RequestContext, reset_request_context, set_request_context
from audit.models import AuditEvent, ChainLink
from audit.services import record_event
from tests.factories import make_referral, make_user
from tests.helpers import chained


def chain_report():
    with connection.cursor() as cursor:
        return verify_chain(chain_rows(cursor))


@contextmanager
def triggers_disabled():
    """Tamper as an attacker with database superuser rights would: bypass the append-only triggers."""
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of this test's own inserts must run before the table is altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE audit_chainlink DISABLE TRIGGER USER")
        try:
            yield cursor
        finally:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_chainlink ENABLE TRIGGER USER")


def hash_at(event_id: int, seq: int, prev_hash: str) -> str:
    """The hash of the stored event `event_id` placed at `seq` after `prev_hash`, computed as the chainer does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s FROM audit_auditevent AS e WHERE e.id = %%s" % EVENT_COLUMNS, [event_id])
        content = cursor.fetchone()
    return keyed_hash(keyed_hmac(), row_content((seq, *content, prev_hash)))


def at_seq(seq: int) -> str:
    """SQL naming the event at `seq` in the chain."""
    return "(SELECT event_id FROM audit_chainlink WHERE seq = %d)" % seq


@pytest.fixture
def five_events(db):
    return chained([record_event(AuditAction.DASHBOARD_VIEWED, detail={"i": i}) for i in range(5)])


def test_events_are_chained_from_genesis(five_events):
    first, *rest = ChainLink.objects.order_by("seq")
    assert [link.event_id for link in (first, *rest)] == [event.id for event in five_events]
    assert first.seq == 1
    assert first.prev_hash == GENESIS_HASH
    previous = first
    for event in rest:
        assert event.seq == previous.seq + 1
        assert event.prev_hash == previous.hash
        previous = event
    report = chain_report()
    assert report.intact
    assert report.events_checked == 5
    assert report.head_hash == previous.hash


def test_event_records_who_what_where_from_the_request_context(db):
    user = make_user("someone")
    request = RequestFactory().get("/", HTTP_USER_AGENT="Browser/1.0", REMOTE_ADDR="2001:db8:0:0:0:0:0:1")
    request.user = user
    token = set_request_context(RequestContext("abc123", "2001:db8:0:0:0:0:0:1", "Browser/1.0", request))
    try:
        referral = make_referral()
        event = record_event(AuditAction.REFERRAL_VIEWED, target=referral, detail={"why": "test"})
    finally:
        reset_request_context(token)
    (stored,) = chained([event])
    assert stored.actor == user
    assert stored.actor_username == "someone"
    assert (stored.target_type, stored.target_ref) == ("referrals.referral", referral.reference)
    assert stored.request_id == "abc123"
    assert stored.ip_address == "2001:db8::1"
    assert stored.user_agent == "Browser/1.0"
    assert stored.outcome == Outcome.ALLOWED
    assert stored.occurred_at.utcoffset() == timedelta(0)
    assert stored.link.hash == hash_at(stored.id, stored.link.seq, stored.link.prev_hash)


def test_awkward_detail_is_stored_as_recorded_and_verifies(db):
    detail = {"float": 0.1 + 0.2, "big": 2**62, "unicode": "Zoë – ✓", "nested": {"b": [1, None, True], "a": "x"}}
    event = record_event(AuditAction.DASHBOARD_VIEWED, detail=detail)
    (stored,) = chained([event])
    assert stored.detail == detail
    assert stored.link.hash == hash_at(stored.id, stored.link.seq, stored.link.prev_hash)
    assert chain_report().intact


def test_hash_is_keyed(five_events):
    with override_settings(AUDIT_HMAC_KEY="a-different-key"):
        assert not chain_report().intact


def test_altered_row_is_detected(five_events):
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET target_ref = 'REF-2026-000999' WHERE id = " + at_seq(3))
    report = chain_report()
    assert report.first_break.seq == 3
    assert "altered" in report.first_break.reason


def test_altered_detail_is_detected(five_events):
    with triggers_disabled() as cursor:
        cursor.execute("""UPDATE audit_auditevent SET detail = '{"i": 99}'::jsonb WHERE id = """ + at_seq(2))
    assert chain_report().first_break.seq == 2


def test_deleted_row_is_detected(five_events):
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_chainlink WHERE seq = 2")
    report = chain_report()
    assert report.first_break.seq == 3
    assert "missing" in report.first_break.reason


def test_deleted_row_with_renumbering_is_detected(five_events):
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_chainlink WHERE seq = 2")
        # Two steps, so the unique key never sees two rows with the same seq mid-update.
        cursor.execute("UPDATE audit_chainlink SET seq = -seq WHERE seq > 2")
        cursor.execute("UPDATE audit_chainlink SET seq = -seq - 1 WHERE seq < 0")
    assert chain_report().first_break.seq == 2


def test_reordered_rows_are_detected(five_events):
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_chainlink SET seq = -1 WHERE seq = 2")
        cursor.execute("UPDATE audit_chainlink SET seq = 2 WHERE seq = 3")
        cursor.execute("UPDATE audit_chainlink SET seq = 3 WHERE seq = -1")
    assert chain_report().first_break.seq == 2


def test_row_inserted_out_of_order_is_detected(five_events):
    forged = AuditEvent.objects.get(link__seq=5)
    forged.pk = None
    forged.save(force_insert=True)
    prev_hash = ChainLink.objects.get(seq=3).hash  # linked to the wrong predecessor
    # Even with the key, the link betrays it.
    ChainLink.objects.create(seq=6, event=forged, prev_hash=prev_hash, hash=hash_at(forged.id, 6, prev_hash))
    assert chain_report().first_break.seq == 6


def test_rehashed_forgery_without_the_key_is_detected(five_events):
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'auth.login' WHERE id = " + at_seq(4))
        cursor.execute("UPDATE audit_chainlink SET hash = repeat('a', 64) WHERE seq = 4")
    assert chain_report().first_break.seq == 4


def test_verify_command_exits_zero_on_an_intact_chain(five_events, capsys):
    call_command("verify_audit_chain")
    assert "intact: 5 events" in capsys.readouterr().out


def test_verify_command_fails_naming_the_first_bad_event(five_events):
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET outcome = 'denied' WHERE id = " + at_seq(4))
    with pytest.raises(CommandError, match="seq 4") as excinfo:
        call_command("verify_audit_chain")
    assert excinfo.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain():
    threads_count, per_thread = 8, 15
    errors = []
    barrier = threading.Barrier(threads_count)

    def append_events(worker):
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                with transaction.atomic():
                    record_event(AuditAction.DASHBOARD_VIEWED, detail={"worker": worker, "i": i})
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_events, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    report = chain_report()
    assert report.intact
    assert report.events_checked == threads_count * per_thread


TRICKY_TEXT = [
    "plain",
    'quote " and \\ backslash',
    "é ü 漢字 🙂",
    "line\nbreak\ttab\x00nul\x1f",
    "\u2028\u2029",
    "</script>",
    "",
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
@pytest.mark.parametrize(("actor_id", "ip"), [(None, None), (7, "10.0.0.1"), (2**40, "2001:db8::1")])
def test_the_written_out_canonical_form_is_exactly_json_dumps(text, actor_id, ip):
    """Changing the canonical form would break every stored chain: it must stay byte for byte json.dumps."""
    from audit.chain import _canonical

    detail = {"z": [1, 2.5, None, True], "ä": {"b": text, "a": -3}, text: text} if text else {}
    fields = {
        "seq": 123456789,
        "occurred_at": "2026-11-29T03:11:16.123456+00:00",
        "actor_id": actor_id,
        "actor_username": text,
        "action": "referral.viewed",
        "target_type": text,
        "target_ref": text,
        "outcome": "allowed",
        "request_id": text,
        "ip_address": ip,
        "user_agent": text,
        "detail": detail,
        "prev_hash": "0" * 64,
    }
    reference = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    written_out = _canonical(
        fields["seq"],
        fields["occurred_at"],
        actor_id,
        text,
        fields["action"],
        text,
        text,
        fields["outcome"],
        text,
        ip,
        text,
        detail,
        fields["prev_hash"],
    )
    assert written_out == reference.encode()


def test_events_waiting_too_long_to_be_chained_are_reported_and_then_chained(db, client, auditor, capsys):
    """A process that stops between an event's commit and its chaining leaves it waiting: reported."""
    event = record_event(AuditAction.DASHBOARD_VIEWED)
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET occurred_at = occurred_at - interval '5 minutes' WHERE id = %s", [event.id]
        )
    client.force_login(auditor)
    page = client.get("/audit/").content.decode()
    assert "1 event waiting to be chained" in page
    call_command("verify_audit_chain")
    assert "Events that had waited longer than 60 s to be chained: 1 " in capsys.readouterr().err
    assert ChainLink.objects.filter(event=event).exists()
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_CHAIN_VERIFIED).get().detail["chained_late"] == 1
    assert "waiting to be chained" not in client.get("/audit/").content.decode()
