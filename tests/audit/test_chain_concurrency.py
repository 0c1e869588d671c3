"""Recording events never deadlocks with the row locks around it, and never loses an action.

Transactional tests: real threads on their own connections, committing. One transaction locks a row
and then records an event while another records an event and then wants the same row: with the
chain's lock taken at the moment of recording, each waited for the other and PostgreSQL killed one.
"""

import threading
import time

import pytest
from django.db import transaction
from django.db.models import F

from audit.chain import verify_stored_chain
from audit.choices import AuditAction
from audit.models import AuditEvent, UnchainedEvent
from audit.services import record_event
from kernel.models import ReferenceCounter
from tests.operations.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def counter(migrated_data):
    return ReferenceCounter.objects.create(prefix="LOCK", year=2026, last_number=0)


def lock_and_count(counter_id: int) -> None:
    """An action: lock the row (as a service locks a case) and change it."""
    ReferenceCounter.objects.select_for_update().get(pk=counter_id)
    ReferenceCounter.objects.filter(pk=counter_id).update(last_number=F("last_number") + 1)


def test_a_row_lock_taken_before_and_after_recording_in_two_transactions_does_not_deadlock(counter):
    first_recorded, second_recorded = threading.Event(), threading.Event()

    def lock_then_record():
        with transaction.atomic():
            lock_and_count(counter.pk)
            first_recorded.wait(timeout=10)
            record_event(AuditAction.DASHBOARD_VIEWED, detail={"order": "lock, then record"})
            second_recorded.set()
        return "committed"

    def record_then_lock():
        with transaction.atomic():
            record_event(AuditAction.DASHBOARD_VIEWED, detail={"order": "record, then lock"})
            first_recorded.set()
            # Recording does not wait for this transaction, so the other one records and commits;
            # when recording waited for the chain, it waited here until this one was killed.
            second_recorded.wait(timeout=2)
            lock_and_count(counter.pk)
        return "committed"

    assert run_together(lock_then_record, record_then_lock) == ["committed", "committed"]
    counter.refresh_from_db()
    assert counter.last_number == 2
    assert AuditEvent.objects.filter(action=AuditAction.DASHBOARD_VIEWED).count() == 2
    assert verify_stored_chain().intact


THREADS = 8
ROUNDS = 30
TIME_LIMIT_SECONDS = 30


def test_many_threads_locking_rows_in_both_orders_around_their_events_lose_nothing(counter):
    """Every thread alternates the two orders; every action commits, and every event is chained."""
    other = ReferenceCounter.objects.create(prefix="LOCK2", year=2026, last_number=0)
    deadline = time.monotonic() + TIME_LIMIT_SECONDS

    def worker(number: int):
        done = 0
        for round_number in range(ROUNDS):
            if time.monotonic() > deadline:
                break
            with transaction.atomic():
                if (number + round_number) % 2:
                    lock_and_count(counter.pk)
                    record_event(AuditAction.DASHBOARD_VIEWED, detail={"thread": number, "round": round_number})
                    time.sleep(0.002)
                    lock_and_count(other.pk)
                else:
                    record_event(AuditAction.DASHBOARD_VIEWED, detail={"thread": number, "round": round_number})
                    time.sleep(0.002)
                    lock_and_count(counter.pk)
                    record_event(AuditAction.DASHBOARD_VIEWED, detail={"thread": number, "second": round_number})
                    lock_and_count(other.pk)
            done += 1
        return done

    results = run_together(*[lambda number=number: worker(number) for number in range(THREADS)], timeout=60)
    failures = [result for result in results if isinstance(result, Exception)]
    assert not failures, failures
    actions = sum(results)
    assert actions > THREADS  # at least some of every thread's rounds ran within the time limit
    counter.refresh_from_db()
    other.refresh_from_db()
    assert counter.last_number == other.last_number == actions
    assert AuditEvent.objects.filter(detail__has_key="round").count() == actions
    assert not UnchainedEvent.objects.exists()
    report = verify_stored_chain()
    assert report.intact
    assert report.events_checked == AuditEvent.objects.count()
