"""Serving evidence: stream only authenticated plaintext; a file that fails is never served."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from audit.choices import AuditAction
from audit.services import record_event
from casework.evidence import services, vault
from casework.evidence.keys import KeyRetired
from casework.evidence.stream import TamperedError


def evidence_response(request, evidence, case_reference: str):
    """The download of `evidence` (the caller has checked access), with its purpose audited."""
    purpose = request.GET.get("purpose", "").strip()[:200]
    chunks = vault.read_plaintext_ahead(evidence)
    try:
        first = next(chunks)
    except (TamperedError, KeyRetired, FileNotFoundError) as error:
        services.record_tampering(evidence, error)
        return render(request, "casework/evidence_failed.html", {"evidence": evidence}, status=500)
    record_event(AuditAction.EVIDENCE_DOWNLOADED, target=evidence, detail={"purpose": purpose, "case": case_reference})
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
        services.record_tampering(evidence, error)
        raise
