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
