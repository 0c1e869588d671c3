"""Investigations. Protected material: read only through `visible_to`."""

from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from casework.choices import InvestigationState
from casework.querysets import InvestigationQuerySet


class Investigation(FSMModelMixin, models.Model):
    """A national investigation (INV-YYYY-NNNN), created in `proposed` when a director accepts a referral."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    origin_referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="investigations"
    )
    state = FSMField(default=InvestigationState.PROPOSED, choices=InvestigationState.choices, protected=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = InvestigationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class InvestigationUserObjectPermission(UserObjectPermissionBase):
    """Need-to-know grant of an investigation permission to one user (guardian direct foreign key)."""

    content_object = models.ForeignKey(Investigation, on_delete=models.CASCADE)


class InvestigationGroupObjectPermission(GroupObjectPermissionBase):
    """Grant of an investigation permission to a group (guardian direct foreign key)."""

    content_object = models.ForeignKey(Investigation, on_delete=models.CASCADE)
