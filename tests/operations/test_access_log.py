"""gunicorn's access log (with this project's gunicorn.conf.py) keeps no query string and no referer."""

import os
import signal
import subprocess
import sys
import urllib.request
from urllib.parse import quote

import pytest
from django.db import connection

from tests.operations.test_crash_safety import free_port, port_open, wait_for

MARKERS = ["marker-in-query-51c2", "marker-in-next-77a0", "marker-in-referer-3e19"]


@pytest.mark.django_db
def test_search_words_never_reach_the_access_log(tmp_path, settings):
    port, log = free_port(), tmp_path / "access.log"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://%s@%s:%s/%s" % (db["USER"], quote(db["HOST"], safe=""), db["PORT"], db["NAME"]),
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", "127.0.0.1:%s" % port]
    server = subprocess.Popen(
        [*command, "-w", "1", "--access-logfile", str(log), "--log-level", "warning"],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
    )
    try:
        wait_for(lambda: port_open(port), "gunicorn to listen")
        request = urllib.request.Request(  # noqa: S310 (a loopback URL built here)
            "http://127.0.0.1:%s/accounts/login/?q=%s&next=/referrals/%%3Fq%%3D%s" % (port, MARKERS[0], MARKERS[1]),
            headers={"Referer": "http://127.0.0.1:%s/referrals/?q=%s" % (port, MARKERS[2])},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a loopback URL built here)
            assert response.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    lines = log.read_text()
    assert '"GET /accounts/login/ HTTP/1.1" 200' in lines
    assert not [marker for marker in MARKERS if marker in lines]
