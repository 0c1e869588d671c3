"""The embedded PostgreSQL server: started on demand, reused, and stopped when its last user exits."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings

STARTER = """
import sys, time
from pathlib import Path
from config.embedded_postgres import embedded_database
config = embedded_database(Path(sys.argv[1]), "probe")
print(config["HOST"], flush=True)
time.sleep(120)
"""


def start_user(data_dir: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(data_dir)],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    line = process.stdout.readline()
    assert line.strip(), process.stderr.read()
    return process


def server_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def wait_until_stopped(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def data_dir(tmp_path_factory):
    # Short path: Unix socket paths are limited to about 100 bytes.
    directory = tmp_path_factory.mktemp("pg") / "data"
    yield directory
    pid = server_pid(directory)
    if pid and psutil.pid_exists(pid):
        psutil.Process(pid).terminate()


def test_server_is_shared_and_stops_when_its_last_user_is_terminated(data_dir):
    first = start_user(data_dir)
    second = start_user(data_dir)
    pid = server_pid(data_dir)
    assert pid is not None

    first.send_signal(signal.SIGTERM)
    first.wait(timeout=20)
    assert psutil.pid_exists(pid), "stopped while another process still used it"

    second.send_signal(signal.SIGTERM)
    second.wait(timeout=20)
    assert wait_until_stopped(pid)


def test_a_killed_user_does_not_keep_the_server_running_for_ever(data_dir):
    killed = start_user(data_dir)
    killed.kill()
    killed.wait(timeout=20)
    assert killed.pid in json.loads((data_dir / ".handle_pids.json").read_text())

    survivor = start_user(data_dir)  # reuses the running server and forgets the dead process
    pid = server_pid(data_dir)
    assert pid is not None
    survivor.send_signal(signal.SIGTERM)
    survivor.wait(timeout=20)
    assert wait_until_stopped(pid)
