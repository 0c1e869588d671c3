"""Need-to-know access: the one module that grants or revokes object permissions, each change audited.

Team changes, hand-overs and tests all come here (a lint rule bans guardian's `assign_perm` and
`remove_perm` elsewhere), so every grant and every revocation is a permission event in the trail,
in the same transaction as the change that caused it.
"""

from collections.abc import Iterable

from django.db.models import Model
from guardian.shortcuts import assign_perm, get_user_perms, remove_perm

from accounts.backends import forget_cached_object_permissions
from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from kernel.transactions import service_transaction


def grant_object_permission(user: User, permission: str, obj: Model, *, actor: User | None) -> bool:
    """Give `user` the object permission "app_label.codename" on `obj`; False if they already held it."""
    with service_transaction():
        if _holds(user, permission, obj):
            return False
        assign_perm(permission, user, obj)
        _recorded(AuditAction.PERMISSION_GRANTED, user, permission, obj, actor)
    return True


def revoke_object_permission(user: User, permission: str, obj: Model, *, actor: User | None) -> bool:
    """Take the object permission back (from the user's next request); False if they did not hold it."""
    with service_transaction():
        if not _holds(user, permission, obj):
            return False
        remove_perm(permission, user, obj)
        _recorded(AuditAction.PERMISSION_REVOKED, user, permission, obj, actor)
    return True


def grant_object_permissions(user: User, permissions: Iterable[str], obj: Model, *, actor: User | None) -> None:
    for permission in permissions:
        grant_object_permission(user, permission, obj, actor=actor)


def revoke_object_permissions(user: User, permissions: Iterable[str], obj: Model, *, actor: User | None) -> None:
    for permission in permissions:
        revoke_object_permission(user, permission, obj, actor=actor)


def _holds(user: User, permission: str, obj: Model) -> bool:
    """Whether `user` holds `permission` on `obj` by a direct grant (not through a role or group)."""
    return permission.partition(".")[2] in get_user_perms(user, obj)


def _recorded(action: AuditAction, user: User, permission: str, obj: Model, actor: User | None) -> None:
    forget_cached_object_permissions(user)
    record_event(action, actor=actor, target=obj, detail={"user": user.get_username(), "permission": permission})
