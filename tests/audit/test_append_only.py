"""The audit table refuses UPDATE, DELETE and TRUNCATE from the application's own connection."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from audit.choices import AuditAction
from audit.models import AuditEvent, ChainLink, UnchainedEvent
from audit.services import chain_waiting_events, record_event


@pytest.fixture
def event(db):
    """An event recorded earlier in the test's transaction."""
    return record_event(AuditAction.DASHBOARD_VIEWED, detail={"n": 1})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'tampered'",
        "UPDATE audit_auditevent SET detail = '{}'::jsonb",
        "DELETE FROM audit_auditevent",
    ],
)
def test_database_rejects_changes_to_audit_events(event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.get(id=event.id).action == AuditAction.DASHBOARD_VIEWED


@pytest.mark.django_db(transaction=True)
def test_database_rejects_truncate_of_audit_events():
    # Transactional: TRUNCATE must come after the insert has committed, as it would in real use.
    event = record_event(AuditAction.DASHBOARD_VIEWED)
    for table in ("audit_chainlink", "audit_auditevent, audit_chainlink, audit_unchainedevent"):
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            cursor.execute("TRUNCATE %s" % table)
    assert AuditEvent.objects.filter(id=event.id, link__isnull=False).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_chainlink SET hash = repeat('a', 64)",
        "UPDATE audit_chainlink SET seq = seq + 1000",
        "DELETE FROM audit_chainlink",
    ],
)
def test_chain_links_are_append_only_too(event, statement):
    chain_waiting_events()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert ChainLink.objects.get(event=event).seq == 1


def test_every_event_is_queued_for_chaining_in_its_own_transaction(event):
    assert UnchainedEvent.objects.filter(event=event).exists()
    chain_waiting_events()
    assert not UnchainedEvent.objects.exists()
    assert ChainLink.objects.filter(event=event).exists()


def test_orm_update_and_delete_are_rejected(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).update(outcome="denied")
    with pytest.raises((DatabaseError, ProtectedError)), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).delete()
    assert AuditEvent.objects.filter(id=event.id, outcome="allowed").exists()


def test_event_rolls_back_with_the_action_it_records(db):
    def failing_action():
        with transaction.atomic():
            record_event(AuditAction.DASHBOARD_VIEWED)
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    assert not AuditEvent.objects.exists()
