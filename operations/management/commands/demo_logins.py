"""Print the demo log-ins once `make run`'s worker has sent the e-mails the demo data queued, so
that the table comes after their console copies instead of above them; then wait until `make run`
stops."""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notify.choices import EmailState
from notify.models import Notification
from operations.management.commands.seed_demo import demo_logins

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = "Once no e-mail is waiting (at most --within seconds), print the demo log-ins; then wait to be stopped."

    def add_arguments(self, parser):
        parser.add_argument("--within", type=float, default=60.0, help="Print by then, e-mails waiting or not.")
        parser.add_argument("--no-wait", action="store_true", help="Return once printed.")

    def handle(self, *args, within=60.0, no_wait=False, **options):
        if not settings.DEBUG:
            raise CommandError("demo_logins prints well-known demo credentials and refuses to run with DEBUG off.")
        deadline = time.monotonic() + within
        sending = Notification.objects.filter(email__in=[EmailState.WAITING, EmailState.CLAIMED])
        while time.monotonic() < deadline and sending.exists():
            time.sleep(POLL_SECONDS)
        time.sleep(POLL_SECONDS)  # the worker's last lines reach the console
        self.stdout.write(demo_logins())
        self.stdout.flush()
        if not no_wait:
            signal.pause()
