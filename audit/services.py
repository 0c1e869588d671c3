"""Recording audit events: the one way anything is written to the audit trail."""

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from audit.chain import GENESIS_HASH, compute_hash, normalise_ip
from audit.choices import AuditAction, Outcome
from audit.context import current_request_context
from audit.models import AuditEvent

# Serialises chain appends: the key of a transaction-level PostgreSQL advisory lock.
CHAIN_LOCK_KEY = 0x41554449  # "AUDI"


def record_event(
    action: AuditAction,
    *,
    actor: AbstractBaseUser | None = None,
    target: Model | None = None,
    target_type: str = "",
    target_ref: str = "",
    outcome: Outcome = Outcome.ALLOWED,
    detail: dict | None = None,
) -> AuditEvent:
    """Append an event to the chain, inside the caller's transaction so it commits or rolls back with it.

    `actor` defaults to the signed-in user of the current request; `target` is a model instance
    (its `reference` if it has one, else its primary key) or use `target_type`/`target_ref`.
    Appends are serialised by an advisory lock held until the surrounding transaction ends, so the
    chain order is the commit order.
    """
    context = current_request_context()
    if actor is None and context is not None:
        user = getattr(context.request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if target is not None:
        target_type, target_ref = describe_target(target)
    if context is not None and context.api_token_id is not None:
        # A leaked token's every use can then be found: the auditor searches for it.
        detail = {**(detail or {}), "api_token": context.api_token_id}
    # Store exactly what JSON round-trips to, so the hash is computed over what is read back.
    detail = json.loads(json.dumps(storable(detail or {}), allow_nan=False))

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        event = AuditEvent(  # type: ignore[misc]  # actor is AUTH_USER_MODEL, not imported here
            seq=seq,
            occurred_at=timezone.now(),
            actor=actor,
            actor_username=fitted(actor.get_username() if actor is not None else "", "actor_username"),
            action=action,
            target_type=fitted(target_type, "target_type"),
            target_ref=fitted(str(target_ref), "target_ref"),
            outcome=outcome,
            request_id=context.request_id if context else "",
            ip_address=normalise_ip(context.ip_address) if context else None,
            user_agent=fitted(context.user_agent if context else "", "user_agent"),
            detail=detail,
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    if context is not None:
        context.events_recorded += 1
    return event


def storable(value: Any) -> Any:
    """`value` with every string made storable in PostgreSQL, visibly: a NUL or a lone surrogate (which
    text and jsonb columns refuse) becomes its escape, so a probe made of them is still recorded."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


def fitted(value: str, column: str) -> str:
    """`value` storable and cut to the column's length, marked when cut: `…#` and 8 hex digits of its
    SHA-256, so that an over-long identifier is still recorded and different ones stay distinct."""
    value = storable(value)
    limit = getattr(AuditEvent._meta.get_field(column), "max_length", None) or len(value)
    if len(value) <= limit:
        return value
    mark = "…#" + hashlib.sha256(value.encode()).hexdigest()[:8]
    return value[: limit - len(mark)] + mark


def search_term_digest(term: str) -> str:
    """A keyed hash of a free-text search, recorded instead of the words.

    Staff may type protected details (a patient's name) into a search; the trail must not then
    hold them in clear. Whoever holds AUDIT_HMAC_KEY can still confirm that a given term was
    searched for by hashing it the same way (case and surrounding spaces ignored).
    """
    key = hmac.new(settings.AUDIT_HMAC_KEY.encode(), b"search terms", hashlib.sha256).digest()
    return hmac.new(key, " ".join(term.split()).lower().encode(), hashlib.sha256).hexdigest()


def shown_references(*groups: Iterable[object]) -> list[str]:
    """The references of the cases a page listed, for its read event.

    "Who saw this investigation" includes everyone whose list or dashboard showed its title, so
    list pages record what they listed. `groups` are iterables of objects with a `reference`, of
    objects with an `investigation`, or dicts of such iterables (a dashboard summary).
    """
    references = set()
    for group in groups:
        for item in group.values() if isinstance(group, dict) else group:
            if isinstance(item, list):
                references.update(shown_references(item))
            elif (case := getattr(item, "investigation", item)) is not None and hasattr(case, "reference"):
                references.add(case.reference)
    return sorted(references)


def describe_target(obj: Model) -> tuple[str, str]:
    """(type, reference) naming an object in the audit trail without exposing its content."""
    reference = getattr(obj, "reference", None) or obj.pk
    return obj._meta.label_lower, str(reference)
