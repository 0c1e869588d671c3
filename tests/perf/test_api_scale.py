"""The API at scale: an investigator pages through 10,000 investigations, a partner system sends 1,000 concerns.

Targets (issue 8):
- every page of the 10,000-investigation list costs the same number of queries, and the last
  pages' median request is within 1.5x of the first pages' (cursor pages read one index range);
- machine intake of 1,000 concerns: the same number of queries for each, and the median of the
  second five hundred within 1.5x of the first five hundred's (nothing grows with the table).

The investigator sees the 10,000 through need-to-know grants (the costlier path of `visible_to`)
among 15,000 investigations. Requests are whole API calls through Django's test client with a
bearer token, so authentication, throttling and the audit events are all in the figures.
"""

import json
import statistics
import time

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from accounts.tokens import create_token
from referrals.models import Referral
from referrals.services import create_service_account
from tests.api.conftest import bearer
from tests.api.test_api import concern
from tests.factories import make_user
from tests.perf.test_investigation_scale import add_investigations, put_on_team

MAX_RATIO = 1.5
VISIBLE, OTHERS = 10_000, 5_000
PAGE_SIZE = 100
CONCERNS = 1_000
HALF = CONCERNS // 2


# The limiter clears old counters on the first request of each minute: a query of the clock, not the page.
THROTTLE_CLEANUP = 'DELETE FROM "referrals_ratelimitcounter"'


def timed(call):
    """(seconds, queries, response) of one request."""
    reset_queries()  # a request empties the log as it starts: count from an empty one
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = call()
        seconds = time.perf_counter() - start
    queries = sum(1 for query in captured if not query["sql"].startswith(THROTTLE_CLEANUP))
    return seconds, queries, response


@pytest.mark.django_db
def test_paging_through_ten_thousand_visible_investigations(settings):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000
    investigator = make_user("bench_api_investigator", Role.INVESTIGATOR)
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="casework", codename__in=["view_investigation", "work_on_investigation"]
        )
    )
    mine = add_investigations(VISIBLE, 1)
    put_on_team(investigator, mine, permissions, investigator)
    add_investigations(OTHERS, VISIBLE + 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    token = create_token(investigator, name="bench", scopes=["read"], days=1)[1]
    client = Client()

    def page_through():
        url, pages = "/api/v1/investigations/?page_size=%s" % PAGE_SIZE, []
        while url:
            seconds, queries, response = timed(lambda url=url: client.get(url, **bearer(token)))
            assert response.status_code == 200
            body = json.loads(response.content)
            pages.append((seconds, queries, len(body["results"])))
            url = body["next"]
        return pages

    page_through()  # warm-up
    runs = [page_through() for _ in range(3)]
    pages = len(runs[0])
    assert pages == VISIBLE // PAGE_SIZE
    assert sum(rows for _, _, rows in runs[0]) == VISIBLE
    query_counts = {queries for run in runs for _, queries, _ in run}
    first = statistics.median(seconds for run in runs for seconds, _, _ in run[:10])
    last = statistics.median(seconds for run in runs for seconds, _, _ in run[-10:])
    every = statistics.median(seconds for run in runs for seconds, _, _ in run)
    print(
        "\nAPI investigation list, %s visible of %s, %s pages of %s (3 runs)"
        % (VISIBLE, VISIBLE + OTHERS, pages, PAGE_SIZE)
    )
    print(
        "  median per page: all %.1f ms, first ten %.1f ms, last ten %.1f ms (%.2fx)"
        % (every * 1000, first * 1000, last * 1000, last / first)
    )
    print("  queries per page: %s" % sorted(query_counts))
    assert len(query_counts) == 1, "the query count changes from page to page: %s" % sorted(query_counts)
    assert last / first <= MAX_RATIO


@pytest.mark.django_db
def test_machine_intake_of_a_thousand_concerns(settings):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000
    _, token = create_service_account("bench-partner", days=1)
    client = Client()
    body = json.dumps(concern())
    results = []
    for _ in range(CONCERNS):
        seconds, queries, response = timed(
            lambda: client.post("/api/v1/intake/referrals/", body, content_type="application/json", **bearer(token))
        )
        assert response.status_code == 201
        results.append((seconds, queries))
    assert Referral.objects.count() == CONCERNS
    first = statistics.median(seconds for seconds, _ in results[:HALF])
    last = statistics.median(seconds for seconds, _ in results[HALF:])
    every = statistics.median(seconds for seconds, _ in results)
    query_counts = {queries for _, queries in results[1:]}
    print("\nAPI machine intake, %s concerns through one service-account token" % CONCERNS)
    print(
        "  median per create: all %.1f ms, first %s %.1f ms, last %s %.1f ms (%.2fx)"
        % (every * 1000, HALF, first * 1000, HALF, last * 1000, last / first)
    )
    print("  queries per create: %s" % sorted(query_counts))
    assert len(query_counts) == 1, "the query count changes between creates: %s" % sorted(query_counts)
    assert last / first <= MAX_RATIO
