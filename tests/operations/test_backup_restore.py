"""The backup-restore drill: back up a live system, restore it into an empty database and store, verify.

The restore runs in another process against a new database on the same embedded server, as an
operator would run it (`make restore`), then both verification commands run there, and a team
member downloads a sample of the restored evidence through the web page.
"""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from audit.choices import AuditAction
from audit.models import AuditEvent, ChainLink
from casework import services as casework_services
from casework.services import evidence as evidence_services
from operations.backup import BackupError, create_backup, read_checked_manifest, restore_backup
from vault import blobs

ROOT = Path(__file__).resolve().parents[2]
DRILL_DATABASE = "restore_drill"
FILES = {"ward-rota.pdf": os.urandom(300_000), "statement.txt": b"The alarm sounded at 02:10." * 1000}

SAMPLE_DOWNLOAD = """
import hashlib, django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()  # the test client's host name, as the test runner allows it
from casework.models import Evidence
from tests.factories import StaffClient
client = StaffClient()
from django.contrib.auth import get_user_model
client.force_login(get_user_model().objects.get(username="lead_investigator"))
for evidence in Evidence.objects.filter(disposed_at__isnull=True):
    response = client.get("/investigations/%s/evidence/%s/" % (evidence.investigation.reference, evidence.public_id))
    body = b"".join(response.streaming_content)
    print(response.status_code, evidence.display_name, hashlib.sha256(body).hexdigest())
"""


def server_connection():
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True)


@pytest.fixture
def drill_database():
    """A new, empty database on the same server; its URL for the restoring process."""
    with server_connection() as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DRILL_DATABASE)
        admin.execute("CREATE DATABASE %s" % DRILL_DATABASE)
    db = connection.settings_dict
    yield "postgres://%s@%s:%s/%s" % (db["USER"], quote(db["HOST"], safe=""), db["PORT"], DRILL_DATABASE)
    with server_connection() as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DRILL_DATABASE)


@pytest.fixture
def live_case(migrated_data, case_investigation, lead_investigator, evidence_storage):
    """A committed investigation with a journal note and two evidence files, and an exported head."""
    casework_services.add_note(case_investigation, "Night staffing was two short.", actor=lead_investigator)
    for name, content in FILES.items():
        evidence_id = uuid.uuid4()
        blob = blobs.store_stream(evidence_id, [content])
        evidence_services.add_evidence(
            blob, evidence_id, actor=lead_investigator, title=name, filename=name, investigation=case_investigation
        )
    call_command("export_audit_head")
    return case_investigation


def manage(*arguments, env):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_system_and_verifies(live_case, drill_database, tmp_path, audit_head_path):
    backup = tmp_path / "backup"
    call_command("backup_system", to=backup)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["evidence_files"] == 2
    assert manifest["key_encryption_key_ids"] == ["test1"]
    assert manifest["audit_head"]["seq"] < ChainLink.objects.latest("seq").seq  # the backup event came after
    copies = [path.read_bytes() for path in (backup / "evidence").rglob("*") if path.is_file()]
    assert len(copies) == 2
    assert not any(content[:64] in copy for content in FILES.values() for copy in copies)  # ciphertext only

    restored_store = tmp_path / "restored-evidence"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": drill_database,
        "EVIDENCE_ROOT": str(restored_store),
        "AUDIT_HEAD_PATH": str(tmp_path / "restored-head.json"),
    }
    restore = manage("restore_system", str(backup), env=env)
    assert restore.returncode == 0, restore.stderr
    assert "chain head seq %s" % manifest["audit_head"]["seq"] in restore.stdout
    chain = manage("verify_audit_chain", "--head", str(backup / "audit-head.json"), env=env)
    assert chain.returncode == 0, chain.stderr
    assert "The chain still contains the exported head" in chain.stdout
    evidence = manage("verify_evidence", env=env)
    assert evidence.returncode == 0, evidence.stderr
    assert "All 2 evidence files verified;" in evidence.stdout
    downloads = subprocess.run(
        [sys.executable, "-c", SAMPLE_DOWNLOAD], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert downloads.returncode == 0, downloads.stderr
    fetched = {line.split()[1]: (line.split()[0], line.split()[2]) for line in downloads.stdout.splitlines()}
    assert fetched == {name: ("200", hashlib.sha256(content).hexdigest()) for name, content in FILES.items()}

    # A second restore into the same, now full, system is refused and changes nothing.
    again = manage("restore_system", str(backup), env=env)
    assert again.returncode != 0
    assert "is not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_restored(live_case, tmp_path):
    backup = tmp_path / "backup"
    create_backup(backup)
    blob = next(path for path in (backup / "evidence").rglob("*") if path.is_file())
    blob.write_bytes(blob.read_bytes()[:-1] + b"\x00")
    with pytest.raises(BackupError, match="do not match their checksums"):
        read_checked_manifest(backup)
    (backup / "stray.txt").write_text("not from the backup")
    with pytest.raises(BackupError, match="differ from its manifest"):
        read_checked_manifest(backup)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_keyring_without_the_evidence_key_and_a_full_database(live_case, tmp_path, settings):
    backup = tmp_path / "backup"
    create_backup(backup)
    with pytest.raises(BackupError, match="is not empty"):
        restore_backup(backup)  # the test database holds the live case
    settings.EVIDENCE_KEYS = ["other:" + "A" * 43 + "="]
    from vault.keys import _local_keyring

    _local_keyring.cache_clear()
    with pytest.raises(BackupError, match="lacks key"):
        restore_backup(backup)


@pytest.mark.django_db(transaction=True)
def test_backing_up_into_a_used_directory_is_refused(live_case, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.dump").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        create_backup(tmp_path / "used")
    assert not AuditEvent.objects.filter(action=AuditAction.BACKUP_CREATED).exists()
