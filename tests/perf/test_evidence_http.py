"""Evidence upload and download over HTTP through gunicorn, against the same requests unencrypted.

Target (issue 5): at least 0.8x the unencrypted throughput, on a 100 MiB and a 1 GiB file.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from accounts.roles import Role
from casework import services
from casework.models import Evidence, Investigation
from tests.factories import TEST_PASSWORD, make_user
from tests.perf.conftest import write_random_file

MIB = 1024 * 1024
SIZES = {"100 MiB": 100 * MIB, "1 GiB": 1024 * MIB}
MIN_RATIO = 0.8
BOUNDARY = "----benchboundary7c1e"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A minimal HTTP client with cookies, streaming request and response bodies."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method, path, body=None, headers=None, sink=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {**(headers or {}), "Cookie": "; ".join("%s=%s" % (k, v.value) for k, v in self.cookies.items())}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        if sink is None:
            content = response.read()
        else:
            content = b""
            while chunk := response.read(MIB):
                sink(chunk)
        conn.close()
        return response.status, content

    def csrf(self, path) -> str:
        _, html = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match is not None
        return match.group(1).decode()


def multipart(fields: dict, file_path) -> tuple[int, object]:
    """(length, iterable body) of a multipart form with one file, read from disk as it is sent."""
    head = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (BOUNDARY.encode(), k.encode(), v.encode())
        for k, v in fields.items()
    )
    head += b'--%s\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n' % BOUNDARY.encode()
    head += b"Content-Type: application/octet-stream\r\n\r\n"
    tail = b"\r\n--%s--\r\n" % BOUNDARY.encode()

    def body():
        yield head
        with open(file_path, "rb") as source:
            while chunk := source.read(4 * MIB):
                yield chunk
        yield tail

    return len(head) + os.path.getsize(file_path) + len(tail), body()


def timed(action, runs: int = 2) -> float:
    """Best of `runs` wall-clock times."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def post_file(browser, path, fields, source, port, expected_status):
    length, body = multipart(fields, source)
    status, content = browser.request(
        "POST",
        path,
        body=body,
        headers={
            "Content-Type": "multipart/form-data; boundary=%s" % BOUNDARY,
            "Content-Length": str(length),
            "Referer": "http://127.0.0.1:%s/" % port,
        },
    )
    assert status == expected_status, status
    return content


def measure_round_trip(browser, investigation, source, size, port) -> dict:
    """MiB/s of (encrypted, plain) upload and download of one file."""
    upload_path = "/investigations/%s/evidence/new/" % investigation.reference
    fields = {"title": "Bench", "evidence_type": "data", "received_on": time.strftime("%Y-%m-%d")}
    encrypted_up = timed(
        lambda: post_file(
            browser, upload_path, {**fields, "csrfmiddlewaretoken": browser.csrf(upload_path)}, source, port, 302
        )
    )
    plain_name: list[str] = []
    plain_up = timed(
        lambda: plain_name.append(
            post_file(
                browser, "/bench/plain-upload/", {"csrfmiddlewaretoken": browser.csrf(upload_path)}, source, port, 200
            )
            .split()[0]
            .decode()
        )
    )
    evidence = Evidence.objects.filter(investigation=investigation).latest("added_at")
    received: list[int] = []
    evidence_path = "/investigations/%s/evidence/%s/" % (investigation.reference, evidence.public_id)
    encrypted_down = timed(
        lambda: browser.request("GET", evidence_path, sink=lambda chunk: received.append(len(chunk)))
    )
    assert sum(received) == 2 * size
    plain_down = timed(lambda: browser.request("GET", "/bench/plain-download/%s/" % plain_name[0], sink=len))
    streamed_down = timed(lambda: browser.request("GET", "/bench/plain-stream/%s/" % plain_name[0], sink=len))
    return {
        "upload": (size / MIB / encrypted_up, size / MIB / plain_up),
        "download": (size / MIB / encrypted_down, size / MIB / plain_down),
        # For information: the plain file streamed through Python like the encrypted one (no sendfile).
        "download vs streamed": (size / MIB / encrypted_down, size / MIB / streamed_down),
    }


@pytest.mark.xfail(
    strict=True,
    reason="Not met yet: the 100 MiB download reaches about 0.6x of the plain download that gunicorn "
    "serves with sendfile (0.75x of the same file streamed through Python; 1 GiB: 0.83-0.85x), and "
    "uploads vary between 0.73x and 1.6x from run to run. Remove this mark when the target is met.",
)
@pytest.mark.django_db(transaction=True)
def test_encrypted_upload_and_download_keep_up_with_plain_http(tmp_path, migrated_data):
    director = make_user("http_director", Role.DIRECTOR)
    lead = make_user("http_lead", Role.INVESTIGATOR)
    investigation = Investigation.objects.create(reference="INV-2026-8888", title="HTTP bench")
    services.start_scoping(investigation, actor=director, lead=lead)
    db = connection.settings_dict
    database_url = "postgres://%s@%s:%s/%s" % (db["USER"], quote(db["HOST"], safe=""), db["PORT"], db["NAME"])
    port = free_port()
    evidence_root = tmp_path / "evidence"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.perf.http_settings",
        "DATABASE_URL": database_url,
        "EVIDENCE_ROOT": str(evidence_root),
        "EVIDENCE_MAX_MB": "2048",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-b",
            "127.0.0.1:%s" % port,
            "-w",
            "1",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        browser = Browser(port)
        token = browser.csrf("/accounts/login/")
        status, _ = browser.request(
            "POST",
            "/accounts/login/",
            body="csrfmiddlewaretoken=%s&username=%s&password=%s" % (token, lead.username, quote(TEST_PASSWORD)),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1:%s/" % port},
        )
        assert status == 302
        results = {}
        for label, size in SIZES.items():
            source = tmp_path / ("source-%s" % size)
            write_random_file(source, size)
            os.sync()  # no earlier writes left to throttle this measurement
            results[label] = measure_round_trip(browser, investigation, source, size, port)
            source.unlink()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("\nevidence over HTTP (gunicorn), encrypted vs plain")
    for label, r in results.items():
        for what, (encrypted, plain) in r.items():
            print("  %-8s %-8s %7.0f MiB/s vs %7.0f MiB/s  %.2fx" % (label, what, encrypted, plain, encrypted / plain))
    for label, r in results.items():
        for what in ("upload", "download"):
            encrypted, plain = r[what]
            assert encrypted / plain >= MIN_RATIO, "%s %s: %.2fx the unencrypted throughput" % (
                label,
                what,
                encrypted / plain,
            )
