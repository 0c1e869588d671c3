"""Assertions and isolation shared across the suite."""

import threading
from collections.abc import Callable
from contextlib import contextmanager

from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import chain_waiting_events


@contextmanager
def rolled_back():
    """A savepoint rolled back at the end, in which services still open their durable transaction.

    Services refuse to nest inside a caller's transaction (kernel.transactions); Django's TestCase
    marks its own blocks so that they are let through, and this block is marked the same way.
    """
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]  # Django's own mark for test transactions
    with block:
        yield
        transaction.set_rollback(True)


def assert_audited(action, *, target_ref=None, actor=None, outcome=None, request_id=None):
    """Fail unless an audit event matching every given field was recorded; return the newest match."""
    events = AuditEvent.objects.filter(action=action)
    if target_ref is not None:
        events = events.filter(target_ref=str(target_ref))
    if actor is not None:
        events = events.filter(actor=actor)
    if outcome is not None:
        events = events.filter(outcome=outcome)
    if request_id is not None:
        events = events.filter(request_id=request_id)
    event = events.order_by("-id").first()
    assert event is not None, "no %s audit event matching target=%s actor=%s outcome=%s request=%s" % (
        action,
        target_ref,
        actor,
        outcome,
        request_id,
    )
    return event


def newest_event_id() -> int:
    """The id of the newest audit event so far (0 with none): events after it have larger ids."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def chained(events):
    """`events` as they are once chained: a test's transaction never commits, so its events are
    chained here, by the chainer that runs after every real commit."""
    chain_waiting_events()
    return list(AuditEvent.objects.filter(id__in=[event.id for event in events]).select_related("link").order_by("id"))


def at_once(*actions: Callable[[], object], timeout: float = 30) -> list[object]:
    """Run each action in a thread of its own, all released together (a transactional test's real
    concurrency); returns, in order, what each returned or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as error:  # the caller asserts on what each one met
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
