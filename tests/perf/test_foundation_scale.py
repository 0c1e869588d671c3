"""Scale of the two chokepoints every request goes through: `visible_to` and the audit append.

Targets: the query count does not depend on the number of rows, and the larger size's median time
is within 1.5x of the smaller one's.
"""

import itertools

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent
from audit.services import chain_waiting_events, record_event
from referrals.models import Referral, ReferralUserObjectPermission
from tests.factories import make_user
from tests.perf.conftest import add_referrals, measure, report

MAX_RATIO = 1.5
GRANTED_PER_INVESTIGATOR = 20


def grant(users, referrals, permission) -> None:
    ReferralUserObjectPermission.objects.bulk_create(
        ReferralUserObjectPermission(user=user, permission=permission, content_object=referral)
        for user, referral in zip(itertools.cycle(users), referrals, strict=False)
    )


@pytest.mark.django_db
def test_investigator_list_does_not_slow_with_the_number_of_referrals():
    permission = Permission.objects.get(codename="view_referral")
    investigator = make_user("bench_investigator", Role.INVESTIGATOR)
    colleagues = [make_user("colleague%s" % n, Role.INVESTIGATOR) for n in range(50)]

    def first_page():
        return list(Referral.objects.visible_to(investigator)[:25])

    rows = []
    for total in (1_000, 100_000):
        existing = Referral.objects.count()
        referrals = add_referrals(total - existing)
        if existing == 0:
            grant([investigator], referrals[:GRANTED_PER_INVESTIGATOR], permission)
        grant(colleagues, referrals[GRANTED_PER_INVESTIGATOR:], permission)  # everyone else's grants too
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE referrals_referral; ANALYZE referrals_referraluserobjectpermission")
        seconds, queries = measure(first_page)
        assert len(first_page()) == GRANTED_PER_INVESTIGATOR
        rows.append(("%d referrals" % total, seconds, queries))
    report("visible_to: an investigator's first page", rows)
    (_, small, small_queries), (_, large, large_queries) = rows
    assert small_queries == large_queries
    assert large <= small * MAX_RATIO, "%.2fx slower at 100,000 referrals" % (large / small)


def bulk_append_chain(count: int) -> None:
    """Extend the chain with `count` events quickly: inserted in bulk, then chained by the chainer."""
    now = timezone.now()
    batch = [
        AuditEvent(occurred_at=now, action=AuditAction.DASHBOARD_VIEWED, outcome=Outcome.ALLOWED, detail={})
        for _ in range(count)
    ]
    AuditEvent.objects.bulk_create(batch, batch_size=5000)
    while chain_waiting_events():
        pass


@pytest.mark.django_db
def test_audit_append_does_not_slow_with_the_length_of_the_chain():
    def append():
        record_event(AuditAction.DASHBOARD_VIEWED, detail={"bench": True})

    rows = []
    for total in (1_000, 100_000):
        bulk_append_chain(total - AuditEvent.objects.count())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")
        seconds, queries = measure(append, repeats=200)
        rows.append(("chain of %d events" % total, seconds, queries))
    report("record_event: one append", rows)
    (_, small, small_queries), (_, large, large_queries) = rows
    assert small_queries == large_queries
    assert large <= small * MAX_RATIO, "%.2fx slower with 100,000 events" % (large / small)
