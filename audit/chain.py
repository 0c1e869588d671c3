"""The audit chain: one canonical form per event, an HMAC over it, and the check that walks the chain.

The canonical form is JSON with sorted keys, no whitespace, UTF-8, timestamps in UTC with
microseconds, and addresses in compressed form. It includes `seq` and `prev_hash`, so altering,
removing, inserting or reordering any row breaks the chain at that row.
"""

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings

GENESIS_HASH = "0" * 64


def canonical_bytes(event) -> bytes:
    """The one canonical serialisation of an event's recorded content."""
    content = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "target_type": event.target_type,
        "target_ref": event.target_ref,
        "outcome": event.outcome,
        "request_id": event.request_id,
        "ip_address": normalise_ip(event.ip_address),
        "user_agent": event.user_agent,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def normalise_ip(value) -> str | None:
    return None if value in (None, "") else ipaddress.ip_address(str(value)).compressed


def compute_hash(event) -> str:
    key = settings.AUDIT_HMAC_KEY
    if not key:
        raise RuntimeError("AUDIT_HMAC_KEY is not configured; the audit chain cannot be written or checked.")
    return hmac.new(key.encode(), canonical_bytes(event), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first event at which the chain does not hold, and why."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return "audit event seq %s: %s" % (self.seq, self.reason)


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    first_break: ChainBreak | None
    head_seq: int | None
    head_hash: str | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(events: Iterable) -> ChainReport:
    """Walk events in `seq` order and report the first one that breaks the chain."""
    expected_seq, expected_prev = 1, GENESIS_HASH
    checked = 0
    last = None
    for event in events:
        checked += 1
        if event.seq != expected_seq:
            reason = "expected seq %s here: an event is missing or out of order" % expected_seq
            return ChainReport(checked, ChainBreak(event.seq, reason), None, None)
        if event.prev_hash != expected_prev:
            reason = "previous-hash link does not match the preceding event (removed, inserted or reordered)"
            return ChainReport(checked, ChainBreak(event.seq, reason), None, None)
        if not hmac.compare_digest(event.hash, compute_hash(event)):
            return ChainReport(checked, ChainBreak(event.seq, "content does not match its hash (altered)"), None, None)
        expected_seq, expected_prev = event.seq + 1, event.hash
        last = event
    return ChainReport(checked, None, last.seq if last else None, last.hash if last else None)
