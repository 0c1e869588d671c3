"""What the audit chain costs a writing request: appends per second, chained against unchained.

Targets (issue 16): with 16 threads at once, each of these holds at least 0.8x of the same work
with chaining switched off (AUDIT_CHAIN_AFTER_COMMIT, a setting only this benchmark changes), in
the same run:
- each thread records an event and then does 5 ms more work before its transaction commits (a
  service that records early and goes on); with the chain's lock held to commit this was 0.17x;
- each thread records events in transactions of their own (a read event from a page).
Rounds alternate between the two variants so that drift on a shared machine hits both alike; the
median round of each counts. Events left unchained by the unchained variant are chained between
rounds, outside the timing.
"""

import statistics
import threading
import time

import pytest
from django.db import connection, transaction

from audit.chain import verify_stored_chain
from audit.choices import AuditAction
from audit.models import UnchainedEvent
from audit.services import chain_waiting_events, record_event

THREADS = 16
TRANSACTIONS_PER_THREAD = 150
ROUNDS = 5
MIN_RATIO = 0.8
WORK_AFTER_APPEND_SECONDS = 0.005


def append_then_work() -> None:
    with transaction.atomic():
        record_event(AuditAction.DASHBOARD_VIEWED, detail={"bench": "append then work"})
        time.sleep(WORK_AFTER_APPEND_SECONDS)


def append_alone() -> None:
    record_event(AuditAction.DASHBOARD_VIEWED, detail={"bench": "own transaction"})


def appends_per_second(unit) -> float:
    """THREADS threads each running `unit` TRANSACTIONS_PER_THREAD times, started together: appends/s."""
    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait(timeout=30)
            for _ in range(TRANSACTIONS_PER_THREAD):
                unit()
        except BaseException as error:  # reported below: a lost append fails the benchmark
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - began
    assert not errors, errors[:3]
    return THREADS * TRANSACTIONS_PER_THREAD / elapsed


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("label", "unit"),
    [("append, then 5 ms of work, then commit", append_then_work), ("append in its own transaction", append_alone)],
)
def test_chained_appends_keep_at_least_0_8x_of_unchained(migrated_data, settings, label, unit):
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(ROUNDS):
        for chained in (True, False):
            settings.AUDIT_CHAIN_AFTER_COMMIT = chained
            rates[chained].append(appends_per_second(unit))
            while chain_waiting_events():  # what the unchained variant left, outside the timing
                pass
    chained_rate, unchained_rate = statistics.median(rates[True]), statistics.median(rates[False])
    print(
        "\nAudit appends, %d threads, %s: chained %.0f/s, unchained %.0f/s (%.2fx); rounds %s / %s"
        % (
            THREADS,
            label,
            chained_rate,
            unchained_rate,
            chained_rate / unchained_rate,
            ", ".join("%.0f" % rate for rate in rates[True]),
            ", ".join("%.0f" % rate for rate in rates[False]),
        )
    )
    assert not UnchainedEvent.objects.exists()
    assert verify_stored_chain().intact
    assert chained_rate >= MIN_RATIO * unchained_rate, "%.2fx of unchained" % (chained_rate / unchained_rate)
