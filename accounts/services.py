"""Service accounts and conflict-of-interest declarations; each change audited in its transaction."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from accounts.models import ApiTokenScope, ConflictDeclaration, User
from accounts.tokens import create_token
from audit.choices import AuditAction
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction


def create_service_account(name: str, *, days: int) -> tuple[User, str]:
    """A partner system's account and a new intake token for it: (the account, the token, shown once).

    The account may only add referrals; it has no password and cannot sign in to the web pages.
    Asked again for an existing service account, it issues another token (to rotate the old one).
    """
    users = get_user_model()
    with service_transaction():
        account, created = users.objects.get_or_create(
            username=name, defaults={"is_service_account": True, "first_name": name}
        )
        if not account.is_service_account:
            raise WorkflowError("%s is a member of staff's account, not a service account." % name)
        if created:
            account.set_unusable_password()
            account.save(update_fields=["password"])
            account.user_permissions.add(
                Permission.objects.get(content_type__app_label="referrals", codename="add_referral")
            )
            record_event(AuditAction.SERVICE_ACCOUNT_CREATED, actor=None, target=account)
        _, token = create_token(account, name="intake", scopes=[ApiTokenScope.INTAKE], days=days)
    return account, token


def declare_conflict(
    user, *, organisation_name: str, nature: str, starts_on: date, ends_on=None
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
