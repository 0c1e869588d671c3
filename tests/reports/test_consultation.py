"""The consultation on the draft (s.115): the lead sends the frozen version, each person hears by a
content-free e-mail, reads it through the portal after the confidentiality warning, comments before
the deadline; the team handles every comment before final approval."""

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.choices import AuditAction, Outcome
from casework import services as case_services
from casework.choices import InvestigationState as S
from kernel.errors import WorkflowError
from notify.mail import deliver
from notify.models import Notification
from reports.choices import ConsulteePurpose, Handling, ReportKind
from reports.models import Consultee, Report
from reports.services import add_comment as add_review_comment
from reports.services import consultation as consultation_services
from tests.casework.test_case_access import signed_in
from tests.factories import StaffClient
from tests.helpers import assert_audited

pytestmark = pytest.mark.django_db

FAMILY = {"name": "Mary Whitfield", "email": "mary@example.org", "purpose": ConsulteePurpose.FAMILY}
TRUST = {
    "name": "Patient safety lead",
    "email": "psl@trust.example",
    "purpose": ConsulteePurpose.FACTUAL_ACCURACY,
    "organisation": "Northshire Trust",
}


@pytest.fixture
def in_consultation(case_investigation, director, lead_investigator, chief):
    from tests.casework.test_investigation_services import walk

    return walk(case_investigation, director, lead_investigator, chief, until=S.DRAFT_CONSULTATION)


@pytest.fixture
def final_report(in_consultation):
    return Report.objects.get(investigation=in_consultation, kind=ReportKind.FINAL)


@pytest.fixture
def consultation(final_report, lead_investigator):
    return consultation_services.send_for_consultation(
        final_report, actor=lead_investigator, consultees=[FAMILY, TRUST]
    )


def portal_session(address: str) -> StaffClient:
    page = StaffClient()
    page.post(reverse("portal:sign_in"), {"email": address})
    code = mail.outbox[-1].body.split("code is ")[1][:6]
    page.post(reverse("portal:code"), {"code": code})
    return page


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_each_person_hears_by_a_mail_that_says_nothing_of_the_case(consultation, final_report):
    notices = Notification.objects.filter(outside_recipient__isnull=False)
    assert notices.count() == 2
    for notice in notices:
        deliver(notice.pk, 1)
    assert sorted(message.to[0] for message in mail.outbox) == ["mary@example.org", "psl@trust.example"]
    for message in mail.outbox:
        assert consultation.reference in message.subject
        assert "/portal/consultations/" in message.body
        for protected in (final_report.title, final_report.investigation.title, "What we found"):
            assert protected not in "%s %s" % (message.subject, message.body)
    event = assert_audited(AuditAction.CONSULTATION_SENT, target_ref=consultation.reference)
    assert event.detail["version"] == 1
    assert "mary@example.org" not in str(event.detail)


def test_a_consulted_person_reads_after_the_warning_comments_and_sends_in(
    consultation, final_report, director, lead_investigator
):
    add_review_comment(final_report.latest_version(), actor=director, anchor="summary", text="Internal only")
    consultee = consultation.consultees.get(person__email_digest__isnull=False, purpose=ConsulteePurpose.FAMILY)
    page = portal_session("mary@example.org")
    assert consultation.reference in page.get(reverse("portal:home")).content.decode()
    url = reverse("portal:consultation", args=[consultee.public_id])
    first = page.get(url).content.decode()
    assert "This draft is confidential" in first
    assert "What we found" not in first  # the draft only after the warning is accepted
    page.post(reverse("portal:consultation_step", args=[consultee.public_id, "acknowledge"]))
    assert_audited(AuditAction.CONSULTATION_ACKNOWLEDGED, target_ref=consultee.reference)
    draft = page.get(url).content.decode()
    assert "What we found" in draft
    assert "Internal only" not in draft  # the team's own review never reaches them
    assert_audited(AuditAction.CONSULTATION_DRAFT_READ, target_ref=consultee.reference)
    step = reverse("portal:consultation_comment", args=[consultee.public_id])
    page.post(step, {"comment-anchor": "summary", "comment-text": "<script>x</script>Mum fell twice, not once."})
    page.post(reverse("portal:consultation_step", args=[consultee.public_id, "submit"]))
    consultee.refresh_from_db()
    assert consultee.submitted_at is not None
    assert Notification.objects.filter(
        recipient=lead_investigator, kind="consultation.answered", subject_ref=final_report.investigation.reference
    ).exists()
    # The team sees it inert, handles it, and only then may the report go to final approval.
    staff = signed_in(lead_investigator)
    log = staff.get(consultation.get_absolute_url()).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;Mum fell twice" in log
    case_services.transition(final_report.investigation, "begin_revision", actor=lead_investigator)
    with pytest.raises(WorkflowError, match="1 comment from the consultation still needs handling"):
        case_services.transition(final_report.investigation, "submit_final", actor=lead_investigator)
    comment = consultee.comments.get()
    handle = reverse(
        "reports:consultation_action", args=[final_report.investigation.reference, consultation.public_id, "handle"]
    )
    staff.post(
        handle,
        {
            "target": str(comment.public_id),
            "handle-handling": Handling.ACCEPTED,
            "handle-response": "Corrected in 2.3.",
        },
    )
    comment.refresh_from_db()
    assert comment.handling == Handling.ACCEPTED
    case_services.transition(final_report.investigation, "submit_final", actor=lead_investigator)
    export = staff.post(
        reverse("reports:consultation_export", args=[final_report.investigation.reference, consultation.public_id])
    )
    csv = streamed(export)
    assert "The patient or their family,,Summary" in csv
    assert "Accepted,Corrected in 2.3." in csv
    assert "Mary" not in csv  # people are named by their role in the log


