"""The intake queue at 1,000 and 100,000 referrals: its first page and a search, as a full request.

Targets (issue 3): the query count does not grow with the number of rows, and the 100,000-row median
is within 1.5x of the 1,000-row median.
"""

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import StaffClient, make_user
from tests.perf.conftest import add_referrals, measure, report

MAX_RATIO = 1.5
RARE_TERM_ROWS = 20  # a specific search: the same number of matches whatever the queue's size


@pytest.mark.django_db
def test_intake_queue_first_page_and_search_do_not_slow_with_size():
    client = StaffClient()
    client.force_login(make_user("bench_intake", Role.INTAKE_OFFICER))
    queue = reverse("referrals:list")

    def first_page():
        assert client.get(queue).status_code == 200

    def search():
        response = client.get(queue, {"q": "ventilator alarms", "state": "received"})
        assert response.status_code == 200

    def filtered():
        response = client.get(queue, {"care_setting": "hospital", "assignee": "none", "sort": "oldest"})
        assert response.status_code == 200

    rows: dict[str, list] = {}
    for total in (1_000, 100_000):
        current = 0 if not rows else 1_000
        add_referrals(total - current - RARE_TERM_ROWS * (0 if rows else 1))
        if not rows:
            add_referrals(RARE_TERM_ROWS, description="Ventilator alarms were silenced and not reset on the unit.")
        for name, operation in (("first page", first_page), ("search", search), ("filtered", filtered)):
            rows.setdefault(name, []).append(("%s, %d referrals" % (name, total), *measure(operation, repeats=20)))
    for name, measured in rows.items():
        report("intake queue: %s" % name, measured)
    for name, ((_, small, small_queries), (_, large, large_queries)) in rows.items():
        assert small_queries == large_queries, name
        assert large <= small * MAX_RATIO, "%s: %.2fx slower at 100,000 referrals" % (name, large / small)
