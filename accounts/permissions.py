"""Who may manage staff accounts, and the one rule every object permission follows."""

VIEW_USER = "accounts.view_user"
CHANGE_USER = "accounts.change_user"


def holds(user, permission: str, obj=None) -> bool:
    """Role-wide (a model permission of the user's role), or granted on `obj` itself (need-to-know).

    The rule `visible_to` applies in SQL, and every check on an object in hand applies here.
    """
    return user.has_perm(permission) or (obj is not None and user.has_perm(permission, obj))


def may_list_accounts(user) -> bool:
    return user.has_perm(VIEW_USER)


def may_change_accounts(user) -> bool:
    """System administrators: end sessions, reset a second factor, disable an account."""
    return user.has_perm(CHANGE_USER)


def holders_of(permission: str):
    """Active staff holding `permission` role-wide (through their role's group, or given directly):
    who should hear of a decision that waits for that permission."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    app_label, codename = permission.split(".", 1)
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions__in=granted) | Q(user_permissions__in=granted))
        .distinct()
    )