def test_another_persons_copy_is_not_found(consultation):
    theirs = consultation.consultees.get(purpose=ConsulteePurpose.FACTUAL_ACCURACY)
    page = portal_session("mary@example.org")
    assert page.get(reverse("portal:consultation", args=[theirs.public_id])).status_code == 404
    refused = page.post(reverse("portal:consultation_step", args=[theirs.public_id, "acknowledge"]))
    assert refused.status_code == 404
    assert_audited(AuditAction.ACCESS_DENIED, outcome=Outcome.DENIED, target_ref=str(theirs.public_id))
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


def test_after_the_deadline_a_comment_is_refused_and_nothing_typed_is_lost(consultation):
    consultee = consultation.consultees.get(purpose=ConsulteePurpose.FAMILY)
    page = portal_session("mary@example.org")
    page.post(reverse("portal:consultation_step", args=[consultee.public_id, "acknowledge"]))
    Consultee.objects.filter(pk=consultee.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    response = page.post(
        reverse("portal:consultation_comment", args=[consultee.public_id]),
        {"comment-anchor": "general", "comment-text": "A late but careful thought."},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The deadline for comments passed" in html
    assert "A late but careful thought." in html
    assert not consultee.comments.exists()


def test_the_team_extends_a_deadline(consultation, lead_investigator):
    consultee = consultation.consultees.get(purpose=ConsulteePurpose.FAMILY)
    later = consultee.deadline + timedelta(days=14)
    consultation_services.extend_deadline(consultee, actor=lead_investigator, deadline=later, reason="Bereavement")
    consultee.refresh_from_db()
    assert consultee.deadline == later
    with pytest.raises(WorkflowError, match="must be later"):
        consultation_services.extend_deadline(consultee, actor=lead_investigator, deadline=later, reason="Again")


def test_only_the_lead_sends_and_only_once_approved(case_investigation, lead_investigator, director, chief):
    from tests.casework.test_investigation_services import walk

    at_review = walk(case_investigation, director, lead_investigator, chief, until=S.INTERNAL_REVIEW)
    report = Report.objects.get(investigation=at_review, kind=ReportKind.FINAL)
    with pytest.raises(WorkflowError, match="approves the draft for consultation"):
        consultation_services.send_for_consultation(report, actor=lead_investigator, consultees=[FAMILY])
    with pytest.raises(PermissionDenied):
        consultation_services.send_for_consultation(report, actor=director, consultees=[FAMILY])
    case_services.transition(at_review, "approve_for_consultation", actor=director)
    with pytest.raises(WorkflowError, match="named twice"):
        consultation_services.send_for_consultation(report, actor=lead_investigator, consultees=[FAMILY, FAMILY])


def test_the_send_form_keeps_what_was_typed_when_refused(final_report, lead_investigator):
    page = signed_in(lead_investigator)
    url = reverse("reports:consult", args=[final_report.investigation.reference, final_report.public_id])
    data = {
        "consultee-TOTAL_FORMS": "2",
        "consultee-INITIAL_FORMS": "0",
        "consultee-0-name": "Mary Whitfield",
        "consultee-0-email": "not-an-address",
        "consultee-0-purpose": "family",
        "consultee-1-purpose": "family",
    }
    response = page.post(url, data)
    assert response.status_code == 400
    assert "Mary Whitfield" in response.content.decode()
    data["consultee-0-email"] = "mary@example.org"
    assert page.post(url, data).status_code == 302
    assert final_report.consultations.get().consultees.count() == 1


def test_a_week_before_the_deadline_those_who_have_not_answered_are_reminded_once(consultation):
    from reports.tasks import send_consultation_reminders

    family = consultation.consultees.get(purpose=ConsulteePurpose.FAMILY)
    Consultee.objects.filter(pk=family.pk).update(deadline=timezone.localdate() + timedelta(days=7))
    Consultee.objects.exclude(pk=family.pk).update(
        deadline=timezone.localdate() + timedelta(days=7), submitted_at=timezone.now()
    )
    assert send_consultation_reminders.call() == 1
    assert send_consultation_reminders.call() == 0  # the scheduler running twice still reminds once
    reminder = Notification.objects.get(kind="consultation.deadline_near")
    assert reminder.outside_recipient == family.person


def pdf_pages(response) -> list[str]:
    from io import BytesIO

    from pypdf import PdfReader

    assert response["Content-Type"] == "application/pdf"
    return [page.extract_text() for page in PdfReader(BytesIO(response.content)).pages]


def test_the_consulted_persons_pdf_names_them_on_every_page(consultation):
    consultee = consultation.consultees.get(purpose=ConsulteePurpose.FAMILY)
    page = portal_session("mary@example.org")
    pdf_url = reverse("portal:consultation_pdf", args=[consultee.public_id])
    assert page.get(pdf_url)["Location"] == reverse("portal:consultation", args=[consultee.public_id])
    page.post(reverse("portal:consultation_step", args=[consultee.public_id, "acknowledge"]))
    pages = pdf_pages(page.get(pdf_url))
    assert len(pages) >= 3
    for text in pages:
        assert "Mary Whitfield" in text
        assert consultation.reference in text
    assert any("What we found." in text for text in pages)
    assert_audited(AuditAction.CONSULTATION_DRAFT_DOWNLOADED, target_ref=consultee.reference)


def test_a_reader_of_the_report_gets_a_pdf_marked_with_their_name(final_report, director):
    response = signed_in(director).get(
        reverse("reports:pdf", args=[final_report.investigation.reference, final_report.public_id])
    )
    pages = pdf_pages(response)
    assert all("Helen Marsh" in text for text in pages)
    assert any("Contents" in text for text in pages)
    assert_audited(AuditAction.REPORT_PDF_DOWNLOADED, actor=director)


def test_a_file_sent_with_a_comment_is_kept_encrypted_and_one_over_the_limit_is_refused(
    consultation, lead_investigator, evidence_storage, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reports.models import ConsultationAttachment

    consultee = consultation.consultees.get(purpose=ConsulteePurpose.FAMILY)
    page = portal_session("mary@example.org")
    page.post(reverse("portal:consultation_step", args=[consultee.public_id, "acknowledge"]))
    url = reverse("portal:consultation_comment", args=[consultee.public_id])
    letter = b"Mum's discharge letter says she fell twice."
    page.post(
        url,
        {
            "comment-anchor": "findings",
            "comment-text": "See her discharge letter.",
            "comment-attachment": SimpleUploadedFile("letter.txt", letter, content_type="text/plain"),
        },
    )
    kept = ConsultationAttachment.objects.get()
    assert kept.comment.consultee == consultee
    stored = b"".join(path.read_bytes() for path in evidence_storage.rglob("*") if path.is_file())
    assert letter not in stored  # encrypted at rest
    assert_audited(AuditAction.EVIDENCE_RECEIVED, target_ref=str(kept.public_id))
    settings.PUBLIC_ATTACHMENT_MAX_BYTES = 10
    refused = page.post(
        url,
        {
            "comment-anchor": "general",
            "comment-text": "And the ward's reply.",
            "comment-attachment": SimpleUploadedFile("reply.txt", b"x" * 100, content_type="text/plain"),
        },
    )
    assert refused.status_code == 413
    assert "And the ward's reply." in html.unescape(refused.content.decode())  # what was typed is kept
    assert consultee.comments.count() == 1
    assert ConsultationAttachment.objects.count() == 1
