"""Recording audit events: the one way anything is written to the audit trail."""

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, Min, Model
from django.utils import timezone

from audit.chain import EVENT_COLUMNS, GENESIS_HASH, keyed_hash, keyed_hmac, normalise_ip, row_content
from audit.choices import AuditAction, Outcome
from audit.context import current_request_context
from audit.models import AuditEvent, UnchainedEvent

logger = logging.getLogger(__name__)

# Only one process chains at a time: the key of a transaction-level PostgreSQL advisory lock, taken
# only by the chainer, only with try, and never inside a service's transaction.
CHAIN_LOCK_KEY = 0x41554449  # "AUDI"
# Events chained per transaction of the chainer, and rounds it chains before leaving the rest to others.
CHAIN_BATCH = 1000
CHAIN_ROUNDS = 20
# Threads of one process (a threaded server, a benchmark) try this before the database's lock.
_chaining_in_this_process = threading.Lock()


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
    """Record an event in the caller's transaction, so it commits or rolls back with it.

    `actor` defaults to the signed-in user of the current request; `target` is a model instance
    (its `reference` if it has one, else its primary key) or use `target_type`/`target_ref`.
    The event is inserted unchained, taking no lock; it is chained moments after the transaction
    commits (`chain_waiting_events`, by the chainer process or, with AUDIT_CHAIN_AFTER_COMMIT, by
    this one), so recording never makes one request wait for another.
    """
    context = current_request_context()
    if actor is None and context is not None:
        user = getattr(context.request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    # Someone with no staff account acting through the portal: named by their reference, never their details.
    outside_actor = getattr(context.request, "outside_actor", "") if context is not None and actor is None else ""
    if target is not None:
        target_type, target_ref = describe_target(target)
    if context is not None and context.api_token_id is not None:
        # A leaked token's every use can then be found: the auditor searches for it.
        detail = {**(detail or {}), "api_token": context.api_token_id}
    # Store exactly what JSON round-trips to, so the hash is computed over what is read back.
    detail = json.loads(json.dumps(storable(detail or {}), allow_nan=False))
    event = AuditEvent(  # type: ignore[misc]  # actor is AUTH_USER_MODEL, not imported here
        occurred_at=timezone.now(),
        actor=actor,
        actor_username=fitted(actor.get_username() if actor is not None else outside_actor, "actor_username"),
        action=action,
        target_type=fitted(target_type, "target_type"),
        target_ref=fitted(str(target_ref), "target_ref"),
        outcome=outcome,
        request_id=context.request_id if context else "",
        ip_address=normalise_ip(context.ip_address) if context else None,
        user_agent=fitted(context.user_agent if context else "", "user_agent"),
        detail=detail,
    )
    event.save(force_insert=True)
    if settings.AUDIT_CHAIN_AFTER_COMMIT:
        _chain_after_commit()
    if context is not None:
        context.events_recorded += 1
    return event


def _chain_after_commit() -> None:
    """Chain once after this transaction commits (at once when there is none), however many events it records."""
    connection = transaction.get_connection()
    if not any(callback is chain_waiting_events for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(chain_waiting_events, robust=True)


def chain_continuously(stop: threading.Event, poll_seconds: float) -> None:
    """The chainer process's loop, until `stop` is set: every `poll_seconds`, chain what has gathered.

    A process of its own, so that chaining's CPU is not taken from the processes serving requests.
    It chains at once again only after a full batch; otherwise it lets events gather for
    `poll_seconds`, since many small batches cost the database more than a few large ones. Several
    may run (one per machine): the chain lock lets one chain at a time.
    """
    try:
        while not stop.is_set():
            try:
                with _chaining_in_this_process:
                    chained = _chain_batch_if_free()
            except DatabaseError:
                logger.exception("Chaining audit events failed; trying again.")
                connection.close()
                chained = None
            if chained != CHAIN_BATCH:
                stop.wait(poll_seconds)
    finally:
        connection.close()


def chain_waiting_events() -> int:
    """Give every committed event still waiting its place in the chain, oldest first; return how many.

    Runs in the chainer process (`chain_continuously`), and after each commit that recorded events
    where AUDIT_CHAIN_AFTER_COMMIT is on. It cannot deadlock: the chain lock is the only
    lock it takes, no service's transaction takes it, and while holding it the chainer updates only
    unchained rows, which nothing else locks. It makes nobody wait either: the lock is only ever
    tried (first among this process's threads, then in the database), and a chainer that finds it
    taken leaves its events to the holder, who looks again after letting go, so no event committed
    while the lock was held is missed. An event waits longer only while no chainer runs:
    `unchained_overdue` reports any that waited.
    """
    chained, refused = 0, False
    for _ in range(CHAIN_ROUNDS):
        if not _chaining_in_this_process.acquire(blocking=False):
            break  # the thread holding it looks at the queue after letting go
        try:
            batch = _chain_batch_if_free()
        finally:
            _chaining_in_this_process.release()
        if batch is None and refused:
            # Refused again after the waiting events were seen committed: the process holding the
            # lock looks at the queue after letting go, later than that.
            break
        refused = batch is None
        chained += batch or 0
        # Look again even after a refusal: a thread refused this process's lock meanwhile left its
        # events to this one, and the other process may have looked before they were committed.
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT FROM audit_unchainedevent)")
            if not cursor.fetchone()[0]:
                break
    return chained


def _chain_batch_if_free() -> int | None:
    """Chain a batch if no other process is chaining (None if one is).

    Out of a transaction the lock is a session lock, let go once the batch has committed: a
    chainer that is refused then costs one round trip. Inside one (a test, a command's block) it is
    the transaction's own, so that no one chains on top of this batch before it commits.
    """
    in_transaction = connection.in_atomic_block
    with connection.cursor() as cursor:
        lock = "pg_try_advisory_xact_lock" if in_transaction else "pg_try_advisory_lock"
        cursor.execute("SELECT %s(%%s)" % lock, [CHAIN_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None
        try:
            with transaction.atomic():
                return _chain_batch(cursor)
        finally:
            if not in_transaction:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [CHAIN_LOCK_KEY])


def _chain_batch(cursor: CursorWrapper) -> int:
    """Link up to CHAIN_BATCH waiting events, oldest first, after the head; the caller holds the chain lock."""
    cursor.execute(
        "WITH taken AS (DELETE FROM audit_unchainedevent WHERE event_id IN"  # noqa: S608 - constants
        " (SELECT event_id FROM audit_unchainedevent ORDER BY event_id LIMIT %%s) RETURNING event_id),"
        " head AS (SELECT seq, hash FROM audit_chainlink ORDER BY seq DESC LIMIT 1)"
        " SELECT head.seq, head.hash, e.id, %s FROM taken JOIN audit_auditevent AS e ON e.id = taken.event_id"
        " LEFT JOIN head ON true ORDER BY e.id" % EVENT_COLUMNS,
        [CHAIN_BATCH],
    )
    rows = cursor.fetchall()
    if not rows:
        return 0
    seq, prev_hash = (rows[0][0] or 0), (rows[0][1] or GENESIS_HASH)
    keyed = keyed_hmac()
    with cursor.copy("COPY audit_chainlink (seq, event_id, prev_hash, hash) FROM STDIN") as copy:
        for _, _, event_id, *content in rows:
            seq += 1
            link_hash = keyed_hash(keyed, row_content((seq, *content, prev_hash)))
            copy.write_row((seq, event_id, prev_hash, link_hash))
            prev_hash = link_hash
    return len(rows)


def unchained_overdue() -> tuple[int, datetime | None]:
    """(how many events have waited longer than AUDIT_CHAIN_GRACE_SECONDS to be chained, the oldest's time)."""
    waiting = AuditEvent.objects.filter(
        id__in=UnchainedEvent.objects.values("event_id"),
        occurred_at__lt=timezone.now() - timedelta(seconds=settings.AUDIT_CHAIN_GRACE_SECONDS),
    ).aggregate(count=Count("id"), oldest=Min("occurred_at"))
    return waiting["count"], waiting["oldest"]


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
