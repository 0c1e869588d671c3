"""verify_audit_chain on a long chain: stretches checked on several processes, the joins checked too.

Transactional tests: the workers are separate processes with their own connections, so the events
must be committed. The threshold is lowered so that a dozen events are split into three stretches.
"""

import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.chain import verify_stored_chain
from audit.choices import AuditAction
from audit.models import ChainLink
from audit.services import record_event
from tests.audit.test_chain import at_seq, triggers_disabled

pytestmark = pytest.mark.django_db(transaction=True)


def broken_at(report) -> int | None:
    return report.first_break.seq if report.first_break else None


@pytest.fixture
def twelve_events(settings, migrated_data):
    settings.AUDIT_VERIFY_PARALLEL_FROM = 1
    settings.AUDIT_VERIFY_WORKERS = 3  # stretches 1-4, 5-8, 9 onwards
    return [record_event(AuditAction.DASHBOARD_VIEWED, detail={"i": i, "text": 'a "quoted"\\nline'}) for i in range(12)]


def test_an_intact_chain_checked_in_stretches_agrees_with_one_pass(twelve_events, capsys):
    report = verify_stored_chain()
    assert report.intact
    assert report.events_checked == 12
    assert report.head_seq == 12
    assert report.head_hash == ChainLink.objects.get(seq=12).hash
    call_command("verify_audit_chain")
    assert "Audit chain intact: 12 events" in capsys.readouterr().out


@pytest.mark.parametrize("seq", [1, 6, 12])
def test_an_altered_event_in_any_stretch_is_found(twelve_events, seq):
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET target_ref = 'forged' WHERE id = " + at_seq(seq))
    report = verify_stored_chain()
    assert broken_at(report) == seq
    with pytest.raises(CommandError, match="seq %s" % seq):
        call_command("verify_audit_chain")


@pytest.mark.parametrize("deleted", [[4], [5], [3, 4], [8, 9]])
def test_events_deleted_at_the_join_of_two_stretches_are_found(twelve_events, deleted):
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_chainlink WHERE seq = ANY(%s)", [deleted])
    report = verify_stored_chain()
    assert not report.intact
    assert broken_at(report) in {deleted[0], deleted[-1] + 1}


def test_a_stretch_whose_first_link_was_rewritten_is_found(twelve_events):
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_chainlink SET prev_hash = repeat('a', 64) WHERE seq = 5")
    report = verify_stored_chain()
    assert broken_at(report) == 5


def stuck_worker(first, last):
    time.sleep(30)


def test_a_stuck_worker_is_abandoned_and_the_chain_checked_in_one_pass(twelve_events, monkeypatch):
    from audit import chain

    monkeypatch.setattr(chain, "WORKER_GRACE_SECONDS", 1)
    monkeypatch.setattr(chain, "_verify_in_worker", stuck_worker)
    began = time.monotonic()
    report = verify_stored_chain()
    assert report.intact
    assert report.events_checked == 12
    assert time.monotonic() - began < 20
