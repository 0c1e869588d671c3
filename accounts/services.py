"""Granting and revoking need-to-know access, and service accounts; each change audited in its transaction."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.backends import forget_cached_object_permissions
from accounts.models import ApiTokenScope, User
from accounts.tokens import create_token
from accounts.workflow import WorkflowError
from audit.choices import AuditAction
from audit.services import record_event


def grant_object_permission(user, permission: str, obj, *, actor) -> None:
    """Give `user` the object permission "app_label.codename" on `obj`."""
    _change_object_permission(assign_perm, AuditAction.PERMISSION_GRANTED, user, permission, obj, actor)


def revoke_object_permission(user, permission: str, obj, *, actor) -> None:
    """Take the object permission back; it stops applying on the user's next request."""
    _change_object_permission(remove_perm, AuditAction.PERMISSION_REVOKED, user, permission, obj, actor)


def _change_object_permission(change, action: AuditAction, user, permission: str, obj, actor) -> None:
    with transaction.atomic():
        change(permission, user, obj)
        forget_cached_object_permissions(user)
        record_event(action, actor=actor, target=obj, detail={"user": user.get_username(), "permission": permission})


def create_service_account(name: str, *, days: int) -> tuple[User, str]:
    """A partner system's account and a new intake token for it: (the account, the token, shown once).

    The account may only add referrals; it has no password and cannot sign in to the web pages.
    Asked again for an existing service account, it issues another token (to rotate the old one).
    """
    users = get_user_model()
    with transaction.atomic():
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
