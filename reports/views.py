"""Report pages: the case's reports, one report (any version) with its review, writing a new
version, and comparing two. Everything is case material: 404 for anyone who may not see the case."""

import uuid
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts import mfa
from accounts.access import ActionDenied, NotVisible, requires_object_permission
from audit.choices import AuditAction
from audit.services import record_event
from casework.permissions import VIEW_INVESTIGATION
from casework.selectors import get_investigation_for
from kernel.downloads import csv_response
from kernel.errors import WorkflowError
from kernel.once import AlreadySent, do_once, form_token
from reports import services
from reports.forms import CommentForm, ConsulteeFormSet, ExtendForm, HandleForm, NewReportForm, ResolveForm, VersionForm
from reports.identifiers import scan
from reports.models import ConsultationAttachment, ConsultationComment
from reports.pdf import pdf_response
from reports.permissions import (
    may_approve_interim,
    may_publish_report,
    may_resolve_comment,
    may_send_for_consultation,
    may_write_report,
)
from reports.selectors import (
    compare,
    consultation_log,
    consultations_of,
    get_consultation_for,
    get_report_for,
    get_version,
    laid_out,
    reports_of,
    shown_version,
)
from reports.services import consultation as consultation_services
from reports.services import drafting as drafting_services
from reports.services import publication as publication_services
from vault.http import evidence_response
from workflow.steps import record_refusal, run_page_action, sent_again


def _number(value) -> int | None:
    """A version number from the query string; anything else is a version that does not exist."""
    if value is None:
        return None
    return int(value) if str(value).isdigit() and len(str(value)) < 9 else 0


@requires_object_permission(VIEW_INVESTIGATION)
def report_list(request, reference):
    """The investigation's reports; the team starts one here (a refused form keeps what was typed)."""
    investigation = get_investigation_for(request.user, reference)
    writer = may_write_report(request.user, investigation)
    form = NewReportForm(request.POST or None, prefix="report")
    status = 200
    if request.method == "POST":
        if not writer:
            raise ActionDenied("casework.investigation", reference, "start a report")
        if form.is_valid():
            try:
                report = do_once(
                    form_token(request.POST),
                    "form",
                    lambda: services.create_report(
                        investigation,
                        actor=request.user,
                        kind=form.cleaned_data["kind"],
                        title=form.cleaned_data["title"],
                    ),
                )
            except AlreadySent:
                return sent_again(request, investigation, name="create_report", label="Start a report")
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "Report started: write its first version.")
                return redirect("reports:edit", reference, report.public_id)
        record_refusal(investigation, "create_report", {"errors": sorted(form.errors)})
        status = 400
    else:
        record_event(AuditAction.REPORT_LIST_VIEWED, target=investigation)
    context = {"investigation": investigation, "reports": reports_of(investigation), "form": form, "writer": writer}
    return render(request, "reports/list.html", context, status=status)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def report_detail(request, reference, public_id):
    """One version of a report (the newest unless `?version=`), section by section, with its review."""
    report = get_report_for(request.user, reference, public_id)
    version = shown_version(report, _number(request.GET.get("version")))
    record_event(
        AuditAction.REPORT_VIEWED,
        target=report,
        detail={"case": reference, "version": version.number if version else None},
    )
    newest = report.latest_version()
    context = {
        "report": report,
        "investigation": report.investigation,
        "version": version,
        "is_newest": version is not None and newest is not None and version.number == newest.number,
        "versions": report.versions.select_related("author").order_by("-number"),
        "sections": laid_out(report, version),
        "writer": may_write_report(request.user, report.investigation),
        "resolver": may_resolve_comment(request.user, report.investigation),
        "comment_form": CommentForm(prefix="comment"),
        "resolve_form": ResolveForm(prefix="resolve"),
        "consultations": consultations_of(report),
        "may_consult": may_send_for_consultation(request.user, report.investigation),
        "may_approve": may_approve_interim(request.user),
        "may_publish": may_publish_report(request.user),
        "publication": getattr(report, "publication", None),
    }
    return render(request, "reports/detail.html", context)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def report_pdf(request, reference, public_id):
    """A version as a PDF for those who read the report, marked with who took it and when."""
    report = get_report_for(request.user, reference, public_id)
    version = shown_version(report, _number(request.GET.get("version")))
    if version is None:
        raise NotVisible("reports.reportversion", str(public_id), "download")
    user = request.user
    record_event(
        AuditAction.REPORT_PDF_DOWNLOADED, target=report, detail={"case": reference, "version": version.number}
    )
    watermark = "Draft for internal use only · %s · %s" % (
        user.get_full_name() or user.get_username(),
        timezone.localdate().strftime("%-d %B %Y"),
    )
    return pdf_response(report, version, watermark=watermark)


