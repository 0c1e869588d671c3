"""The audit trail: one append-only, hash-chained row per recorded action."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from audit.choices import AuditAction, Outcome

# Built once: the enum's `choices` and `values` are recomputed on every access, which showed in a
# page of 100 events.
ACTION_LABELS = dict(AuditAction.choices)


class AuditEvent(models.Model):
    """A recorded action. Never changed or deleted (database triggers).

    `id` is the order of recording. The event's place in the hash chain is its `link` (ChainLink),
    written moments after the event's transaction commits; until then it waits in UnchainedEvent.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    actor_username = models.CharField(max_length=150, blank=True, editable=False)
    # Typed by AuditAction in code; no `choices` here, so adding an action needs no migration.
    action = models.CharField(max_length=64, editable=False)
    target_type = models.CharField(max_length=100, blank=True, editable=False)
    target_ref = models.CharField(max_length=100, blank=True, editable=False)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, editable=False)
    request_id = models.CharField(max_length=32, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    user_agent = models.CharField(max_length=512, blank=True, editable=False)
    detail = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [("export_subject_access", "Export every event concerning one account")]
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_occurred_idx"),
            # Searches return the newest first (by id) and stop at a page: each filter's index ends in id,
            # so a page is read backwards from the newest match at any length of trail.
            models.Index(fields=["actor_username", "id"], name="audit_username_id_idx"),
            # References are unique across kinds (REF-, INV-, UUIDs, usernames): searched without the type.
            models.Index(fields=["target_ref"], name="audit_target_ref_idx"),
            models.Index(fields=["action", "id"], name="audit_action_id_idx"),
            models.Index(fields=["id"], condition=models.Q(outcome="denied"), name="audit_denied_id_idx"),
            # "Who saw this case" includes the lists that showed it: detail->'shown' @> '["REF"]'.
            GinIndex(OpClass(KeyTransform("shown", "detail"), name="jsonb_path_ops"), name="audit_shown_idx"),
            # Events about a case's parts (an evidence file, a recommendation) name the case: detail->'case'.
            models.Index(KeyTransform("case", "detail"), name="audit_case_idx"),
        ]

    def __str__(self) -> str:
        return "#%s %s %s %s" % (self.id, self.action, self.target_ref or "-", self.outcome)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


class ChainLink(models.Model):
    """An event's place in the audit chain: gapless `seq`, and an HMAC over the event and `prev_hash`.

    Each link's `prev_hash` is the `hash` of link seq-1 (audit.chain). Append-only, like the events.
    """

    seq = models.BigIntegerField(primary_key=True, editable=False)
    # No foreign-key constraint: its check would lock each event's row as its link is written, on the
    # table every request appends to. Events are never deleted (triggers), and verification finds a
    # link whose event is missing (a gap in seq) and an event with no link.
    event = models.OneToOneField(
        AuditEvent, on_delete=models.PROTECT, related_name="link", editable=False, db_constraint=False
    )
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["seq"]
        default_permissions = ()

    def __str__(self) -> str:
        return "seq %s: event %s" % (self.seq, self.event_id)


class UnchainedEvent(models.Model):
    """The chainer's queue: an event committed and not yet linked. A database trigger adds every new
    event in its own transaction, so none escapes the chain; the chainer takes them off in order."""

    event = models.OneToOneField(
        AuditEvent, on_delete=models.PROTECT, primary_key=True, related_name="+", editable=False, db_constraint=False
    )

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return "event %s, waiting" % self.event_id


class FlagReview(models.Model):
    """An auditor's review of one flag raised by the trail (audit.review); the flag then leaves the queue."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20)
    note = models.TextField(max_length=2000)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return "review of %s" % self.key
