"""Staff identity. Roles are groups (accounts.roles); case access is per object (accounts.access)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

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


class ConflictDeclaration(models.Model):
    """A member of staff's declared link to a healthcare organisation (checked when assigning cases)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="conflict_declarations")
    organisation_name = models.CharField(max_length=200)
    nature = models.CharField(
        max_length=300, help_text="For example: previously employed there; a relative works there."
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="declaration_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return "%s: %s" % (self.user, self.organisation_name)

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)
