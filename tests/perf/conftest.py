"""Benchmarks: run by `make bench`, never by `make test`. Each compares two sizes in one run."""

import statistics
import time

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


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
