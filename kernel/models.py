"""Infrastructure tables shared by every app: reference counters and rate-limit windows."""

from django.db import connection, models
from django.utils import timezone


class ReferenceCounter(models.Model):
    """Gapless yearly counters behind human references such as REF-2026-000123 and INV-2026-0042."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="unique_reference_counter")]

    def __str__(self) -> str:
        return "%s-%s: %s" % (self.prefix, self.year, self.last_number)

    @classmethod
    def next_reference(cls, prefix: str, digits: int) -> str:
        """The next reference for this year; the counter row stays locked until the transaction ends."""
        year = timezone.localdate().year
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO kernel_referencecounter (prefix, year, last_number) VALUES (%s, %s, 1) "
                "ON CONFLICT (prefix, year) DO UPDATE "
                "SET last_number = kernel_referencecounter.last_number + 1 RETURNING last_number",
                [prefix, year],
            )
            (number,) = cursor.fetchone()
        return "%s-%s-%0*d" % (prefix, year, digits, number)


class RateLimitCounter(models.Model):
    """Hits per (hashed) key and time window, shared by every worker through the database."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="unique_rate_limit_window")]

    def __str__(self) -> str:
        return "%s @ %s: %s" % (self.key[:8], self.window_start, self.hits)


class SentOnce(models.Model):
    """A claimed one-time key: a form's token or an API request's Idempotency-Key (kernel.once).

    The key is kept only as a hash with its scope; `result` names what the request created (a
    model label and primary key), never its content, so an API retry can be answered with it.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return "sent once: %s" % self.key_hash[:8]
