"""django-guardian's object-permission backend with a checker cached on the user object.

Guardian builds a new checker, and queries, for every `has_perm(perm, obj)`. A page that decides
which of twenty actions to offer would ask twenty times. The user object lives for one request,
so caching its checker there costs one query per object per request, and a grant or revocation
still applies from the next request (services that change grants also drop the cache).
"""

from django.contrib.auth.backends import ModelBackend
from guardian.backends import ObjectPermissionBackend, check_support
from guardian.core import ObjectPermissionChecker

CHECKER_ATTRIBUTE = "_cached_object_permission_checker"


class CachingObjectPermissionBackend(ObjectPermissionBackend):
    def has_perm(self, user_obj, perm, obj=None) -> bool:
        supported, checked_user = check_support(user_obj, obj)
        if not supported:
            return False
        checker = user_obj.__dict__.get(CHECKER_ATTRIBUTE)
        if checker is None:
            checker = user_obj.__dict__[CHECKER_ATTRIBUTE] = ObjectPermissionChecker(checked_user)
        return checker.has_perm(perm, obj)


def forget_cached_object_permissions(user) -> None:
    """Call after changing a user's object permissions, for checks later in the same request."""
    user.__dict__.pop(CHECKER_ATTRIBUTE, None)


class StaffModelBackend(ModelBackend):
    """Django's password backend, refusing service accounts: they reach only the API, with a token."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "is_service_account", False)
