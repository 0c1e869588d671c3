"""Writing and reviewing reports: verbs that take `actor=`, one transaction each, audited inside it."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import CLOSED_STATES, InvestigationState
from casework.models import Investigation
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction
from reports.choices import CommentAnchor, ReportKind
from reports.identifiers import Finding, scan
from reports.models import IntendedIdentifier, Report, ReportVersion, ReviewComment
from reports.permissions import may_resolve_comment, may_send_for_consultation, may_write_report

# A report is written while its case is at work; once published or closed its text stays as it was.
FROZEN_STATES = {InvestigationState.PUBLISHED, *CLOSED_STATES}


class StaleVersion(WorkflowError):
    """A save made on a version that is no longer the newest: someone saved in between."""

    def __init__(self, newest: ReportVersion) -> None:
        super().__init__(
            "%s saved version %s of this report while you were editing. Your text has not been saved: "
            "it is kept below beside theirs. Save again to make yours the newest version."
            % (newest.author.get_full_name() or newest.author.get_username(), newest.number)
        )
        self.newest = newest


def create_report(investigation: Investigation, *, actor: User, kind: str, title: str) -> Report:
    """Start a report on `investigation`: any number of interim reports, one final report."""
    if not may_write_report(actor, investigation):
        raise PermissionDenied("Only the investigation's team can start a report.")
    with service_transaction():
        locked = Investigation.objects.select_for_update(no_key=True).get(pk=investigation.pk)
        if locked.state in FROZEN_STATES:
            raise WorkflowError("%s is %s: no report can be started." % (locked, locked.get_state_display().lower()))
        if kind == ReportKind.FINAL and locked.reports.filter(kind=ReportKind.FINAL).exists():
            raise WorkflowError("%s already has a final report: add a new version to it instead." % locked)
        report = Report.objects.create(investigation=locked, kind=kind, title=title.strip(), created_by=actor)
        record_event(
            AuditAction.REPORT_CREATED, actor=actor, target=report, detail={"case": locked.reference, "kind": kind}
        )
    return report


def save_version(report: Report, *, actor: User, sections: dict[str, str], based_on: int) -> ReportVersion:
    """Save the whole text as the next version; `based_on` is the version the writer started from.

    Two writers saving on the same version: the report's row lock orders them, the first saves and
    the second is refused with `StaleVersion` (nothing of theirs is lost: the page keeps it).
    """
    if not may_write_report(actor, report.investigation):
        raise PermissionDenied("Only the investigation's team can write its reports.")
    with service_transaction():
        locked = Report.objects.select_for_update().select_related("investigation").get(pk=report.pk)
        if locked.investigation.state in FROZEN_STATES:
            raise WorkflowError(
                "%s is %s: its reports can no longer change."
                % (locked.investigation, locked.investigation.get_state_display().lower())
            )
        newest = locked.latest_version()
        if (newest.number if newest else 0) != based_on:
            raise StaleVersion(newest) if newest else WorkflowError("That version does not exist.")
        body = ReportVersion.encode(sections)
        if newest is not None and newest.body == body:
            raise WorkflowError("Nothing has changed since version %s, so no new version was saved." % newest.number)
        version = ReportVersion.objects.create(report=locked, number=based_on + 1, body=body, author=actor)
        record_event(
            AuditAction.REPORT_VERSION_SAVED,
            actor=actor,
            target=locked,
            detail={"case": locked.investigation.reference, "version": version.number},
        )
    return version


def add_comment(version: ReportVersion, *, actor: User, anchor: str, text: str) -> ReviewComment:
    """A reviewer's comment on a section of `version` (or on the whole draft); anyone who reads may comment."""
    report = version.report
    if not Report.objects.visible_to(actor).filter(pk=report.pk).exists():
        raise PermissionDenied("You cannot see this report.")
    if anchor not in CommentAnchor.values:
        raise WorkflowError("Choose the section the comment is about.")
    with service_transaction():
        comment = ReviewComment.objects.create(
            report=report, version=version, anchor=anchor, text=text.strip(), author=actor
        )
        record_event(
            AuditAction.REPORT_COMMENT_ADDED,
            actor=actor,
            target=report,
            detail={"case": report.investigation.reference, "version": version.number, "anchor": anchor},
        )
    return comment


def resolve_comment(comment: ReviewComment, *, actor: User, resolution: str) -> ReviewComment:
    """The team settles a comment with its answer; a comment is resolved once."""
    report = comment.report
    if not may_resolve_comment(actor, report.investigation):
        raise PermissionDenied("Only the investigation's team can resolve review comments.")
    with service_transaction():
        locked = ReviewComment.objects.select_for_update().get(pk=comment.pk)
        if not locked.is_open:
            raise WorkflowError("This comment was already resolved. Nothing was changed.")
        locked.resolution, locked.resolved_by, locked.resolved_at = resolution.strip(), actor, timezone.now()
        locked.save(update_fields=["resolution", "resolved_by", "resolved_at"])
        record_event(
            AuditAction.REPORT_COMMENT_RESOLVED,
            actor=actor,
            target=report,
            detail={"case": report.investigation.reference, "comment": str(locked.public_id)},
        )
    return locked


def review_refusal(report: Report) -> str | None:
    """Why the review of `report` cannot be approved yet (nothing written, or comments still open), or None."""
    if not report.versions.exists():
        return "%s has nothing written yet: the team writes it before the review can be approved." % report
    if open_count := report.comments.filter(resolved_at=None).count():
        return "%d review comment%s on the draft %s still open: the team resolves %s first." % (
            open_count,
            "" if open_count == 1 else "s",
            "is" if open_count == 1 else "are",
            "it" if open_count == 1 else "them",
        )
    return None


def mark_identifier_intended(report: Report, *, actor: User, finding: Finding, reason: str) -> IntendedIdentifier:
    """The lead keeps a finding of the anonymisation check in the published text, saying why."""
    if not may_send_for_consultation(actor, report.investigation):
        raise PermissionDenied("Only the investigation's lead decides what identifying detail is published.")
    if len(reason.strip()) < 10:
        raise WorkflowError("Say why this should be published as it is (at least 10 characters).")
    with service_transaction():
        intended, created = IntendedIdentifier.objects.get_or_create(
            report=report,
            key=finding.key,
            defaults={"kind": finding.kind, "reason": reason.strip(), "marked_by": actor},
        )
        if not created:
            raise WorkflowError("This was already marked as intended. Nothing was changed.")
        record_event(
            AuditAction.REPORT_IDENTIFIER_INTENDED,
            actor=actor,
            target=report,
            detail={"case": report.investigation.reference, "kind": finding.kind, "section": finding.section},
        )
    return intended


def findings_to_settle(report: Report) -> list[Finding]:
    """What the anonymisation check finds in the newest version that nobody has marked as intended."""
    version = report.latest_version()
    if version is None:
        return []
    intended = set(report.intended_identifiers.values_list("key", flat=True))
    return [finding for finding in scan(report.investigation, version.sections) if finding.key not in intended]
