"""The application with a pause inside a transition and inside an upload, for the crash tests.

When a request reaches the pause it writes what it reached to CRASH_MARKER and waits, so that the
test can kill the server at that exact point. Only tests/operations/test_crash_safety.py serves it.
"""

import os
import time
from pathlib import Path

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from referrals.services import triage  # noqa: E402
from vault import blobs  # noqa: E402

MARKER = Path(os.environ["CRASH_MARKER"])
UPLOAD_PAUSE_AFTER = 8 * 1024 * 1024
_record_step = triage._record_step
_write = blobs.BlobWriter.write


def record_step_then_wait(*args, **kwargs):
    """The referral's new state and its timeline entry are written, not yet committed."""
    _record_step(*args, **kwargs)
    MARKER.write_text("transition")
    time.sleep(120)


def write_then_wait(writer, chunk):
    """Part of the file is encrypted on disk; the rest has not arrived."""
    _write(writer, chunk)
    if writer._size >= UPLOAD_PAUSE_AFTER:
        MARKER.write_text("upload")
        time.sleep(120)


triage._record_step = record_step_then_wait
blobs.BlobWriter.write = write_then_wait  # type: ignore[method-assign]
