"""Granting and revoking need-to-know access, each change audited in the same transaction."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.backends import forget_cached_object_permissions
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
