"""The evidence vault end to end: upload, download, tampering, rotation, verification, disposal."""

import io
import os
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import LimitedStream
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, override_settings
from django.urls import reverse

from audit.choices import AuditAction
from casework import services
from casework.models import Evidence, Investigation
from casework.services import evidence as evidence_services
from kernel.errors import WorkflowError
from tests.factories import StaffClient, current_code, give_authenticator
from tests.helpers import assert_audited
from vault import blobs, stream
from vault.integrity import verify, verify_store
from vault.upload import clean_filename

# Random per run, so the marker appears nowhere (not even in this source or a log) except in the upload.
MARKER = b"PLAINTEXT-MARKER-" + os.urandom(12).hex().encode()
OLD_KEY = "old:b2xkLWV2aWRlbmNlLWtleS1mb3Itcm90YXRpb24tMDA="
NEW_KEY = "new:bmV3LWV2aWRlbmNlLWtleS1mb3Itcm90YXRpb24tMDA="


@pytest.fixture
def case(director, lead_investigator, evidence_storage):
    investigation = Investigation.objects.create(reference="INV-2026-0700", title="Equipment failures")
    return services.start_scoping(investigation, actor=director, lead=lead_investigator)


def upload(client, case, content: bytes, name="report.pdf", content_type="application/pdf", **fields):
    data = {
        "title": "Ward report",
        "evidence_type": "document",
        "source": "Trust",
        "received_on": date.today().isoformat(),
        "file": SimpleUploadedFile(name, content, content_type=content_type),
        **fields,
    }
    return client.post(reverse("casework:evidence_upload", args=[case.reference]), data)


def every_file_under(*roots) -> list[str]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            found += [os.path.join(folder, name) for name in names]
    return found


def test_uploaded_plaintext_is_nowhere_on_disk_and_downloads_intact(case, lead_investigator, evidence_storage):
    content = b"%PDF-1.7\n" + MARKER + os.urandom(3 * stream.SEGMENT_SIZE) + MARKER
    # A browser-like client: CSRF enforced, so the token check must not make Django spool the file.
    client = StaffClient(enforce_csrf_checks=True)
    client.force_login(lead_investigator)
    client.get(reverse("casework:evidence_upload", args=[case.reference]))
    response = upload(client, case, content, csrfmiddlewaretoken=client.cookies["csrftoken"].value)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.size == len(content)
    assert evidence.content_type == "application/pdf"
    assert_audited(AuditAction.EVIDENCE_RECEIVED, actor=lead_investigator, target_ref=str(evidence.public_id))
    for path in every_file_under(evidence_storage, tempfile.gettempdir()):
        try:
            with open(path, "rb") as handle:
                assert MARKER not in handle.read(), path
        except (PermissionError, IsADirectoryError, OSError):
            continue
    download = client.get(
        reverse("casework:evidence_download", args=[case.reference, evidence.public_id]), {"purpose": "analysis"}
    )
    assert download.status_code == 200
    assert download.getvalue() == content
    assert download["Content-Disposition"].startswith("attachment")
    event = assert_audited(AuditAction.EVIDENCE_DOWNLOADED, actor=lead_investigator, target_ref=str(evidence.public_id))
    assert event.detail["purpose"] == "analysis"


@pytest.mark.parametrize(
    "size",
    [
        1,
        stream.FIRST_PLAINTEXT_SEGMENT - 1,
        stream.FIRST_PLAINTEXT_SEGMENT,
        stream.FIRST_PLAINTEXT_SEGMENT + 1,
    ],
)
def test_sizes_around_a_segment_boundary_round_trip(evidence_storage, size):
    evidence_id = uuid.uuid4()
    content = os.urandom(size)
    blob = blobs.store_stream(evidence_id, [content[i : i + 65536] for i in range(0, size, 65536)])
    fake = Evidence(public_id=evidence_id, blob_name=blob.blob_name, kek_id=blob.kek_id, wrapped_key=blob.wrapped_key)
    assert b"".join(blobs.read_plaintext(fake)) == content


