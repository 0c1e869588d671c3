"""The auditors' CSV export of a million events streams in flat memory (moved out of `make test`: 30 s)."""

import psutil
import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import StaffClient

MAX_GROWTH = 64 * 1024 * 1024


@pytest.mark.django_db
def test_export_of_a_million_events_is_streamed_in_flat_memory(db, auditor):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_username, action, target_type, target_ref,"
            " outcome, request_id, user_agent, detail)"
            " SELECT now(), 'bulk', 'page.dashboard_viewed', '', '', 'allowed', '', '', '{}'"
            " FROM generate_series(1, 1000000) AS n"
        )
    client = StaffClient()
    client.force_login(auditor)
    response = client.post(reverse("audit:export"), {"user": "bulk"})
    process = psutil.Process()
    before = process.memory_info().rss
    lines, growth = 0, 0
    for chunk in response:
        lines += chunk.count(b"\n")
        if lines % 100_000 == 0:
            growth = max(growth, process.memory_info().rss - before)
    assert lines == 1_000_001
    assert growth < MAX_GROWTH, "memory grew by %s MiB while streaming" % (growth // (1024 * 1024))
    print("\nAudit export: %s rows streamed, memory grew by %.1f MiB" % (lines - 1, growth / 2**20))
