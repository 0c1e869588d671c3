"""Publishing a report: the chief investigator publishes its newest version as a frozen public copy.

A final report's publication is the investigation's "publish" step (reports offers it on the case
page in casework's place, so the two happen in one transaction and the step's rules hold: the
anonymisation check must be clear). An interim report (s.116) is published while the investigation
goes on: a director approves one version once its review comments are resolved, and the chief
publishes that version, under the same anonymisation check.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from casework import services as case_services
from casework.choices import ACTIVE_STATES, InvestigationState
from casework.models import Investigation
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction
from reports.choices import ReportKind, Section
from reports.models import Publication, Report
from reports.permissions import may_approve_interim, may_publish_report
from reports.services.drafting import findings_to_settle, review_refusal

# While these hold, an interim report can be approved and published: the investigation is under way.
INTERIM_STATES = (*ACTIVE_STATES, InvestigationState.PAUSED)

SLUG_TITLE_LENGTH = 80


def publish_final(investigation: Investigation, *, actor: User) -> Publication:
    """The case page's "publish" step: the final report's newest version, published."""
    report = investigation.reports.filter(kind=ReportKind.FINAL).first()
    if report is None:
        raise WorkflowError("%s has no final report to publish." % investigation)
    return publish_report(report, actor=actor)


def approve_interim(report: Report, *, actor: User) -> Report:
    """A director approves the interim report's newest version for publication (its review settled)."""
    if not may_approve_interim(actor):
        raise PermissionDenied("Only a director approves an interim report for publication.")
    with service_transaction():
        locked = Report.objects.select_for_update().select_related("investigation").get(pk=report.pk)
        if locked.kind != ReportKind.INTERIM:
            raise WorkflowError("The final report's review is approved in the investigation's own step.")
        if locked.investigation.state not in INTERIM_STATES:
            raise WorkflowError("An interim report is approved while the investigation is under way.")
        if Publication.objects.filter(report=locked).exists():
            raise WorkflowError("%s has already been published. Nothing was changed." % locked)
        if refusal := review_refusal(locked):
            raise WorkflowError(refusal)
        version = locked.latest_version()
        if version is not None and locked.approved_version_id == version.pk:
            raise WorkflowError("Version %d is already approved. Nothing was changed." % version.number)
        locked.approved_version, locked.approved_by, locked.approved_at = version, actor, timezone.now()
        locked.save(update_fields=["approved_version", "approved_by", "approved_at"])
        record_event(
            AuditAction.REPORT_INTERIM_APPROVED,
            actor=actor,
            target=locked,
            detail={"case": locked.investigation.reference, "version": version.number if version else None},
        )
    return locked


def publish_interim(report: Report, *, actor: User) -> Publication:
    """The report page's step for an interim report; the final report is published in the case's step."""
    if report.kind != ReportKind.INTERIM:
        raise WorkflowError("The final report is published in the investigation's own step, after final approval.")
    return publish_report(report, actor=actor)


def publish_report(report: Report, *, actor: User) -> Publication:
    if not may_publish_report(actor):
        raise PermissionDenied("Only the chief investigator publishes reports.")
    with service_transaction():
        locked = Report.objects.select_for_update().select_related("investigation").get(pk=report.pk)
        if Publication.objects.filter(report=locked).exists():
            raise WorkflowError("%s has already been published. Nothing was changed." % locked)
        version = locked.latest_version()
        if version is None:
            raise WorkflowError("Nothing has been written, so there is nothing to publish.")
        summary = version.sections[Section.SUMMARY].strip()
        if not summary:
            raise WorkflowError("Write the report's summary before it is published: it introduces the report.")
        investigation = locked.investigation
        if locked.kind == ReportKind.FINAL:
            # The case's own step, whose rules include the anonymisation check (reports.gates).
            case_services.publish(investigation, actor=actor, report_summary=summary)
        else:
            if investigation.state not in INTERIM_STATES:
                raise WorkflowError("An interim report is published while the investigation is under way.")
            if locked.approved_version_id != version.pk:
                raise WorkflowError(
                    "Version %d has not been approved for publication: a director approves it once its review "
                    "comments are resolved." % version.number
                )
            if waiting := len(findings_to_settle(locked)):
                raise WorkflowError(
                    "The anonymisation check finds %d possible identifier%s: the lead settles them first."
                    % (waiting, "" if waiting == 1 else "s")
                )
        publication = Publication.objects.create(
            report=locked,
            version=version,
            slug=_slug(locked),
            title=locked.title,
            kind=locked.kind,
            summary=summary,
            sections=version.sections,
            search_text="\n\n".join(version.sections.values()),
            care_setting=_care_setting(investigation),
            direction_title=getattr(getattr(investigation, "direction", None), "title", ""),
            published_by=actor,
        )
        record_event(
            AuditAction.REPORT_PUBLISHED,
            actor=actor,
            target=locked,
            detail={"case": investigation.reference, "version": version.number, "slug": publication.slug},
        )
    return publication


def _slug(report: Report) -> str:
    base = slugify(report.title)[:SLUG_TITLE_LENGTH].strip("-") or "report"
    interim = "-interim-%s" % report.pk if report.kind == ReportKind.INTERIM else ""
    return "%s-%s%s" % (base, report.investigation.reference.lower(), interim)


def _care_setting(investigation: Investigation) -> str:
    """Where the care happened, from the concern the investigation began with (a directed one has none)."""
    referral = investigation.origin_referral
    return referral.get_care_setting_display() if referral is not None else ""
