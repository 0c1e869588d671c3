"""Concerns shared with the body (referrals). Protected material: read only through `visible_to`."""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from referrals.querysets import ReferralQuerySet


class Referral(models.Model):
    """A concern. Its human reference (REF-YYYY-NNNNNN) is what URLs and the audit trail use."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    summary = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", args=[self.reference])


class ReferralUserObjectPermission(UserObjectPermissionBase):
    """Need-to-know grant of a referral permission to one user (guardian direct foreign key)."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    """Grant of a referral permission to a group (guardian direct foreign key)."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)
