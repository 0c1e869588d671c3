"""Kill the server (SIGKILL) mid-transition and mid-upload: nothing half-done survives.

gunicorn serves `tests/operations/crash_wsgi.py` on 127.0.0.1 against the test database; a request
is sent, the server pauses at the chosen point (the transition's changes written but not committed;
8 MiB of a 32 MiB upload encrypted to disk), and the whole server is killed there. Afterwards the
referral is unchanged, no evidence row or blob exists, the audit chain and the evidence store verify,
and the upload's partial file is cleared by `verify_evidence --remove-abandoned`.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.tokens import create_token
from audit.chain import verify_stored_chain
from audit.choices import AuditAction
from audit.models import AuditEvent
from casework.models import Evidence
from referrals.choices import ReferralState
from referrals.models import ReferralActivity
from tests.factories import make_referral
from tests.perf.conftest import write_random_file
from tests.perf.test_evidence_http import BOUNDARY, Browser, free_port, multipart

UPLOAD_SIZE = 32 * 1024 * 1024


@pytest.fixture
def crash_server(tmp_path, migrated_data, settings):
    """(port, marker file, evidence root) of a gunicorn serving the pausing application.

    This process uses the same evidence store, to verify it afterwards.
    """
    db = connection.settings_dict
    port, marker, evidence_root = free_port(), tmp_path / "reached", tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "vault.blobs.EvidenceStorage", "OPTIONS": {"location": str(evidence_root)}},
    }
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://%s@%s:%s/%s" % (db["USER"], quote(db["HOST"], safe=""), db["PORT"], db["NAME"]),
        "EVIDENCE_ROOT": str(evidence_root),
        "CRASH_MARKER": str(marker),
    }
    command = ["-m", "gunicorn", "tests.operations.crash_wsgi:application", "-b", "127.0.0.1:%s" % port]
    server = subprocess.Popen(
        [sys.executable, *command, "-w", "1", "--timeout", "300", "--log-level", "warning"],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,  # its own process group: the kill takes the master and the worker
    )
    try:
        wait_for(lambda: port_open(port), "gunicorn to listen")
        yield port, marker, evidence_root
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def port_open(port) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.1)


def kill_server_when(marker, reached: str) -> None:
    """SIGKILL every process of the server once a request has reached the pause `reached`."""
    wait_for(lambda: marker.exists() and marker.read_text() == reached, "the request to reach %s" % reached)
    pid = int(subprocess.check_output(["pgrep", "-f", "crash_wsgi:application"], text=True).split()[0])  # noqa: S607
    os.killpg(os.getpgid(pid), signal.SIGKILL)


def in_background(action) -> threading.Thread:
    """Run a request that will never be answered (the server dies under it)."""

    def run():
        with contextlib.suppress(OSError, urllib.error.URLError, ConnectionError):
            action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def assert_audit_and_evidence_verify() -> None:
    assert verify_stored_chain().intact
    call_command("verify_audit_chain")
    call_command("verify_evidence")


@pytest.mark.django_db(transaction=True)
def test_killed_mid_transition_leaves_the_referral_as_it_was(crash_server, personas):
    port, marker, _ = crash_server
    referral = make_referral()
    token = create_token(personas["intake"], name="crash", scopes=["write"], days=1)[1]
    request = urllib.request.Request(  # noqa: S310 (http to loopback)
        "http://127.0.0.1:%s/api/v1/referrals/%s/transitions/" % (port, referral.reference),
        data=json.dumps({"action": "start_triage"}).encode(),
        headers={"Authorization": "Bearer %s" % token, "Content-Type": "application/json"},
        method="POST",
    )
    thread = in_background(lambda: urllib.request.urlopen(request, timeout=120))  # noqa: S310 (http to loopback)

    kill_server_when(marker, "transition")
    thread.join(timeout=30)

    referral.refresh_from_db()
    assert referral.state == ReferralState.RECEIVED
    assert not ReferralActivity.objects.filter(referral=referral, action="start_triage").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REFERRAL_TRIAGE_STARTED).exists()
    assert_audit_and_evidence_verify()


@pytest.mark.django_db(transaction=True)
def test_killed_mid_upload_leaves_no_evidence_row_or_blob(
    crash_server, case_investigation, lead_investigator, tmp_path
):
    port, marker, evidence_root = crash_server
    browser = Browser(port)
    browser.sign_in(lead_investigator)
    upload_path = "/investigations/%s/evidence/new/" % case_investigation.reference
    token = browser.csrf(upload_path)
    source = tmp_path / "ward-footage.bin"
    write_random_file(source, UPLOAD_SIZE)
    fields = {"csrfmiddlewaretoken": token, "title": "Ward footage", "evidence_type": "video", "source": "Trust"}
    length, body = multipart(fields, source)
    headers = {
        "Content-Type": "multipart/form-data; boundary=%s" % BOUNDARY,
        "Content-Length": str(length),
        "Referer": "http://127.0.0.1:%s/" % port,
    }
    thread = in_background(lambda: browser.request("POST", upload_path, body=body, headers=headers))

    wait_for(lambda: marker.exists(), "the upload to start")
    partial = [path.name for path in evidence_root.iterdir()]
    assert len(partial) == 1
    assert partial[0].endswith(".blob.partial")  # mid-upload: part of the file is on disk
    kill_server_when(marker, "upload")
    thread.join(timeout=30)

    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EVIDENCE_RECEIVED).exists()
    assert not [path for path in evidence_root.iterdir() if path.name.endswith(".blob")]
    assert_audit_and_evidence_verify()
    call_command("verify_evidence", remove_abandoned=True, older_than_minutes=0)
    assert list(evidence_root.iterdir()) == []


def test_abandoned_uploads_are_removed_only_once_old_and_never_evidence(evidence, evidence_storage, capsys):
    partial, orphan = evidence_storage / "dead.blob.partial", evidence_storage / "uncommitted.blob"
    partial.write_bytes(b"half a file")
    orphan.write_bytes(b"a whole file whose row never committed")
    call_command("verify_evidence", remove_abandoned=True)  # an hour by default: these may be in flight
    assert partial.exists()
    assert orphan.exists()
    an_hour_ago = time.time() - 3601
    for path in evidence_storage.iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))
    call_command("verify_evidence")
    assert "2 abandoned upload file(s)" in capsys.readouterr().out
    call_command("verify_evidence", remove_abandoned=True)
    assert sorted(path.name for path in evidence_storage.iterdir()) == [evidence.blob_name]
    call_command("verify_evidence")
    assert "All 1 evidence files verified;" in capsys.readouterr().out
