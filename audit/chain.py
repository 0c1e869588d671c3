"""The audit chain: one canonical form per event, an HMAC over it, and the check that walks the chain.

The canonical form is JSON with sorted keys, no whitespace, UTF-8, timestamps in UTC with
microseconds, and addresses in compressed form. It includes `seq` and `prev_hash`, so altering,
removing, inserting or reordering any row breaks the chain at that row.
"""

import functools
import hashlib
import hmac
import ipaddress
import json
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.backends.utils import CursorWrapper

GENESIS_HASH = "0" * 64


# Built once: json.dumps with keyword arguments would build a new encoder per event.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_quote = json.encoder.encode_basestring  # the C string escaper json.dumps uses with ensure_ascii=False


def _canonical(
    seq: int,
    occurred_at: str,
    actor_id: int | None,
    actor_username: str,
    action: str,
    target_type: str,
    target_ref: str,
    outcome: str,
    request_id: str,
    ip: str | None,
    agent: str,
    detail: dict[str, Any],
    prev: str,
) -> bytes:
    """Exactly `json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, written out.

    Spelled out (keys in sorted order, strings through json's own C escaping) because this runs for
    every event when the chain is checked; tests/audit/test_chain.py holds it to the json.dumps form.
    """
    return (
        '{"action":%s,"actor_id":%s,"actor_username":%s,"detail":%s,"ip_address":%s,"occurred_at":%s,'
        '"outcome":%s,"prev_hash":%s,"request_id":%s,"seq":%d,"target_ref":%s,"target_type":%s,"user_agent":%s}'
        % (
            _quote(action),
            "null" if actor_id is None else "%d" % actor_id,
            _quote(actor_username),
            _ENCODER.encode(detail) if detail else "{}",
            "null" if ip is None else _quote(ip),
            _quote(occurred_at),
            _quote(outcome),
            _quote(prev),
            _quote(request_id),
            seq,
            _quote(target_ref),
            _quote(target_type),
            _quote(agent),
        )
    ).encode()


@functools.lru_cache(maxsize=65536)
def normalise_ip(value: str | None) -> str | None:
    return None if value in (None, "") else ipaddress.ip_address(str(value)).compressed


def keyed_hmac() -> hmac.HMAC:
    key = settings.AUDIT_HMAC_KEY
    if not key:
        raise RuntimeError("AUDIT_HMAC_KEY is not configured; the audit chain cannot be written or checked.")
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


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
    first_prev_hash: str | None = None  # what the first event checked links back to

    @property
    def intact(self) -> bool:
        return self.first_break is None


# The canonical fields straight from SQL, in `_canonical`'s order, then the stored hash: PostgreSQL
# formats the timestamp exactly as Python's isoformat in UTC, and rows are tuples, not model instances.
# An event `e`'s recorded content, then with its `link` around it.
EVENT_COLUMNS = """
to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), e.actor_id, e.actor_username,
e.action, e.target_type, e.target_ref, e.outcome, e.request_id, host(e.ip_address), e.user_agent, e.detail::text
"""
CHAIN_COLUMNS = "link.seq, %s, link.prev_hash, link.hash" % EVENT_COLUMNS
CHAIN_ROWS_SQL = (
    "SELECT %s FROM audit_chainlink AS link JOIN audit_auditevent AS e ON e.id = link.event_id"  # noqa: S608
    " WHERE link.seq BETWEEN %%s AND %%s ORDER BY link.seq" % CHAIN_COLUMNS
)
_EMPTY_DETAIL: dict = {}


def row_content(row: tuple) -> bytes:
    """The canonical form of a CHAIN_COLUMNS row (its seq and prev_hash as given in the row)."""
    seq, occurred_at, actor_id, username, action, target_type, target_ref, outcome, request_id = row[:9]
    ip, agent, detail, prev_hash = row[9:13]
    return _canonical(
        seq,
        occurred_at,
        actor_id,
        username,
        action,
        target_type,
        target_ref,
        outcome,
        request_id,
        normalise_ip(ip),
        agent,
        _EMPTY_DETAIL if detail == "{}" else json.loads(detail),
        prev_hash,
    )


def keyed_hash(keyed: hmac.HMAC, content: bytes) -> str:
    mac = keyed.copy()
    mac.update(content)
    return mac.hexdigest()


def chain_rows(cursor: CursorWrapper, first: int = 1, last: int = 2**62, batch: int = 10_000) -> Iterator[tuple]:
    """Events `first`..`last` as CHAIN_ROWS_SQL rows, in batches through `cursor` (a server-side cursor)."""
    cursor.execute(CHAIN_ROWS_SQL, [first, last])
    while rows := cursor.fetchmany(batch):
        yield from rows


