"""The chainer: gives recorded events their place in the audit chain moments after they commit."""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import chain_continuously


class Command(BaseCommand):
    help = (
        "Chain audit events moments after they commit, until stopped (SIGTERM or Ctrl-C). Run one "
        "beside the web servers; more than one is harmless."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("Chaining audit events every %s s until stopped." % settings.AUDIT_CHAIN_POLL_SECONDS)
        chain_continuously(stop, settings.AUDIT_CHAIN_POLL_SECONDS)
        self.stdout.write("Chainer stopped.")
