"""`make load`: gunicorn with the production settings on 127.0.0.1 under 50 simulated users for 60 seconds.

Sets up a fresh database (`load_cases` on the embedded server, or LOAD_DATABASE_URL), staff of every
role with API tokens, partner service accounts and a few investigations; starts gunicorn with
`config.settings.prod` and keys made for this run only; then 50 threads, each one user, call the API
as their role would for LOAD_SECONDS (60), each with a bounded number of requests. The client adds
`X-Forwarded-Proto: https` and opens a connection per request, as the TLS proxy in front of
production does (nginx speaks HTTP/1.0 to its upstream, without keep-alive): kept-alive client
connections would all stay with the worker that accepted them, and measure one worker of four.

Afterwards it checks, in the database: no response was a 5xx; every referral and journal note the
users were told was created exists; every request's X-Request-ID is in the audit trail; the chain
verifies, and the chainer process (started beside gunicorn) had chained every event within 5 s of
the load stopping; every worker served requests (gunicorn's access log, its worker's pid per line). It prints
p50/p95/p99 latencies (overall and per kind of request) and requests per worker, and exits non-zero
if any check fails.
"""

import base64
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
USERS = {"intake": 12, "investigator": 15, "director": 8, "auditor": 5, "partner": 10}  # 50 in all
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
MAX_REQUESTS_PER_USER = 3000
WORKERS, THREADS = 4, 4


def key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def prepare_environment(database_url: str) -> dict:
    """Keys made for this run (never stored), shared by the set-up here and the server."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(32),
        "AUDIT_HEAD_SIGNING_KEY": key(),
        "FIELD_ENCRYPTION_KEYS": key(),
        "EVIDENCE_KEYS": "load1:%s" % key(),
        "EVIDENCE_ROOT": str(ROOT / ".data" / "load-evidence"),
        "AUDIT_HEAD_PATH": str(ROOT / ".data" / "load-audit-head.json"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(ROOT / ".data" / "load-static"),
        "API_REQUESTS_PER_MINUTE": "100000",
    }
    os.environ.update(env)
    return env


def fresh_database() -> str:
    """An empty `load_cases` database on the embedded server (or LOAD_DATABASE_URL as given)."""
    if url := os.environ.get("LOAD_DATABASE_URL"):
        return url
    sys.path.insert(0, str(ROOT))
    import psycopg

    from config.embedded_postgres import embedded_database

    db = embedded_database(ROOT / ".data" / "postgres", "postgres")
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS load_cases WITH (FORCE)")
        c.execute("CREATE DATABASE load_cases")
    return "postgres://%s@%s:%s/load_cases" % (db["USER"], quote(db["HOST"], safe=""), db["PORT"])


def set_up_data() -> dict:
    """Migrate and create the users (with tokens) and cases; returns what the simulated users need."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    from accounts.roles import Role
    from accounts.tokens import create_token
    from casework import services as casework_services
    from casework.models import Investigation
    from referrals.services import create_service_account
    from tests.factories import make_user

    call_command("migrate", verbosity=0)
    roles = {"intake": Role.INTAKE_OFFICER, "investigator": Role.INVESTIGATOR, "director": Role.DIRECTOR}
    roles["auditor"] = Role.AUDITOR
    users: dict[str, list] = defaultdict(list)
    for kind, count in USERS.items():
        for n in range(count):
            if kind == "partner":
                account, token = create_service_account("partner-%02d" % n, days=1)
                users[kind].append({"username": account.username, "token": token})
                continue
            user = make_user("load-%s-%02d" % (kind, n), roles[kind])
            token = create_token(user, name="load", scopes=["read", "write", "intake"], days=1)[1]
            users[kind].append({"username": user.username, "token": token, "user": user})
    director = users["director"][0]["user"]
    for n, investigator in enumerate(users["investigator"]):
        case = Investigation.objects.create(reference="INV-2026-%04d" % (n + 1), title="Load case %s" % (n + 1))
        casework_services.start_scoping(case, actor=director, lead=investigator["user"])
        investigator["case"] = case.reference
    for group in users.values():
        for entry in group:
            entry.pop("user", None)
    return users


