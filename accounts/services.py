"""Conflict-of-interest declarations: each one audited in its transaction."""

from datetime import date

from accounts.models import ConflictDeclaration, User
from audit.choices import AuditAction
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction


def declare_conflict(
    user: User, *, organisation_name: str, nature: str, starts_on: date, ends_on: date | None = None
) -> ConflictDeclaration:
    """Record a member of staff's own link to a healthcare organisation (checked when cases are staffed)."""
    if ends_on is not None and ends_on < starts_on:
        raise WorkflowError("The end date must not be before the start date.")
    with service_transaction():
        declaration = ConflictDeclaration.objects.create(
            user=user, organisation_name=organisation_name.strip(), nature=nature, starts_on=starts_on, ends_on=ends_on
        )
        record_event(AuditAction.CONFLICT_DECLARED, actor=user, target=user, detail={"organisation": organisation_name})
    return declaration
