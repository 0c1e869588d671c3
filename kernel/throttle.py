"""Fixed-window rate limits kept in PostgreSQL, so every worker process shares the same counts."""

import hashlib
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from kernel.models import RateLimitCounter

STALE_AFTER = timedelta(days=1)


def allow(scope: str, identifier: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for (scope, identifier); False once more than `limit` fall in the current window.

    The identifier (an address or a reference) is stored only as a hash.
    """
    key, now, window_start = _window(scope, identifier, window_seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO kernel_ratelimitcounter (key, window_start, hits) VALUES (%s, %s, 1) "
            "ON CONFLICT (key, window_start) DO UPDATE SET hits = kernel_ratelimitcounter.hits + 1 "
            "RETURNING hits",
            [key, window_start],
        )
        (hits,) = cursor.fetchone()
    if hits == 1:
        RateLimitCounter.objects.filter(window_start__lt=now - STALE_AFTER).delete()
    return hits <= limit


def exhausted(scope: str, identifier: str, *, limit: int, window_seconds: int) -> bool:
    """Whether `limit` attempts already fall in the current window, counting none."""
    key, _, window_start = _window(scope, identifier, window_seconds)
    hits = RateLimitCounter.objects.filter(key=key, window_start=window_start).values_list("hits", flat=True).first()
    return (hits or 0) >= limit


def _window(scope: str, identifier: str, window_seconds: int):
    key = hashlib.sha256(("%s:%s" % (scope, identifier)).encode()).hexdigest()
    now = timezone.now()
    return key, now, now - timedelta(seconds=now.timestamp() % window_seconds)
