"""Identity-bearing text is nowhere in clear at rest: not in any database column, any history row, the
evidence store, or a fresh backup folder.

A marker is planted in every identity-bearing field through the services a user's action runs
(history rows follow from edits), committed, and then searched for byte for byte: in every text,
JSON and binary column of every table, every file of the evidence store, and every file of a backup
made afterwards. The search itself is checked to find a marker planted in a column left in clear
on purpose (a referral's description, searched by intake).
"""

import uuid
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from casework.choices import IntervieweeType
from casework.services import evidence as evidence_services
from casework.services import work
from referrals.services import attach_file, receive_referral, reply
from tests.factories import referral_details
from vault import blobs
from vault.upload import EncryptedUpload, ReceivedFile

MARKERS = {
    "reporter_name": "MRKREPNAME7731",
    "reporter_email": "mrkrepmail7731@example.org",
    "reporter_phone": "07700 917731",
    "patient_details": "MRKPATIENT7731",
    "follow_up": "MRKFOLLOWUP7731",
    "attachment_title": "MRKATTTITLE7731",
    "attachment_filename": "MRKATTFILE7731.txt",
    "note": "MRKNOTE7731",
    "edited_note": "MRKNOTEEDIT7731",
    "task_title": "MRKTASK7731",
    "interviewee": "MRKINTERVIEWEE7731",
    "consent_notes": "MRKCONSENT7731",
    "evidence_title": "MRKEVTITLE7731",
    "evidence_filename": "MRKEVFILE7731.pdf",
}
# Left in clear on purpose (intake searches it): proves the search below finds what is there.
SEARCHABLE = "MRKDESCRIPTION7731"


def received(name: str, content: bytes) -> ReceivedFile:
    file_id = uuid.uuid4()
    return ReceivedFile(EncryptedUpload(blobs.store_stream(file_id, [content]), name, file_id))


@pytest.fixture
def planted(migrated_data, case_investigation, lead_investigator, intake, evidence_storage):
    """Every marker stored through the services, committed."""
    referral, _ = receive_referral(
        referral_details(
            reporter_name=MARKERS["reporter_name"],
            reporter_email=MARKERS["reporter_email"],
            reporter_phone=MARKERS["reporter_phone"],
            patient_details=MARKERS["patient_details"],
            description="Falls at night. %s" % SEARCHABLE,
        )
    )
    reply(referral, "Also on ward 7. %s" % MARKERS["follow_up"])
    attach_file(
        referral, received(MARKERS["attachment_filename"], b"letter"), actor=intake, title=MARKERS["attachment_title"]
    )
    note = work.add_note(case_investigation, MARKERS["note"], actor=lead_investigator)
    work.edit_note(note, MARKERS["edited_note"], actor=lead_investigator)
    work.create_task(
        case_investigation, actor=lead_investigator, title=MARKERS["task_title"], assignee=lead_investigator
    )
    work.record_interview(
        case_investigation,
        actor=lead_investigator,
        interviewee=MARKERS["interviewee"],
        interviewee_type=IntervieweeType.STAFF,
        held_on=date(2026, 11, 1),
        consent_given=True,
        consent_notes=MARKERS["consent_notes"],
    )
    evidence_id = uuid.uuid4()
    evidence_services.add_evidence(
        blobs.store_stream(evidence_id, [b"%PDF-1.7 rota"]),
        evidence_id,
        actor=lead_investigator,
        title=MARKERS["evidence_title"],
        filename=MARKERS["evidence_filename"],
        investigation=case_investigation,
    )


def columns_holding(marker: str) -> list[str]:
    """Every `table.column` (text, character, JSON or binary) whose stored value contains `marker`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')"
        )
        columns = cursor.fetchall()
        found = []
        for table, column, data_type in columns:
            value = "encode(\"%s\", 'escape')" % column if data_type == "bytea" else '"%s"::text' % column
            cursor.execute('SELECT EXISTS (SELECT FROM "%s" WHERE %s LIKE %%s)' % (table, value), ["%" + marker + "%"])
            if cursor.fetchone()[0]:
                found.append("%s.%s" % (table, column))
    return found


def files_holding(root: Path, marker: str) -> list[str]:
    needle = marker.encode()
    return [str(path) for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]


@pytest.mark.django_db(transaction=True)
def test_no_identity_bearing_marker_is_in_clear_in_the_database_the_evidence_store_or_a_backup(
    planted, evidence_storage, tmp_path, audit_head_path
):
    assert set(columns_holding(SEARCHABLE)) == {
        "referrals_referral.description",
        "referrals_historicalreferral.description",
    }
    backup = tmp_path / "backup"
    call_command("backup_system", to=backup)
    found = {
        name: columns_holding(marker) + files_holding(Path(evidence_storage), marker) + files_holding(backup, marker)
        for name, marker in MARKERS.items()
    }
    assert {name: places for name, places in found.items() if places} == {}
    assert not files_holding(backup, SEARCHABLE), "the backup's dump must be encrypted as a whole"