@requires_object_permission(VIEW_INVESTIGATION)
def report_edit(request, reference, public_id):
    """Write the next version. Saving on a version someone else has moved past is refused: the page
    shows their newer text beside the writer's, which is kept in the form, nothing lost."""
    report = get_report_for(request.user, reference, public_id)
    if not may_write_report(request.user, report.investigation):
        raise ActionDenied("reports.report", str(public_id), "write")
    newest = report.latest_version()
    initial = {"based_on": newest.number if newest else 0, **(newest.sections if newest else {})}
    form = VersionForm(request.POST or None, initial=initial)
    context = {"report": report, "investigation": report.investigation, "form": form, "newer": None}
    if request.method != "POST":
        record_event(AuditAction.FORM_OPENED, target=report, detail={"form": "report version"})
        return render(request, "reports/edit.html", context)
    if form.is_valid():
        try:
            version = do_once(
                form_token(request.POST),
                "form",
                lambda: services.save_version(
                    report, actor=request.user, sections=form.sections(), based_on=form.cleaned_data["based_on"]
                ),
            )
        except AlreadySent:
            return sent_again(request, report, name="save_version", label="Save")
        except services.StaleVersion as stale:
            # The writer's text stays; saving again, having seen theirs, is deliberate.
            answers = request.POST.copy()
            answers["based_on"] = str(stale.newest.number)
            form = context["form"] = VersionForm(answers)
            form.is_valid()
            form.add_error(None, str(stale))
            context["newer"] = {"version": stale.newest, "sections": laid_out(report, stale.newest)}
        except WorkflowError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Version %s saved." % version.number)
            return redirect(report)
    record_refusal(report, "save_version", {"errors": sorted(form.errors)})
    return render(request, "reports/edit.html", context, status=400 if context["newer"] is None else 409)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def report_compare(request, reference, public_id):
    """What changed between two versions (`?from=` and `?to=`), word by word, section by section."""
    report = get_report_for(request.user, reference, public_id)
    newest = report.latest_version()
    if newest is None:
        raise NotVisible("reports.reportversion", str(public_id), "compare")
    newer = get_version(report, _number(request.GET.get("to")) or newest.number)
    older = get_version(report, _number(request.GET.get("from")) or max(newer.number - 1, 1))
    if older.number > newer.number:
        older, newer = newer, older
    record_event(
        AuditAction.REPORT_VERSIONS_COMPARED,
        target=report,
        detail={"case": reference, "from": older.number, "to": newer.number},
    )
    context = {
        "report": report,
        "investigation": report.investigation,
        "older": older,
        "newer": newer,
        "changes": compare(older, newer),
        "versions": report.versions.order_by("-number"),
    }
    return render(request, "reports/compare.html", context)


