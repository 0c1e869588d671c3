"""The released package: a ZIP streamed from the vault with exactly the approved items and the warning.

Written with the standard library's `zipfile` to an unseekable sink (entries carry data
descriptors), so the package is never held in memory or on disk in clear. Items are stored, not
compressed: evidence is mostly already-compressed documents, images and audio.
"""

import csv
import io
import zipfile

from django.http import StreamingHttpResponse
from django.utils import timezone

from disclosures.services import approved_evidence
from vault import blobs
from vault.integrity import record_tampering
from vault.keys import KeyRetired
from vault.stream import TamperedError

WARNING = """PROTECTED MATERIAL: ONWARD DISCLOSURE IS AN OFFENCE

{reference}: material from investigation {case}, disclosed to
    {recipient}
on {date} under Schedule 14 to the Health and Care Act 2022 on the ground:
    {ground}

Extent and limits on its use:
{extent}

This material is disclosed to the recipient named above for that purpose only. Disclosing it, or
any part of it, to anyone else except as the law allows may be a criminal offence. Keep it secure,
do not copy it beyond what the purpose needs, and return or destroy it when that purpose is met.

MANIFEST.csv lists every file in this package with its SHA-256; nothing else was disclosed.
"""


class _Sink(io.RawIOBase):
    """Collects what zipfile writes so the generator can hand it on and forget it."""

    def __init__(self):
        self.pieces: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.pieces.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.pieces = b"".join(self.pieces), []
        return data


def package_name(item_number: int, evidence) -> str:
    return "items/%02d-%s" % (item_number, evidence.display_name)


def package_chunks(disclosure):
    """The package, piece by piece; a file failing authentication stops it (and is recorded as tampering)."""
    items = list(approved_evidence(disclosure))
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("WARNING.txt", warning_text(disclosure))
        archive.writestr("MANIFEST.csv", manifest(items))
        yield sink.take()
        for number, evidence in enumerate(items, start=1):
            info = zipfile.ZipInfo(package_name(number, evidence), date_time=timezone.now().timetuple()[:6])
            with archive.open(info, "w", force_zip64=evidence.size > 2**31) as entry:
                try:
                    for chunk in blobs.read_plaintext(evidence):
                        entry.write(chunk)
                        yield sink.take()
                except (TamperedError, KeyRetired, FileNotFoundError) as error:
                    record_tampering(evidence, error)
                    raise
        yield sink.take()
    yield sink.take()


def warning_text(disclosure) -> str:
    return WARNING.format(
        reference=disclosure.reference,
        case=disclosure.investigation.reference,
        recipient=disclosure.recipient,
        date=(disclosure.released_at or timezone.now()).date().isoformat(),
        ground=disclosure.get_ground_display(),
        extent=disclosure.extent,
    )


def manifest(items) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "evidence id", "title", "size", "sha256"])
    for number, evidence in enumerate(items, start=1):
        writer.writerow(
            [package_name(number, evidence), evidence.public_id, evidence.title, evidence.size, evidence.sha256]
        )
    return buffer.getvalue()


def package_response(disclosure) -> StreamingHttpResponse:
    response = StreamingHttpResponse(package_chunks(disclosure), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="%s.zip"' % disclosure.reference
    response["Cache-Control"] = "no-store"
    return response
