"""Serving evidence: stream only authenticated plaintext; a file that fails is never served."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from audit.choices import AuditAction
from audit.services import record_event
from vault import blobs
from vault.integrity import record_tampering
from vault.keys import KeyRetired
from vault.stream import TamperedError


def failed_page(request, evidence):
    return render(request, "vault/evidence_failed.html", {"evidence": evidence}, status=500)


def evidence_response(request, evidence, *, break_glass=None, on_failure=failed_page):
    """The download of `evidence` (the caller has checked access), with its purpose audited.

    A download under break-glass names it in the event, which flags it for the auditors. A file that
    fails its check before the first byte is answered by `on_failure(request, evidence)` instead.
    """
    purpose = request.GET.get("purpose", "").strip()[:200]
    chunks = blobs.read_plaintext_ahead(evidence)
    try:
        first = next(chunks)
    except (TamperedError, KeyRetired, FileNotFoundError) as error:
        record_tampering(evidence, error)
        return on_failure(request, evidence)
    detail = {"purpose": purpose, "case": evidence.case_reference}
    if break_glass is not None:
        detail["break_glass"] = break_glass.pk
    record_event(AuditAction.EVIDENCE_DOWNLOADED, target=evidence, detail=detail)
    response = StreamingHttpResponse(_guarded(evidence, first, chunks), content_type=evidence.content_type)
    response["Content-Length"] = str(evidence.size)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=evidence.display_name)
    response["Cache-Control"] = "no-store"
    return response


def _guarded(evidence, first, chunks):
    """Pass on authenticated segments; on a failure mid-file, record it and cut the response."""
    yield first
    try:
        yield from chunks
    except (TamperedError, KeyRetired) as error:
        record_tampering(evidence, error)
        raise
