"""The auditor's searches at 50,000 and 5,000,000 events, the cost of auditing a page, and chain checking.

Targets (issue 7):
- the median of each common search (one user over a month, one investigation over all time,
  denied events last week), as a whole request to the audit page, is at most 1.5x slower at
  5,000,000 events than at 50,000;
- recording the audit events of a typical page view adds at most 15% to its time (the same page
  with and without the events, in the same run, each request committed);
- `verify_audit_chain` checks at least 100,000 events per second.

The trail grows at a steady rate (about 13,700 events a day, 5,000,000 in a year): the 50,000-event
trail is its first three and a half days, so "last week" and "last month" are counted back from the
newest event. Half of all events are by 50 busy staff, a tenth are lists naming ten cases they showed.
"""

import statistics
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from audit import services as audit_services
from audit.models import AuditEvent
from casework.models import Investigation
from tests.factories import StaffClient, make_user
from tests.perf.conftest import measure, report
from tests.perf.test_foundation_scale import bulk_append_chain

MAX_SEARCH_RATIO = 1.5
MAX_AUDIT_OVERHEAD = 1.15
MIN_EVENTS_PER_SECOND = 100_000
SMALL, LARGE = 50_000, 5_000_000
SECONDS_PER_EVENT = 365 * 24 * 3600 / LARGE
BUSY_USERS, USERS = 50, 2_000
INVESTIGATIONS = 20_000

INSERT_EVENTS = """
INSERT INTO audit_auditevent (id, occurred_at, actor_id, actor_username, action, target_type, target_ref,
                              outcome, request_id, ip_address, user_agent, detail)
SELECT s,
       %(start)s::timestamptz + make_interval(secs => s * %(step)s),
       NULL,
       CASE WHEN s %% 2 = 0 THEN 'busy' || lpad(((s / 2) %% %(busy)s)::text, 3, '0')
            ELSE 'staff' || lpad(((s * 7919) %% %(users)s)::text, 4, '0') END,
       (ARRAY['investigation.viewed', 'investigation.content_viewed', 'referral.viewed', 'evidence.downloaded',
              'page.request', 'referral.queue_viewed', 'investigation.list_viewed', 'auth.login',
              'investigation.note_added', 'page.form_opened'])[1 + s %% 10],
       CASE WHEN s %% 3 = 0 THEN 'casework.investigation' ELSE 'referrals.referral' END,
       CASE WHEN s %% 3 = 0 THEN 'INV-2026-' || lpad(((s * 31) %% %(investigations)s)::text, 5, '0')
            ELSE 'REF-2026-' || lpad(((s * 17) %% 200000)::text, 6, '0') END,
       CASE WHEN s %% 50 = 7 THEN 'denied' ELSE 'allowed' END,
       substr(md5(s::text), 1, 32),
       ('10.' || (s %% 7) || '.' || ((s / 7) %% 256) || '.' || ((s * 13) %% 250 + 1))::inet,
       'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0',
       CASE WHEN s %% 10 IN (5, 6) THEN jsonb_build_object('page', 1, 'shown', (
                SELECT jsonb_agg('INV-2026-' || lpad((((s + k * 97) * 31) %% %(investigations)s)::text, 5, '0'))
                FROM generate_series(0, 9) AS k))
            ELSE '{}'::jsonb END
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS s
"""


def add_events(first: int, last: int, start) -> None:
    """Events `first`..`last` of the steady-rate trail (bulk SQL, outside the chain: the search never reads it)."""
    for low in range(first, last + 1, 500_000):
        high = min(low + 499_999, last)
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT_EVENTS,
                {
                    "start": start,
                    "step": SECONDS_PER_EVENT,
                    "busy": BUSY_USERS,
                    "users": USERS,
                    "investigations": INVESTIGATIONS,
                    "first": low,
                    "last": high,
                },
            )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_unchainedevent WHERE event_id BETWEEN %s AND %s", [first, last])
        cursor.execute("SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), %s)", [last])
        cursor.execute("VACUUM ANALYZE audit_auditevent")


def searches(newest) -> dict[str, dict]:
    """The auditor's common searches, as the audit page's query strings."""
    last_day = timezone.localtime(newest).date()
    return {
        "one user, last month": {
            "user": "busy007",
            "date_from": (last_day - timedelta(days=30)).isoformat(),
            "date_to": last_day.isoformat(),
        },
        "one investigation, all time": {"target": "INV-2026-00042"},
        "denied, last week": {
            "outcome": "denied",
            "date_from": (last_day - timedelta(days=7)).isoformat(),
            "date_to": last_day.isoformat(),
        },
    }


