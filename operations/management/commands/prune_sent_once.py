"""Forget one-time form tokens and Idempotency-Keys claimed long ago (kernel.once)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from kernel.once import forget_claims_older_than


class Command(BaseCommand):
    help = "Delete claimed one-time keys older than --hours (24): a resend comes within minutes, not days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options) -> None:
        deleted = forget_claims_older_than(timedelta(hours=hours))
        self.stdout.write("%s one-time keys older than %s hours forgotten." % (deleted, hours))
