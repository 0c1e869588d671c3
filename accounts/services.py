"""Granting and revoking need-to-know access, each change audited in the same transaction."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from audit.choices import AuditAction
from audit.services import record_event


def grant_object_permission(user, permission: str, obj, *, actor) -> None:
    """Give `user` the object permission "app_label.codename" on `obj`."""
    with transaction.atomic():
        assign_perm(permission, user, obj)
        record_event(
            AuditAction.PERMISSION_GRANTED,
            actor=actor,
            target=obj,
            detail={"user": user.get_username(), "permission": permission},
        )


def revoke_object_permission(user, permission: str, obj, *, actor) -> None:
    """Take the object permission back; it stops applying on the user's next request."""
    with transaction.atomic():
        remove_perm(permission, user, obj)
        record_event(
            AuditAction.PERMISSION_REVOKED,
            actor=actor,
            target=obj,
            detail={"user": user.get_username(), "permission": permission},
        )