def start_server(env: dict) -> subprocess.Popen:
    port = free_port()
    server_env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.prod"}
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(collect, cwd=ROOT, env=server_env, check=True)  # noqa: S603 - the hashed files production serves
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", "127.0.0.1:%s" % port]
    command += ["--workers", str(WORKERS), "--threads", str(THREADS), "--log-level", "warning"]
    access_log = Path(tempfile.mkdtemp(prefix="load-")) / "access.log"
    command += ["--access-logfile", str(access_log), "--access-logformat", "%(p)s"]  # the serving worker's pid
    server = subprocess.Popen(command, cwd=ROOT, env=server_env, start_new_session=True)  # noqa: S603
    server.port = port  # type: ignore[attr-defined]
    server.access_log = access_log  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


def start_chainer(env: dict) -> subprocess.Popen:
    """The audit chainer, as deployed beside the web servers (the prod settings leave chaining to it)."""
    chainer_env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.prod"}
    command = [sys.executable, "manage.py", "chain_audit_events"]
    return subprocess.Popen(command, cwd=ROOT, env=chainer_env, stdout=subprocess.DEVNULL)  # noqa: S603


def chainer_caught_up(seconds: float) -> bool:
    """Whether the chainer has chained every recorded event within `seconds` of the load stopping."""
    from audit.models import UnchainedEvent

    deadline = time.monotonic() + seconds
    while UnchainedEvent.objects.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SimulatedUser(threading.Thread):
    """One member of staff or partner system, calling the API as their role does until time is up."""

    def __init__(self, kind: str, entry: dict, port: int, stop_at: float, results: list, created: dict):
        super().__init__(daemon=True)
        self.kind, self.entry, self.port, self.stop_at = kind, entry, port, stop_at
        self.results, self.created = results, created
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.referrals: list[str] = []

    def call(self, label: str, method: str, path: str, body=None):
        headers = {
            "Authorization": "Bearer %s" % self.entry["token"],
            "X-Forwarded-Proto": "https",
            "Connection": "close",  # a connection per request, as the proxy does
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
            self.connection.close()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.results.append((label, 0, time.perf_counter() - start, "", str(error)))
            return None
        self.results.append(
            (label, response.status, time.perf_counter() - start, response.getheader("X-Request-ID", ""), "")
        )
        return json.loads(content) if content and response.getheader("Content-Type") == "application/json" else None

    def concern(self, n: int) -> dict:
        return {
            "reporter_type": "staff",
            "concern_kind": "happened",
            "organisation_name": "Load Test Trust %s" % (n % 7),
            "care_setting": "hospital",
            "region": "london",
            "description": "Simulated concern %s from %s." % (n, self.entry["username"]),
            "harm_level": "moderate",
            "frequency": "once",
        }

    def run(self):
        n = 0
        while time.monotonic() < self.stop_at and n < MAX_REQUESTS_PER_USER:
            n += 1
            getattr(self, "as_%s" % self.kind)(n)
        self.connection.close()

    def as_partner(self, n):
        receipt = self.call("intake create", "POST", "/api/v1/intake/referrals/", self.concern(n))
        if receipt:
            self.created["referrals"].append(receipt["reference"])

    def as_intake(self, n):
        step = n % 4
        if step == 0:
            receipt = self.call("intake create", "POST", "/api/v1/intake/referrals/", self.concern(n))
            if receipt:
                self.created["referrals"].append(receipt["reference"])
                self.referrals.append(receipt["reference"])
        elif step == 1:
            self.call("referral queue", "GET", "/api/v1/referrals/?page_size=25")
        elif step == 2 and self.referrals:
            self.call("referral detail", "GET", "/api/v1/referrals/%s/" % self.referrals[-1])
        elif step == 3 and self.referrals:
            reference = self.referrals.pop()
            self.call(
                "referral transition",
                "POST",
                "/api/v1/referrals/%s/transitions/" % reference,
                {"action": "start_triage"},
            )

    def as_investigator(self, n):
        case = "/api/v1/investigations/%s/" % self.entry["case"]
        step = n % 4
        if step == 0:
            note = self.call("note add", "POST", case + "notes/", {"text": "Load note %s." % n})
            if note:
                self.created["notes"].append(note["id"])
        elif step == 1:
            self.call("journal read", "GET", case + "notes/")
        elif step == 2:
            self.call("investigation detail", "GET", case)
        else:
            self.call("investigation list", "GET", "/api/v1/investigations/")

    def as_director(self, n):
        if n % 2:
            self.call("investigation list", "GET", "/api/v1/investigations/?page_size=50")
        else:
            self.call(
                "investigation detail", "GET", "/api/v1/investigations/INV-2026-%04d/" % (1 + n % USERS["investigator"])
            )

    def as_auditor(self, n):
        self.call("audit search", "GET", "/api/v1/audit/events/?page_size=50" + ("&outcome=denied" if n % 2 else ""))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def check_results(results: list, created: dict) -> list[str]:
    """The database's side: everything created is there, every request is in the audit trail."""
    from audit.chain import verify_stored_chain
    from audit.models import AuditEvent
    from casework.models import CaseNote
    from referrals.models import Referral

    problems = []
    errors = [r for r in results if r[1] >= 500 or r[1] == 0]
    if errors:
        problems.append("%s responses were server errors or failed: %s" % (len(errors), errors[:3]))
    unexpected = [r for r in results if 400 <= r[1] < 500 and r[0] != "referral transition"]
    if unexpected:
        problems.append("%s unexpected client errors: %s" % (len(unexpected), unexpected[:3]))
    stored = set(Referral.objects.filter(reference__in=created["referrals"]).values_list("reference", flat=True))
    if missing := set(created["referrals"]) - stored:
        problems.append("%s created referrals are missing: %s" % (len(missing), sorted(missing)[:3]))
    notes = set(CaseNote.objects.filter(pk__in=created["notes"]).values_list("pk", flat=True))
    if missing_notes := set(created["notes"]) - notes:
        problems.append("%s created notes are missing" % len(missing_notes))
    request_ids = {r[3] for r in results if r[3]}
    audited = set(AuditEvent.objects.filter(request_id__in=request_ids).values_list("request_id", flat=True))
    if unaudited := request_ids - audited:
        problems.append("%s requests left no audit event" % len(unaudited))
    if len(request_ids) != len([r for r in results if r[1]]):
        problems.append("some responses carried no X-Request-ID")
    report = verify_stored_chain()
    if not report.intact:
        problems.append("audit chain broken: %s" % report.first_break)
    return problems


def main() -> int:
    env = prepare_environment(fresh_database())
    users = set_up_data()
    server = start_server(env)
    chainer = start_chainer(env)
    results: list = []
    created: dict = {"referrals": [], "notes": []}
    try:
        stop_at = time.monotonic() + SECONDS
        threads = [
            SimulatedUser(kind, entry, server.port, stop_at, results, created)  # type: ignore[attr-defined]
            for kind, group in users.items()
            for entry in group
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
        elapsed = time.monotonic() - started
        caught_up = chainer_caught_up(seconds=5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        chainer.terminate()
        chainer.wait(timeout=30)
    problems = check_results(results, created)
    if not caught_up:
        problems.append("the chainer had not chained every event 5 s after the load stopped")
    access_log: Path = server.access_log  # type: ignore[attr-defined]
    per_worker: Counter[str] = Counter(access_log.read_text().split())
    if len(per_worker) < WORKERS:
        problems.append("only %s of %s workers served requests" % (len(per_worker), WORKERS))
    latencies = [r[2] * 1000 for r in results if r[1]]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for label, status, seconds, _, _ in results:
        if status:
            by_kind[label].append(seconds * 1000)
    print(
        "\n%s simulated users for %.0f s: %s requests (%.1f/s), %s referrals and %s notes created"
        % (
            len(threads),
            elapsed,
            len(results),
            len(results) / elapsed,
            len(created["referrals"]),
            len(created["notes"]),
        )
    )
    print("%-22s %7s %9s %9s %9s" % ("request", "count", "p50 ms", "p95 ms", "p99 ms"))
    for label, values in [*sorted(by_kind.items()), ("all", latencies)]:
        print(
            "%-22s %7d %9.1f %9.1f %9.1f"
            % (label, len(values), statistics.median(values), percentile(values, 0.95), percentile(values, 0.99))
        )
    statuses: dict[int, int] = defaultdict(int)
    for result in results:
        statuses[result[1]] += 1
    print("statuses: %s" % dict(sorted(statuses.items())))
    print("requests per worker: %s" % sorted(per_worker.values(), reverse=True))
    if problems:
        print("\nFAILED:\n- " + "\n- ".join(problems))
        return 1
    print(
        "\nNo server errors, nothing lost: every created referral and note is stored, every request audited, "
        "the audit chain verifies."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
