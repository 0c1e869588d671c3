"""Files with concerns: from the public form and intake staff, encrypted on arrival (replies with files
are in tests/referrals/test_referrer_page.py)."""

import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from referrals.models import Attachment, Referral
from tests.factories import StaffClient
from tests.referrals.test_public_form import valid_answers

MARKER = b"REFERRER-LETTER-" + os.urandom(10).hex().encode()


def form_token(client) -> str:
    html = client.get("/share-a-concern/").content.decode()
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def every_byte_under(root) -> bytes:
    found = b""
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                found += handle.read()
    return found


def test_public_form_attachment_is_encrypted_on_arrival_and_staff_can_download_it(intake, evidence_storage):
    client = Client(enforce_csrf_checks=True)
    token = form_token(client)
    content = b"Dear sir,\n" + MARKER + b"\n" * 100
    response = client.post(
        "/share-a-concern/",
        {
            **valid_answers(),
            "form_token": token,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "attachment": SimpleUploadedFile("../letter.txt", content, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    attachment = referral.attachments.get()
    assert (attachment.display_name, attachment.content_type, attachment.added_by) == ("letter.txt", "text/plain", None)
    assert MARKER not in every_byte_under(evidence_storage)
    staff = StaffClient()
    staff.force_login(intake)
    download = staff.get(reverse("referrals:attachment", args=[referral.reference, attachment.public_id]))
    assert download.getvalue() == content


@override_settings(PUBLIC_ATTACHMENT_MAX_BYTES=1024 * 1024)
def test_an_oversized_public_attachment_saves_nothing_and_keeps_the_answers(client, db, evidence_storage):
    response = client.post(
        "/share-a-concern/",
        {
            **valid_answers(),
            "form_token": form_token(client),
            "attachment": SimpleUploadedFile("big.bin", os.urandom(2 * 1024 * 1024)),
        },
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "larger than the 1 MB limit" in html
    assert "Westfield University Hospitals" in html
    assert not Referral.objects.exists()
    assert not Attachment.objects.exists()
    assert every_byte_under(evidence_storage) == b""


# A Windows executable's first bytes: what the public must not be able to hand staff.
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + b"PE\x00\x00"
)


def test_a_public_attachment_that_is_not_a_document_image_recording_or_text_is_refused(client, db, evidence_storage):
    response = client.post(
        "/share-a-concern/",
        {
            **valid_answers(),
            "form_token": form_token(client),
            "attachment": SimpleUploadedFile(
                "invoice.pdf", EXECUTABLE + os.urandom(2000), content_type="application/pdf"
            ),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "We cannot accept this kind of file" in html
    assert "Westfield University Hospitals" in html  # the answers are kept
    assert not Referral.objects.exists()
    assert not Attachment.objects.exists()
    assert every_byte_under(evidence_storage) == b""


@pytest.mark.parametrize("persona", ["intake", "director"])
def test_staff_attach_a_posted_letter(client, personas, case_referral, evidence_storage, persona):
    client.force_login(personas[persona])
    response = client.post(
        reverse("referrals:attach", args=[case_referral.reference]),
        {"title": "Letter received by post", "attachment": SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scan")},
    )
    assert response.status_code == 302
    assert case_referral.attachments.get().added_by == personas[persona]