def test_empty_file_is_refused_and_leaves_nothing(client, case, lead_investigator, evidence_storage):
    client.force_login(lead_investigator)
    response = upload(client, case, b"")
    assert response.status_code == 200
    assert "The submitted file is empty" in response.content.decode()
    assert not Evidence.objects.exists()
    assert every_file_under(evidence_storage) == []


@override_settings(EVIDENCE_MAX_BYTES=2 * 1024 * 1024)
def test_file_over_the_limit_is_refused_and_leaves_nothing(client, case, lead_investigator, evidence_storage):
    client.force_login(lead_investigator)
    response = upload(client, case, os.urandom(3 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than the 2 MB limit" in response.content.decode()
    assert not Evidence.objects.exists()
    assert every_file_under(evidence_storage) == []


def test_several_files_sent_together_each_become_evidence_and_download_intact(
    client, case, lead_investigator, evidence_storage
):
    client.force_login(lead_investigator)
    contents = {"rota-june.txt": b"June rota " * 500, "rota-july.txt": b"July rota " * 700}
    files = [SimpleUploadedFile(name, content, content_type="text/plain") for name, content in contents.items()]
    response = upload(client, case, b"", file=files, title="Ward rotas")
    assert response.status_code == 302
    added = sorted(Evidence.objects.all(), key=lambda item: item.title)  # titles are encrypted at rest
    assert [item.title for item in added] == ["Ward rotas (1 of 2)", "Ward rotas (2 of 2)"]
    for item in added:
        download = client.get(reverse("casework:evidence_download", args=[case.reference, item.public_id]))
        assert b"".join(download.streaming_content) == contents[item.display_name]
    assert len([path for path in every_file_under(evidence_storage) if path.endswith(".blob")]) == 2
    assert all(b"rota" not in Path(path).read_bytes() for path in every_file_under(evidence_storage))


@override_settings(EVIDENCE_MAX_BYTES=2 * 1024 * 1024)
def test_one_file_over_the_limit_among_several_keeps_none_of_them(client, case, lead_investigator, evidence_storage):
    client.force_login(lead_investigator)
    files = [
        SimpleUploadedFile("small.txt", b"small " * 100, content_type="text/plain"),
        SimpleUploadedFile("big.bin", os.urandom(3 * 1024 * 1024), content_type="application/octet-stream"),
    ]
    response = upload(client, case, b"", file=files)
    assert response.status_code == 413
    assert "A file is larger than the 2 MB limit. Nothing was kept." in response.content.decode()
    assert not Evidence.objects.exists()
    assert every_file_under(evidence_storage) == []


def test_more_files_than_allowed_at_once_are_refused_and_leave_nothing(
    client, case, lead_investigator, evidence_storage
):
    from casework.views import EVIDENCE_FILES_AT_ONCE

    client.force_login(lead_investigator)
    files = [
        SimpleUploadedFile("f%s.txt" % n, b"x" * 10, content_type="text/plain")
        for n in range(EVIDENCE_FILES_AT_ONCE + 1)
    ]
    response = upload(client, case, b"", file=files)
    assert response.status_code == 413
    assert "Send at most %s files at once" % EVIDENCE_FILES_AT_ONCE in response.content.decode()
    assert not Evidence.objects.exists()
    assert every_file_under(evidence_storage) == []
    assert_audited(AuditAction.EVIDENCE_UPLOAD_REFUSED, actor=lead_investigator)


def test_a_client_that_disconnects_mid_upload_leaves_no_row_and_no_blob(case, lead_investigator, evidence_storage):
    from casework.views import evidence_upload

    boundary = "XyZ"
    head = (
        '--%s\r\nContent-Disposition: form-data; name="title"\r\n\r\nT\r\n'
        '--%s\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n" % (boundary, boundary)
    ).encode()
    body = head + os.urandom(3 * 1024 * 1024)

    class DroppingStream(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 2 * 1024 * 1024:
                raise ConnectionResetError("client went away")
            return super().read(size)

    request = RequestFactory().post("/", data=b"", content_type="multipart/form-data; boundary=%s" % boundary)
    request.META["CONTENT_LENGTH"] = str(len(body) + 100)
    request._stream = LimitedStream(DroppingStream(body), len(body) + 100)  # type: ignore[assignment]
    request.user = lead_investigator
    request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
    try:
        response = evidence_upload(request, case.reference)
    except OSError:  # Django reports a dropped connection as UnreadablePostError
        response = None
    assert response is None or response.status_code != 302
    assert not Evidence.objects.exists()
    assert every_file_under(evidence_storage) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\system32\\evil.exe", "evil.exe"),
        ("report\x00\x07\n.pdf", "report.pdf"),
        ("..", "unnamed"),
        ("<script>x</script>.pdf", "script_.pdf"),
        ("notes <b>.docx", "notes _b_.docx"),
    ],
)
def test_client_file_names_are_cleaned_and_never_used_on_disk(name, expected):
    assert clean_filename(name) == expected


def test_a_thousand_character_name_keeps_its_extension():
    cleaned = clean_filename("a" * 1000 + ".pdf")
    assert len(cleaned) <= 200
    assert cleaned.endswith(".pdf")


def test_a_content_type_that_lies_is_replaced_by_the_sniffed_one(client, case, lead_investigator):
    client.force_login(lead_investigator)
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(200)
    upload(client, case, png, name="minutes.pdf", content_type="application/pdf")
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png"
    assert evidence.display_name == "minutes.pdf"
    assert evidence.blob_name != "minutes.pdf"


def stored(case, lead_investigator, content=b"evidence body " * 1000):
    evidence_id = uuid.uuid4()
    blob = blobs.store_stream(evidence_id, [content])
    return evidence_services.add_evidence(
        blob, evidence_id, actor=lead_investigator, title="E", filename="e.txt", investigation=case
    )


def read(path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def write(path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def blob_path(evidence_storage, evidence) -> str:
    return os.path.join(evidence_storage, evidence.blob_name)


def test_a_flipped_bit_is_never_served_and_is_reported(client, case, lead_investigator, evidence_storage):
    evidence = stored(case, lead_investigator)
    path = blob_path(evidence_storage, evidence)
    data = bytearray(read(path))
    data[100] ^= 1
    write(path, bytes(data))
    client.force_login(lead_investigator)
    response = client.get(reverse("casework:evidence_download", args=[case.reference, evidence.public_id]))
    assert response.status_code == 500
    assert "failed its integrity check" in response.content.decode()
    assert_audited(AuditAction.EVIDENCE_TAMPER_DETECTED, target_ref=str(evidence.public_id))
    with pytest.raises(CommandError, match=str(evidence.public_id)):
        call_command("verify_evidence")


def test_blobs_swapped_between_rows_are_detected(case, lead_investigator, evidence_storage):
    first, second = stored(case, lead_investigator), stored(case, lead_investigator)
    a, b = blob_path(evidence_storage, first), blob_path(evidence_storage, second)
    os.rename(a, a + ".tmp")
    os.rename(b, a)
    os.rename(a + ".tmp", b)
    assert verify(first)
    assert verify(second)


def test_truncated_and_extended_blobs_are_detected(case, lead_investigator, evidence_storage):
    evidence = stored(case, lead_investigator, content=os.urandom(2 * stream.SEGMENT_SIZE))
    path = blob_path(evidence_storage, evidence)
    original = read(path)
    write(path, original[: stream.SEGMENT_SIZE])
    assert verify(evidence)
    write(path, original + b"\x00")
    assert verify(evidence)
    write(path, original)
    assert verify(evidence) is None


def test_rotation_rewraps_keys_without_touching_blobs_and_a_retired_key_is_reported(
    case, lead_investigator, admin_user, evidence_storage, settings, capsys
):
    settings.EVIDENCE_KEYS = [OLD_KEY]
    items = [stored(case, lead_investigator, content=os.urandom(1000 + n)) for n in range(5)]
    blobs_before = {item.pk: read(blob_path(evidence_storage, item)) for item in items}
    settings.EVIDENCE_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_keys", operator=admin_user.username, code=current_code(admin_user))
    assert "5 data keys re-wrapped under new" in capsys.readouterr().out
    settings.EVIDENCE_KEYS = [NEW_KEY]
    for item in Evidence.objects.all():
        assert item.kek_id == "new"
        assert read(blob_path(evidence_storage, item)) == blobs_before[item.pk]
        assert verify(item) is None
    call_command("verify_evidence")
    assert_audited(AuditAction.EVIDENCE_KEYS_ROTATED, actor=admin_user)
    settings.EVIDENCE_KEYS = [OLD_KEY]
    with pytest.raises(CommandError, match="not in the keyring"):
        call_command("verify_evidence")


def test_disposal_destroys_the_key_then_the_blob_and_a_legal_hold_blocks_it(
    case, lead_investigator, director, evidence_storage, django_capture_on_commit_callbacks
):
    evidence = stored(case, lead_investigator)
    Evidence.objects.filter(pk=evidence.pk).update(retention_until=date.today() - timedelta(days=1), legal_hold=True)
    with pytest.raises(WorkflowError, match="legal hold"):
        evidence_services.dispose(evidence, actor=director)
    Evidence.objects.filter(pk=evidence.pk).update(legal_hold=False)
    with pytest.raises(Exception, match="director"):
        evidence_services.dispose(evidence, actor=lead_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        evidence_services.dispose(evidence, actor=director)
    disposed = Evidence.objects.get(pk=evidence.pk)
    assert disposed.wrapped_key is None
    assert not os.path.exists(blob_path(evidence_storage, evidence))
    assert_audited(AuditAction.EVIDENCE_DISPOSED, actor=director, target_ref=str(evidence.public_id))
    # Checking the store afterwards counts it as disposed of, not as damaged.
    check = verify_store()
    assert (check.checked, check.failures, check.disposed) == (0, [], 1)


def test_retention_not_ended_blocks_disposal(case, lead_investigator, director):
    evidence = stored(case, lead_investigator)
    with pytest.raises(WorkflowError, match="retention period"):
        evidence_services.dispose(evidence, actor=director)


def test_verification_of_several_hundred_files(case, lead_investigator, capsys):
    for n in range(300):
        stored(case, lead_investigator, content=(b"file %d " % n) * 50)
    call_command("verify_evidence")
    assert "All 300 evidence files verified;" in capsys.readouterr().out


def test_evidence_register_shows_custody_and_directors_cannot_download(client, case, lead_investigator, director):
    evidence = stored(case, lead_investigator)
    client.force_login(lead_investigator)
    html = client.get(reverse("casework:evidence", args=[case.reference])).content.decode()
    register = html[html.index('data-testid="evidence"') :]
    assert "evidence received" in register
    client.force_login(director)
    url = reverse("casework:evidence_download", args=[case.reference, evidence.public_id])
    assert client.get(url).status_code == 403


def test_decrypting_ahead_releases_only_authenticated_segments_then_fails(case, lead_investigator, evidence_storage):
    content = os.urandom(3 * stream.SEGMENT_SIZE)
    evidence = stored(case, lead_investigator, content=content)
    path = blob_path(evidence_storage, evidence)
    data = bytearray(read(path))
    data[stream.SEGMENT_SIZE + 500] ^= 1  # inside the second segment
    write(path, bytes(data))
    released = bytearray()

    def consume():
        for piece in blobs.read_plaintext_ahead(evidence):
            released.extend(piece)

    with pytest.raises(stream.TamperedError, match="Segment 1"):
        consume()
    assert bytes(released) == content[: stream.FIRST_PLAINTEXT_SEGMENT]


def test_legal_hold_and_disposal_through_the_investigation_page(
    client, case, lead_investigator, director, evidence_storage, django_capture_on_commit_callbacks
):
    evidence = stored(case, lead_investigator)
    Evidence.objects.filter(pk=evidence.pk).update(retention_until=date.today() - timedelta(days=1))
    client.force_login(director)
    action = lambda name: reverse("casework:action", args=[case.reference, name])  # noqa: E731
    # The evidence is named in these decisions, so a director off the team opens the case first.
    assert client.post(action("legal_hold"), {"legal_hold-reason": "Inquest"}).status_code == 403
    services.break_glass(case, actor=director, reason="Coroner's inquest notice received for this case.")
    client.post(
        action("legal_hold"),
        {"legal_hold-evidence": evidence.pk, "legal_hold-hold": "on", "legal_hold-reason": "Inquest"},
    )
    refused = client.post(action("dispose_evidence"), {"dispose_evidence-evidence": evidence.pk}, follow=True)
    assert "under a legal hold" in refused.content.decode()
    assert os.path.exists(blob_path(evidence_storage, evidence))
    client.post(action("legal_hold"), {"legal_hold-evidence": evidence.pk, "legal_hold-reason": "Inquest closed"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action("dispose_evidence"), {"dispose_evidence-evidence": evidence.pk})
    assert Evidence.objects.get(pk=evidence.pk).is_disposed
    assert not os.path.exists(blob_path(evidence_storage, evidence))
    client.force_login(lead_investigator)
    download = reverse("casework:evidence_download", args=[case.reference, evidence.public_id])
    assert client.get(download).status_code == 404
    assert client.post(action("dispose_evidence"), {"dispose_evidence-evidence": evidence.pk}).status_code == 403


@pytest.mark.parametrize("who", ["director", "admin_user"])
def test_rotation_needs_a_system_administrator_with_a_current_code(
    request, case, lead_investigator, evidence_storage, settings, who
):
    settings.EVIDENCE_KEYS = [OLD_KEY]
    item = stored(case, lead_investigator, content=b"x")
    settings.EVIDENCE_KEYS = [NEW_KEY, OLD_KEY]
    operator = request.getfixturevalue(who)
    give_authenticator(operator)
    message = "not an active system administrator" if who == "director" else "wrong or has already been used"
    with pytest.raises(CommandError, match=message):
        call_command("rotate_keys", operator=operator.username, code="000000")
    item.refresh_from_db()
    assert item.kek_id == "old"


def test_a_keyring_setting_that_names_nothing_stops_the_system_at_start_up(settings):
    from django.core.checks import run_checks

    settings.EVIDENCE_KEYRING = "casework.evidence.keys.local_keyring"  # where it lived once

    def vault_checks():
        return [message.id for message in run_checks() if (message.id or "").startswith("vault.")]

    assert vault_checks() == ["vault.E001"]
    settings.EVIDENCE_KEYRING = "vault.keys.local_keyring"
    assert vault_checks() == []


def test_the_upload_page_states_the_limit_and_the_upload_script_is_told_where_to_go(
    client, case, lead_investigator, settings
):
    settings.EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    client.force_login(lead_investigator)
    page = client.get(reverse("casework:evidence_upload", args=[case.reference])).content.decode()
    assert "up to 5.0\xa0MB" in page
    assert "data-upload" in page
    data = {
        "title": "Ward report",
        "evidence_type": "document",
        "received_on": date.today().isoformat(),
        "file": SimpleUploadedFile("report.pdf", b"%PDF-1.4 ward report", content_type="application/pdf"),
    }
    url = reverse("casework:evidence_upload", args=[case.reference])

    response = client.post(url, data, headers={"Accept": "application/json"})

    assert response.json() == {"redirect": reverse("casework:evidence", args=[case.reference])}
    assert case.evidence.count() == 1
