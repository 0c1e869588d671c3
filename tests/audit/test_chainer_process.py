"""The chainer process: events recorded elsewhere are chained moments after they commit, and it stops
cleanly when told to.

A transactional test: the chainer is a real process on its own connection (forked, so that it uses
this test's database), and the events are committed by this one with after-commit chaining off.
"""

import multiprocessing
import os
import time

import pytest
from django.core.management import call_command
from django.db import connections

from audit.chain import verify_stored_chain
from audit.choices import AuditAction
from audit.models import ChainLink, UnchainedEvent
from audit.services import record_event

pytestmark = pytest.mark.django_db(transaction=True)


def run_chainer() -> None:
    call_command("chain_audit_events", stdout=open(os.devnull, "w"))  # noqa: SIM115 - lives with the process


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_the_chainer_chains_what_other_processes_commit_and_stops_on_sigterm(migrated_data, settings):
    settings.AUDIT_CHAIN_AFTER_COMMIT = False
    connections.close_all()  # the chainer must not share this process's connection
    chainer = multiprocessing.get_context("fork").Process(target=run_chainer)
    chainer.start()
    try:
        events = [record_event(AuditAction.DASHBOARD_VIEWED, detail={"n": n}) for n in range(25)]
        assert wait_until(lambda: not UnchainedEvent.objects.exists(), seconds=20)
        assert set(ChainLink.objects.values_list("event_id", flat=True)) >= {event.id for event in events}
        assert verify_stored_chain().intact
    finally:
        chainer.terminate()  # SIGTERM: the chainer finishes its batch and leaves
        chainer.join(timeout=20)
    assert chainer.exitcode == 0


def test_without_a_chainer_events_wait(migrated_data, settings):
    settings.AUDIT_CHAIN_AFTER_COMMIT = False
    event = record_event(AuditAction.DASHBOARD_VIEWED)
    time.sleep(2 * settings.AUDIT_CHAIN_POLL_SECONDS)
    assert UnchainedEvent.objects.filter(event_id=event.id).exists()