# An interim report's steps: who may take each, its label, the service, and the step-up it asks for.
INTERIM_STEPS = {
    "approve": (may_approve_interim, "Approve for publication", publication_services.approve_interim, ""),
    "publish": (
        may_publish_report,
        "Publish the interim report",
        publication_services.publish_report,
        "publish the report",
    ),
}


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def interim_step(request, reference, public_id, action):
    """A director approves an interim report's newest version; the chief publishes it (s.116)."""
    report = get_report_for(request.user, reference, public_id)
    if action not in INTERIM_STEPS:
        raise NotVisible("reports.report", str(public_id), action)
    allowed, label, perform, step_up = INTERIM_STEPS[action]
    if not allowed(request.user):
        raise ActionDenied("reports.report", str(public_id), action)
    if step_up and (asked := mfa.step_up(request, step_up)) is not None:
        return asked
    return run_page_action(
        request,
        report,
        name="%s_interim" % action,
        label=label,
        form=None,
        perform=lambda data: perform(report, actor=request.user),
    )


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def comment_add(request, reference, public_id):
    """A review comment on a section of the version shown."""
    report = get_report_for(request.user, reference, public_id)
    version = get_version(report, _number(request.POST.get("version")) or 0)
    return run_page_action(
        request,
        report,
        name="add_comment",
        label="Comment",
        form=CommentForm(request.POST, prefix="comment"),
        perform=lambda data: services.add_comment(
            version, actor=request.user, anchor=data["anchor"], text=data["text"]
        ),
    )


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def comment_resolve(request, reference, public_id, comment_id):
    report = get_report_for(request.user, reference, public_id)
    comment = report.comments.filter(public_id=comment_id).first()
    if comment is None:
        raise NotVisible("reports.reviewcomment", str(comment_id), "resolve")
    if not may_resolve_comment(request.user, report.investigation):
        raise ActionDenied("reports.reviewcomment", str(comment_id), "resolve")
    return run_page_action(
        request,
        report,
        name="resolve_comment",
        label="Resolve comment",
        form=ResolveForm(request.POST, prefix="resolve"),
        perform=lambda data: services.resolve_comment(comment, actor=request.user, resolution=data["resolution"]),
    )


@requires_object_permission(VIEW_INVESTIGATION)
def consult(request, reference, public_id):
    """The lead sends the newest version to the people it concerns, each with why (s.115)."""
    report = get_report_for(request.user, reference, public_id)
    if not may_send_for_consultation(request.user, report.investigation):
        raise ActionDenied("reports.report", str(public_id), "send for consultation")
    formset = ConsulteeFormSet(request.POST or None, prefix="consultee")
    context: dict[str, Any] = {"report": report, "investigation": report.investigation, "formset": formset}
    if request.method != "POST":
        record_event(AuditAction.FORM_OPENED, target=report, detail={"form": "consultation"})
        return render(request, "reports/consult.html", context)
    if formset.is_valid():
        named = [form.cleaned_data for form in formset if form.cleaned_data.get("email")]
        try:
            consultation = do_once(
                form_token(request.POST),
                "form",
                lambda: consultation_services.send_for_consultation(report, actor=request.user, consultees=named),
            )
        except AlreadySent:
            return sent_again(request, report, name="send_for_consultation", label="Send for consultation")
        except WorkflowError as refusal:
            context["refusal"] = str(refusal)
        else:
            messages.success(request, "Draft sent for consultation as %s." % consultation.reference)
            return redirect(consultation)
    record_refusal(report, "send_for_consultation", {"refusal": context.get("refusal", "form")[:300]})
    return render(request, "reports/consult.html", context, status=400)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def consultation_detail(request, reference, public_id):
    """Who was consulted, what they said, and how the team handled each comment."""
    consultation = get_consultation_for(request.user, reference, public_id)
    record_event(AuditAction.CONSULTATION_VIEWED, target=consultation, detail={"case": reference})
    context = {
        "consultation": consultation,
        "report": consultation.report,
        "investigation": consultation.investigation,
        "log": consultation_log(consultation),
        "writer": may_write_report(request.user, consultation.investigation),
        "handle_form": HandleForm(prefix="handle"),
        "extend_form": ExtendForm(prefix="extend"),
    }
    return render(request, "reports/consultation.html", context)


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def consultation_action(request, reference, public_id, action):
    """extend a consultee's deadline, or handle a comment (the target named in the form)."""
    consultation = get_consultation_for(request.user, reference, public_id)
    if action not in ("extend", "handle"):
        raise NotVisible("reports.consultation", str(public_id), action)
    if not may_write_report(request.user, consultation.investigation):
        raise ActionDenied("reports.consultation", str(public_id), action)
    target_id = request.POST.get("target", "")
    if action == "extend":
        consultee = consultation.consultees.filter(public_id=_uuid(target_id)).first()
        if consultee is None:
            raise NotVisible("reports.consultee", target_id[:40], "extend")
        return run_page_action(
            request,
            consultation,
            name="extend_deadline",
            label="Extend the deadline",
            form=ExtendForm(request.POST, prefix="extend"),
            perform=lambda data: consultation_services.extend_deadline(
                consultee, actor=request.user, deadline=data["deadline"], reason=data["reason"]
            ),
        )
    comment = ConsultationComment.objects.filter(
        consultee__consultation=consultation, public_id=_uuid(target_id)
    ).first()
    if comment is None:
        raise NotVisible("reports.consultationcomment", target_id[:40], "handle")
    return run_page_action(
        request,
        consultation,
        name="handle_comment",
        label="Comment handled",
        form=HandleForm(request.POST, prefix="handle"),
        perform=lambda data: consultation_services.handle_comment(
            comment, actor=request.user, handling=data["handling"], response=data["response"]
        ),
    )


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def consultation_export(request, reference, public_id):
    """The consultation log as CSV: each comment, whose (by role, not name), and how it was handled."""
    consultation = get_consultation_for(request.user, reference, public_id)
    log = consultation_log(consultation)
    record_event(AuditAction.CONSULTATION_LOG_EXPORTED, target=consultation, detail={"case": reference})
    rows = [
        [
            entry["consultee"].get_purpose_display(),
            entry["consultee"].organisation,
            comment.get_anchor_display(),
            comment.text,
            comment.created_at.isoformat(),
            comment.get_handling_display() if comment.handling else "Not yet handled",
            comment.response,
        ]
        for entry in log
        for comment in entry["comments"]
    ]
    header = ["Consulted as", "Organisation", "Part of the draft", "Comment", "Sent", "Outcome", "Response"]
    return csv_response(header, rows, "consultation-%s" % consultation.reference)


