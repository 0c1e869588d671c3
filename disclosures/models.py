"""The disclosure register (DESIGN 3.3): every release of protected material, its ground and its approver.

Protected material may leave the body only on a Schedule 14 ground, approved by someone other than
whoever asked. A request names the evidence items; the approver approves some or all of them; the
released package holds exactly the approved items and warns the recipient of the onward-disclosure
offence. Requests are never deleted: the register is the body's record of what it disclosed.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from disclosures.choices import DisclosureState, Schedule14Ground
from disclosures.permissions import may_decide, may_release

TEXT_MAX_LENGTH = 4000


class DisclosureRequest(FSMModelMixin, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    investigation = models.ForeignKey(
        "casework.Investigation", on_delete=models.PROTECT, related_name="disclosure_requests"
    )
    recipient = models.CharField(max_length=200, help_text="Who receives the material: a named person and body.")
    ground = models.CharField("Schedule 14 ground", max_length=20, choices=Schedule14Ground.choices)
    necessity = models.TextField(max_length=TEXT_MAX_LENGTH, help_text="Why disclosure is necessary.")
    extent = models.TextField(
        max_length=TEXT_MAX_LENGTH, help_text="What is disclosed and the limits on its use (no more than needed)."
    )
    state = FSMField(default=DisclosureState.REQUESTED, choices=DisclosureState.choices, protected=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        default_permissions = ("add", "view")
        permissions = [
            ("approve_disclosure", "Approve or refuse any disclosure of protected material"),
            ("approve_internal_disclosure", "Approve or refuse internal sharing of protected material"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="disclosure_decided_by_someone_else",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("disclosures:detail", args=[self.investigation.reference, self.public_id])

    @transition(field=state, source=DisclosureState.REQUESTED, target=DisclosureState.APPROVED, permission=may_decide)
    def approve(self):
        pass

    @transition(field=state, source=DisclosureState.REQUESTED, target=DisclosureState.REFUSED, permission=may_decide)
    def refuse(self):
        pass

    @transition(field=state, source=DisclosureState.APPROVED, target=DisclosureState.DISCLOSED, permission=may_release)
    def release(self):
        pass


class DisclosureItem(models.Model):
    """One evidence file asked for; `approved` is set by the decision (None until then)."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="items")
    evidence = models.ForeignKey("casework.Evidence", on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField(null=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["request", "evidence"], name="disclosure_item_once")]

    def __str__(self) -> str:
        return "%s: %s" % (self.request, self.evidence.public_id)