def verify_chain(rows: Iterable[tuple], first_seq: int = 1, expected_prev: str | None = GENESIS_HASH) -> ChainReport:
    """Walk CHAIN_ROWS_SQL rows in `seq` order from `first_seq` and report the first one that breaks the chain.

    `expected_prev=None` checks a later stretch on its own: its first link is reported
    (`first_prev_hash`) for the caller to match with the end of the stretch before it.
    """
    keyed = keyed_hmac()
    expected_seq = first_seq
    checked = 0
    last = None
    first_prev = None
    for row in rows:
        seq, prev_hash, stored_hash = row[0], row[12], row[13]
        checked += 1
        if seq != expected_seq:
            reason = "expected seq %s here: an event is missing or out of order" % expected_seq
            return ChainReport(checked, ChainBreak(seq, reason), None, None)
        if checked == 1:
            first_prev = prev_hash
            expected_prev = prev_hash if expected_prev is None else expected_prev
        if prev_hash != expected_prev:
            return ChainReport(checked, ChainBreak(seq, BROKEN_LINK), None, None)
        if not hmac.compare_digest(stored_hash, keyed_hash(keyed, row_content(row))):
            return ChainReport(checked, ChainBreak(seq, "content does not match its hash (altered)"), None, None)
        expected_seq, expected_prev = seq + 1, stored_hash
        last = (seq, stored_hash)
    return ChainReport(checked, None, last[0] if last else None, last[1] if last else None, first_prev)


WORKER_GRACE_SECONDS = 60
BROKEN_LINK = "previous-hash link does not match the preceding event (removed, inserted or reordered)"


def verify_stored_chain() -> ChainReport:
    """Check the whole stored chain: in stretches on several processes when it is long, else here.

    Checking is CPU-bound Python (an HMAC per event), so a long chain is split into one stretch per
    core (AUDIT_VERIFY_WORKERS), each on its own connection; the joins between stretches are checked
    here. Inside a transaction (a test, a caller's atomic block) it runs here, on this connection.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(seq), 0) FROM audit_chainlink")
        (head,) = cursor.fetchone()
    workers = max(1, settings.AUDIT_VERIFY_WORKERS)
    if workers == 1 or head < settings.AUDIT_VERIFY_PARALLEL_FROM or connection.in_atomic_block:
        return _verify_stretch(1, 2**62)
    size = -(-head // workers)
    stretches = [(first, first + size - 1) for first in range(1, head + 1, size)]
    stretches[-1] = (stretches[-1][0], 2**62)  # the last one also reads anything appended meanwhile
    connections.close_all()  # forked workers must not share this process's database connection
    pool = multiprocessing.get_context("fork").Pool(len(stretches))
    pending = pool.starmap_async(_verify_in_worker, stretches)
    try:
        # Far slower than checking runs even on one core: a worker is stuck, so check here instead.
        reports = pending.get(timeout=WORKER_GRACE_SECONDS + head / 10_000)
    except multiprocessing.TimeoutError:
        pool.terminate()
        return _verify_stretch(1, 2**62)
    # Finished workers are told to leave. Terminating them (what `with Pool` does on exit) kills a
    # worker that may be holding the task queue's lock: once (under pytest-xdist) another worker then
    # waited for that lock for ever, and so did the join.
    pool.close()
    pool.join()
    return _joined(stretches, reports)


def _verify_stretch(first: int, last: int) -> ChainReport:
    with connection.chunked_cursor() as cursor:
        return verify_chain(chain_rows(cursor, first, last), first, GENESIS_HASH if first == 1 else None)


def _verify_in_worker(first: int, last: int) -> ChainReport:
    try:
        return _verify_stretch(first, last)
    finally:
        connections.close_all()


def _joined(stretches: list[tuple[int, int]], reports: list[ChainReport]) -> ChainReport:
    checked = 0
    previous: ChainReport | None = None
    for (first, last), report in zip(stretches, reports, strict=True):
        checked += report.events_checked
        if report.first_break is not None:
            return ChainReport(checked, report.first_break, None, None)
        if previous is not None and report.events_checked and report.first_prev_hash != previous.head_hash:
            return ChainReport(checked, ChainBreak(first, BROKEN_LINK), None, None)
        if report.head_seq != last and last != 2**62:
            seq = (report.head_seq or first - 1) + 1
            reason = "expected seq %s here: an event is missing or out of order" % seq
            return ChainReport(checked, ChainBreak(seq, reason), None, None)
        previous = report
    return ChainReport(checked, None, reports[-1].head_seq, reports[-1].head_hash)


def events_outside_chain() -> int:
    """Events neither linked into the chain nor queued to be: only an insert around the triggers makes one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM audit_auditevent AS e"
            " WHERE NOT EXISTS (SELECT FROM audit_chainlink AS link WHERE link.event_id = e.id)"
            " AND NOT EXISTS (SELECT FROM audit_unchainedevent AS waiting WHERE waiting.event_id = e.id)"
        )
        return cursor.fetchone()[0]
