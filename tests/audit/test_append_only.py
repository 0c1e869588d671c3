"""The audit table refuses UPDATE, DELETE and TRUNCATE from the application's own connection."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event


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
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.filter(id=event.id).exists()


def test_orm_update_and_delete_are_rejected(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).update(outcome="denied")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
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