@pytest.mark.django_db(transaction=True)
def test_auditor_searches_at_five_million_events_stay_within_1_5x_of_fifty_thousand(migrated_data):
    from accounts.roles import Role

    auditor = make_user("bench_auditor", Role.AUDITOR)
    Investigation.objects.create(reference="INV-2026-00042", title="Searched case")
    client = StaffClient()
    client.force_login(auditor)
    start = timezone.now() - timedelta(seconds=SECONDS_PER_EVENT * LARGE)
    url = reverse("audit:event_list")

    def search(query):
        response = client.get(url, query)
        assert response.status_code == 200
        return response

    results: dict[str, list] = {}
    bulk_events = 0
    for size in (SMALL, LARGE):
        # The searches' own events take the next numbers: the bulk trail continues after them.
        first = (AuditEvent.objects.aggregate(newest=Max("id"))["newest"] or 0) + 1
        add_events(first, first + size - bulk_events - 1, start)
        newest = (
            AuditEvent.objects.filter(id=first + size - bulk_events - 1).values_list("occurred_at", flat=True).get()
        )
        bulk_events = size
        for name, query in searches(newest).items():
            shown = len(search(query).context["events"])
            seconds, queries = measure(lambda query=query: search(query), repeats=25)
            label = "%s events (%d shown)" % (f"{size:,}", shown)
            results.setdefault(name, []).append((label, seconds, queries))
    for name, rows in results.items():
        report("Audit search: %s (whole request)" % name, rows)
    for name, ((_, small, small_queries), (_, large, large_queries)) in results.items():
        assert small_queries == large_queries, name
        assert large <= small * MAX_SEARCH_RATIO, "%s: %.2fx slower at 5,000,000 events" % (name, large / small)


def auditing_switched_off() -> ExitStack:
    """Every module's `record_event` replaced by a no-op: the same page with no audit events at all."""
    stack = ExitStack()
    original = audit_services.record_event
    for module in list(sys.modules.values()):
        if getattr(module, "record_event", None) is original:
            stack.enter_context(mock.patch.object(module, "record_event", return_value=None))
    return stack


@pytest.mark.django_db(transaction=True)
def test_recording_a_page_views_events_adds_at_most_15_percent(migrated_data, evidence_storage):
    from accounts.roles import Role
    from casework import services as casework_services
    from tests.factories import make_referral

    director = make_user("bench_director", Role.DIRECTOR)
    lead = make_user("bench_lead", Role.INVESTIGATOR)
    intake = make_user("bench_intake", Role.INTAKE_OFFICER)
    investigation = casework_services.start_scoping(
        Investigation.objects.create(reference="INV-2026-0900", title="Bench case"), actor=director, lead=lead
    )
    for n in range(10):
        casework_services.add_note(investigation, "Journal entry %d about the night shift." % n, actor=lead)
    referral = make_referral()
    bulk_append_chain(100_000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    pages = {
        "investigation journal (team, 2 events)": (lead, reverse("casework:journal", args=[investigation.reference])),
        "referral page (intake, 2 events)": (intake, referral.get_absolute_url()),
    }
    rows = []
    for label, (user, url) in pages.items():
        client = StaffClient()
        client.force_login(user)

        def view(client=client, url=url):
            assert client.get(url).status_code == 200

        with_events, without = [], []
        before = AuditEvent.objects.count()
        view()
        assert AuditEvent.objects.count() - before >= 2, "the audited page must write its events"
        with auditing_switched_off():
            before = AuditEvent.objects.count()
            view()
            assert AuditEvent.objects.count() == before, "the unaudited page must write none"
        for _ in range(60):  # alternate, so that drift on a shared machine hits both alike
            began = time.perf_counter()
            view()
            with_events.append(time.perf_counter() - began)
            with auditing_switched_off():
                began = time.perf_counter()
                view()
                without.append(time.perf_counter() - began)
        audited, bare = statistics.median(with_events), statistics.median(without)
        rows.append((label, audited, bare))
    print("\nAudit overhead on a page view (median of 60, each request committed)")
    for label, audited, bare in rows:
        print("  %-38s with %7.2f ms  without %7.2f ms  = %.3fx" % (label, audited * 1000, bare * 1000, audited / bare))
    for label, audited, bare in rows:
        assert audited <= bare * MAX_AUDIT_OVERHEAD, "%s: auditing adds %.0f%%" % (label, (audited / bare - 1) * 100)


@pytest.mark.django_db(transaction=True)
def test_verify_audit_chain_checks_at_least_100000_events_per_second(migrated_data, capsys):
    count = 500_000
    bulk_append_chain(count)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    began = time.perf_counter()
    call_command("verify_audit_chain")
    seconds = time.perf_counter() - began
    assert "Audit chain intact" in capsys.readouterr().out
    rate = count / seconds
    print("\nverify_audit_chain: %s events in %.2f s = %s events/s" % (f"{count:,}", seconds, f"{rate:,.0f}"))
    assert rate >= MIN_EVENTS_PER_SECOND