def _uuid(value: str):
    """A UUID from a form field, or None for anything else (which then matches nothing)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@requires_object_permission(VIEW_INVESTIGATION)
def identifiers(request, reference, public_id):
    """The anonymisation check on the newest version; the lead marks a finding as intended, with a reason."""
    report = get_report_for(request.user, reference, public_id)
    version = report.latest_version()
    findings = scan(report.investigation, version.sections) if version else []
    intended = {mark.key: mark for mark in report.intended_identifiers.select_related("marked_by")}
    status = 200
    if request.method == "POST":
        if not may_send_for_consultation(request.user, report.investigation):
            raise ActionDenied("reports.report", str(public_id), "mark an identifier as intended")
        finding = next((each for each in findings if each.key == request.POST.get("key")), None)
        try:
            if finding is None:
                raise WorkflowError("That finding is no longer in the newest version. Nothing was changed.")
            do_once(
                form_token(request.POST),
                "form",
                lambda: drafting_services.mark_identifier_intended(
                    report, actor=request.user, finding=finding, reason=request.POST.get("reason", "")
                ),
            )
        except AlreadySent:
            return sent_again(request, report, name="mark_identifier", label="Mark as intended")
        except WorkflowError as refusal:
            messages.error(request, str(refusal))
            record_refusal(report, "mark_identifier", {"refusal": str(refusal)[:300]})
            status = 400
        else:
            messages.success(request, "Marked as intended.")
            return redirect("reports:identifiers", reference, public_id)
    else:
        record_event(
            AuditAction.REPORT_IDENTIFIERS_CHECKED,
            target=report,
            detail={"case": reference, "version": version.number if version else None, "findings": len(findings)},
        )
    context = {
        "report": report,
        "investigation": report.investigation,
        "version": version,
        "findings": [{"finding": each, "intended": intended.get(each.key)} for each in findings],
        "lead": may_send_for_consultation(request.user, report.investigation),
        "typed": request.POST if status == 400 else {},
    }
    return render(request, "reports/identifiers.html", context, status=status)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def consultation_attachment(request, reference, public_id, file_id):
    """A file a consulted person sent, for those who see the consultation (the download is audited)."""
    consultation = get_consultation_for(request.user, reference, public_id)
    kept = ConsultationAttachment.objects.filter(
        comment__consultee__consultation=consultation, public_id=file_id, disposed_at__isnull=True
    ).first()
    if kept is None:
        raise NotVisible("reports.consultationattachment", str(file_id), "download")
    return evidence_response(request, kept)
