"""Benchmarks: run by `make bench`, never by `make test`. Each compares two sizes in one run."""

import itertools
import os
import statistics
import time
from datetime import timedelta

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.models import Referral
from tests.factories import referral_details

_reference_numbers = itertools.count(1)
STATES = ["received", "triage", "awaiting_info", "logged", "proposed", "signposted"]


def add_referrals(count: int, *, description: str | None = None) -> list[Referral]:
    """Bulk-insert realistic referrals (spread over states and dates) without the per-row services."""
    now = timezone.now()
    details = referral_details(reporter_name="", reporter_email="")
    if description is not None:
        details["description"] = description
    rows = []
    for n in range(count):
        number = next(_reference_numbers)
        received = now - timedelta(minutes=number)
        referral = Referral(
            **details, reference="REF-2026-%06d" % number, received_at=received, state_changed_at=received
        )
        referral.__dict__["state"] = STATES[n % len(STATES)]  # the protected FSM field, set before insert
        rows.append(referral)
    created = Referral.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")
    return created


def measure(operation, repeats: int = 30) -> tuple[float, int]:
    """(median seconds, queries per call) of `operation`, after one warm-up call."""
    operation()
    with CaptureQueriesContext(connection) as captured:
        operation()
    queries = len(captured)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        operation()
        timings.append(time.perf_counter() - start)
    reset_queries()
    return statistics.median(timings), queries


def report(title: str, rows: list[tuple[str, float, int]]) -> None:
    print("\n%s" % title)
    for label, seconds, queries in rows:
        print("  %-28s median %8.3f ms  %2d queries" % (label, seconds * 1000, queries))


def write_random_file(path, size: int) -> None:
    """Exactly `size` random bytes, written in 16 MiB pieces."""
    piece = 16 * 1024 * 1024
    with open(path, "wb") as handle:
        for start in range(0, size, piece):
            handle.write(os.urandom(min(piece, size - start)))
