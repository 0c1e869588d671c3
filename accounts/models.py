"""Staff identity. Roles are groups (accounts.roles); case access is per object (accounts.access)."""

from django.contrib.auth.models import AbstractUser

from accounts.roles import Role


class User(AbstractUser):
    """A member of staff. There are no public accounts: referrers never sign in."""

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def reference(self) -> str:
        """How the audit trail names this user."""
        return self.username

    @property
    def roles(self) -> list[Role]:
        """The user's roles, most senior first (uses prefetched groups when present)."""
        names = {group.name for group in self.groups.all()}
        return [role for role in Role if role.value in names]

    @property
    def role_labels(self) -> list[str]:
        return [role.label for role in self.roles]

    @property
    def primary_role(self) -> Role | None:
        """The role shown in the header and used to choose the dashboard."""
        roles = self.roles
        return roles[0] if roles else None
