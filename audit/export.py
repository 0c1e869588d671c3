"""The audit trail as rows: the columns an export holds, for the auditors' CSV and the API alike."""

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from audit.models import AuditEvent

CSV_COLUMNS = [
    "id",
    "seq",
    "occurred_at",
    "actor_username",
    "action",
    "target_type",
    "target_ref",
    "outcome",
    "ip_address",
    "request_id",
    "detail",
]
# Where each column comes from: an event's place in the chain is its link's.
SOURCES = {"seq": "link__seq"}
# Rows fetched from the database at a time while an export streams.
ROWS_PER_READ = 2000


def event_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """Each event of `events` as a list of CSV_COLUMNS cells, read from the database in chunks."""
    values = events.values_list(*[SOURCES.get(column, column) for column in CSV_COLUMNS]).iterator(
        chunk_size=ROWS_PER_READ
    )
    return (
        [event_id, seq, occurred_at.isoformat(), *middle, json.dumps(detail, sort_keys=True)]
        for event_id, seq, occurred_at, *middle, detail in values
    )
