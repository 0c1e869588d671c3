"""The API's side of the access chokepoint: each view's declared permission, and service accounts kept to intake.

Object-level need-to-know is not decided here: views fetch objects through `visible_to` and
`get_visible_object`, as the web pages do, so an object the caller may not see is a 404.
"""

from rest_framework.permissions import BasePermission

from accounts.models import ApiTokenScope


class DeclaredAccess(BasePermission):
    message = "You do not have permission to do that."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        if user.is_service_account and getattr(view, "token_scope", "") != ApiTokenScope.INTAKE:
            self.message = "A service account can only submit concerns."
            return False
        permission = getattr(view, "required_permission", "")
        return not permission or user.has_perm(permission)
