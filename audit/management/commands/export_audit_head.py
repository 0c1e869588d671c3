"""Write the audit chain's newest (seq, hash, time), signed, to a file kept outside the database."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from audit.duties import export_chain_head


class Command(BaseCommand):
    help = "Export the signed audit chain head (run on a schedule; keep the file away from the database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="Where to write it (AUDIT_HEAD_PATH).")

    def handle(self, *args: Any, output: Path | None = None, **options: Any) -> None:
        path = output or Path(settings.AUDIT_HEAD_PATH)
        head = export_chain_head(path)
        if head is None:
            self.stdout.write("No audit events yet; nothing exported.")
            return
        self.stdout.write("Exported audit head seq %s (hash %s) to %s." % (head.seq, head.hash, path))
