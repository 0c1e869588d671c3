"""Investigation permission names and the single ways to fetch one investigation for a user."""

from django.db import transaction
from django.utils import timezone

from accounts.access import ActionDenied, NotVisible, get_visible_object
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from casework.models import BreakGlassAccess, Investigation

VIEW_INVESTIGATION = "casework.view_investigation"
WORK_ON_INVESTIGATION = "casework.work_on_investigation"
VIEW_DIRECTION = "casework.view_direction"
BREAK_GLASS = "casework.add_breakglassaccess"


def get_investigation_for(user, reference: str, action: str = "view") -> Investigation:
    """404 if `user` may not see the investigation; 403 if they may see it but not take `action`."""
    return get_visible_object(Investigation, user, action, reference=reference)


def active_break_glass(user, investigation) -> BreakGlassAccess | None:
    return (
        BreakGlassAccess.objects.filter(user=user, investigation=investigation, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def content_access(user, investigation) -> tuple[bool, BreakGlassAccess | None]:
    """(may read the journal, interviews, tasks and evidence; the break-glass that allows it, if that is why).

    The team reads content; anyone else who can see the investigation only through an active break-glass.
    """
    if user.has_perm(WORK_ON_INVESTIGATION, investigation):
        return True, None
    break_glass = active_break_glass(user, investigation)
    return break_glass is not None, break_glass


def get_investigation_content_for(user, reference: str) -> tuple[Investigation, BreakGlassAccess | None]:
    """The investigation whose content `user` may read: 404 if invisible, 403 if only its summary is theirs."""
    investigation = get_investigation_for(user, reference)
    allowed, break_glass = content_access(user, investigation)
    if not allowed:
        raise ActionDenied("casework.investigation", reference, "read content")
    return investigation, break_glass


def may_list_investigations(user) -> bool:
    """Directors and the chief see the portfolio; investigators their own cases; nobody else lists them."""
    return user.has_perm(VIEW_INVESTIGATION) or Role.INVESTIGATOR in user.roles


def record_case_read(investigation, *, reads_content: bool, break_glass=None, part: str = "") -> None:
    """The events for reading an investigation, and its content when shown; committed together.

    The journal, interviews, tasks and evidence are for the team (directors see the summary), or for a
    director who opened the case with break-glass: then every read names it, which flags it.
    """
    detail = {"part": part} if part else {}
    with transaction.atomic():
        record_event(AuditAction.INVESTIGATION_VIEWED, target=investigation, detail=detail)
        if reads_content:
            content_detail = {**detail, "break_glass": break_glass.pk} if break_glass else detail
            record_event(AuditAction.INVESTIGATION_CONTENT_VIEWED, target=investigation, detail=content_detail)


def get_evidence_to_download(user, reference: str, public_id):
    """(the evidence, the break-glass that allows it or None): 404 unless held on a case whose content
    `user` may read (the team's, or under break-glass)."""
    investigation, break_glass = get_investigation_content_for(user, reference)
    evidence = investigation.evidence.filter(public_id=public_id, disposed_at__isnull=True).first()
    if evidence is None:
        raise NotVisible("casework.evidence", str(public_id), "download")
    return evidence, break_glass
