"""Forget one-time form tokens and Idempotency-Keys claimed long ago (kernel.once)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kernel.models import SentOnce


class Command(BaseCommand):
    help = "Delete claimed one-time keys older than --hours (24): a resend comes within minutes, not days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options) -> None:
        deleted, _ = SentOnce.objects.filter(claimed_at__lt=timezone.now() - timedelta(hours=hours)).delete()
        self.stdout.write("%s one-time keys older than %s hours forgotten." % (deleted, hours))
