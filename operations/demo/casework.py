"""About fifteen demo investigations across every stage, two of them directed, through the real services."""

import uuid
from datetime import timedelta

from django.utils import timezone

from casework import services
from casework.choices import USUAL_PATH, TeamRole
from casework.choices import InvestigationState as S
from casework.models import Investigation, Organisation
from casework.services import evidence as evidence_services
from casework.services import responses
from kernel.models import ReferenceCounter
from reports import services as report_services
from reports.choices import ConsulteePurpose, ReportKind
from reports.services.consultation import send_for_consultation
from reports.services.publication import publish_final
from vault import blobs

DEMO_ORGANISATION = {"name": "NHS England", "ods_code": "X24"}
# The portal contact who answers NHS England's recommendations (sign in at /portal/sign-in/; in
# development e-mail goes to the `make run` output).
DEMO_CONTACT = "patient.safety@nhs-england.example"
TITLES = [
    "Recognising and responding to deterioration in adult inpatients",
    "Safe staffing on older people's wards at night",
    "Ambulance handover delays and patient harm",
    "Follow-up of abnormal test results in primary care",
    "Insulin safety across transfers of care",
    "Fetal monitoring and escalation in labour",
    "Discharge from mental health inpatient care",
    "Nasogastric tube placement checks",
    "Oxygen supply and equipment readiness on wards",
    "Medicines with look-alike packaging",
    "Reasonable adjustments for people with a learning disability",
    "Electronic referral routing failures",
    "Falls prevention in care homes",
]
# The stage each demo investigation is walked to (directed ones are added after these).
STAGES = [*USUAL_PATH, S.PAUSED, S.DISCONTINUED, S.ARCHIVED]
FORWARD = [
    (S.LAUNCH_PENDING, "approve_terms_of_reference", "director"),
    (S.EVIDENCE_GATHERING, "launch", "lead"),
    (S.ANALYSIS, "begin_analysis", "lead"),
    (S.DRAFTING, "start_drafting", "lead"),
    (S.INTERNAL_REVIEW, "submit_for_review", "lead"),
    (S.DRAFT_CONSULTATION, "approve_for_consultation", "director"),
    (S.REVISION, "begin_revision", "lead"),
    (S.FINAL_APPROVAL, "submit_final", "lead"),
    (S.PUBLISHED, "publish", "chief"),
]


def create_demo_investigations(people: dict, accepted_referrals) -> list[Investigation]:
    """`people` maps demo usernames to users; accepted referrals already have proposed investigations."""
    investigations = list(Investigation.objects.filter(origin_referral__in=accepted_referrals))
    while len(investigations) < len(STAGES):
        title = TITLES[len(investigations) % len(TITLES)]
        investigations.append(
            Investigation.objects.create(
                reference=ReferenceCounter.next_reference("INV", digits=4),
                title=title,
                organisation_name="Northshire Hospitals NHS Foundation Trust" if len(investigations) % 4 == 0 else "",
            )
        )
    for index, (investigation, stage) in enumerate(zip(investigations, STAGES, strict=False)):
        lead = people["investigator"] if index % 2 == 0 else people["investigator2"]
        walk(investigation, stage, lead, people)
    investigations += create_directed(people)
    return investigations


def write_demo_report(investigation, lead) -> None:
    """The final report's draft in two versions, as a team writes it before the internal review."""
    subject = investigation.title.lower()
    report = report_services.create_report(investigation, actor=lead, kind=ReportKind.FINAL, title=investigation.title)
    first = {
        "summary": "This investigation looked at %s." % subject,
        "approach": "We interviewed staff, reviewed rotas and incident reports, and observed two night shifts.",
    }
    report_services.save_version(report, actor=lead, sections=first, based_on=0)
    second = {
        **first,
        "summary": "This investigation looked at %s, and found that the risks are shared across the system." % subject,
        "findings": "## Staffing at night\n\nRotas left **one registered nurse** for two bays on most nights.\n\n"
        "- Escalation relied on individuals' judgement.\n- Handover did not carry the early warning score.",
        "references": "SEIPS: the Systems Engineering Initiative for Patient Safety.",
    }
    report_services.save_version(report, actor=lead, sections=second, based_on=1)


def consult_on_the_draft(investigation, lead) -> None:
    """The draft goes to the trust to check its facts and to the family (s.115)."""
    report = investigation.reports.get(kind=ReportKind.FINAL)
    send_for_consultation(
        report,
        actor=lead,
        consultees=[
            {
                "name": "Patient safety lead",
                "email": "patient.safety@northshire-trust.example",
                "purpose": ConsulteePurpose.FACTUAL_ACCURACY,
                "organisation": "Northshire Hospitals NHS Foundation Trust",
            },
            {"name": "Mary Whitfield", "email": "m.whitfield@example.org", "purpose": ConsulteePurpose.FAMILY},
        ],
    )


def walk(investigation, stage, lead, people) -> None:
    director, chief = people["director"], people["chief"]
    if stage == S.PROPOSED:
        return
    other = people["investigator2"] if lead == people["investigator"] else people["investigator"]
    services.start_scoping(
        investigation, actor=director, lead=lead, members=[(other, TeamRole.ANALYST)] if stage == S.ANALYSIS else []
    )
    services.add_note(investigation, "Initial scoping conversation with the trust's patient safety team.", actor=lead)
    services.create_task(
        investigation,
        actor=lead,
        title="Draft terms of reference",
        assignee=lead,
        due_date=timezone.localdate() + timedelta(days=14),
    )
    services.record_terms_of_reference(investigation, "To examine how %s." % investigation.title.lower(), actor=lead)
    actors = {"director": director, "lead": lead, "chief": chief}
    target = {S.PAUSED: S.ANALYSIS, S.DISCONTINUED: S.SCOPING, S.CLOSED: S.PUBLISHED, S.ARCHIVED: S.PUBLISHED}.get(
        stage, stage
    )
    for _, step, who in FORWARD:
        if Investigation.objects.get(pk=investigation.pk).state == target:
            break
        if step == "launch":
            services.launch(
                investigation, actor=lead, start_statement="We are investigating %s." % investigation.title.lower()
            )
            add_demo_evidence(investigation, lead)
            services.record_interview(
                investigation,
                actor=lead,
                interviewee="Ward manager",
                interviewee_type="staff",
                held_on=timezone.localdate(),
                consent_given=True,
                consent_notes="Written consent on file",
            )
        elif step == "begin_revision":
            consult_on_the_draft(investigation, lead)
            services.transition(investigation, step, actor=lead)
        elif step == "submit_for_review":
            write_demo_report(investigation, lead)
            services.transition(investigation, step, actor=lead)
        elif step == "publish":
            recommendation = services.draft_recommendation(
                investigation,
                actor=lead,
                text="Develop national guidance on %s." % investigation.title.lower(),
                organisation=demo_organisation(director),
            )
            services.recommendation_step(recommendation, "agree", actor=lead)
            publish_final(investigation, actor=chief)
            services.recommendation_step(recommendation, "issue", actor=director)
        else:
            services.transition(investigation, step, actor=actors[who])
    if stage == S.PAUSED:
        services.pause(investigation, actor=director, reason="Awaiting the outcome of a coroner's inquest.")
    elif stage == S.DISCONTINUED:
        services.discontinue(
            investigation, actor=director, reasons="The issue is being addressed by a national patient safety alert."
        )
    elif stage in (S.CLOSED, S.ARCHIVED):
        recommendation = investigation.recommendations.get()
        services.recommendation_step(
            recommendation,
            "record_response",
            actor=lead,
            response_text="We accept and will act by spring.",
            response_received_on=timezone.localdate(),
        )
        services.recommendation_step(recommendation, "assess", actor=lead, assessment="accepted_in_full")
        services.recommendation_step(recommendation, "close", actor=director)
        services.transition(investigation, "close", actor=director)
        if stage == S.ARCHIVED:
            services.transition(investigation, "archive", actor=director)


def demo_organisation(director) -> Organisation:
    """NHS England on record with one contact, who answers its recommendations in the portal."""
    organisation = Organisation.objects.filter(ods_code=DEMO_ORGANISATION["ods_code"]).first()
    if organisation is None:
        organisation = responses.create_organisation(
            actor=director, name=DEMO_ORGANISATION["name"], ods_code=DEMO_ORGANISATION["ods_code"]
        )
        responses.add_contact(organisation, actor=director, email=DEMO_CONTACT, name="Alex Morgan")
    return organisation


def add_demo_evidence(investigation, lead) -> None:
    """A small encrypted document on a case, through the same vault as real uploads."""
    evidence_id = uuid.uuid4()
    text = "Ward observation chart audit for %s.\n" % investigation.reference
    blob = blobs.store_stream(evidence_id, [text.encode() * 40])
    evidence_services.add_evidence(
        blob,
        evidence_id,
        actor=lead,
        title="Observation chart audit",
        filename="chart-audit.txt",
        investigation=investigation,
        source="The trust's patient safety team",
    )


def create_directed(people) -> list[Investigation]:
    """Two directed investigations: one approved and in scoping, one registered and awaiting approval."""
    today = timezone.localdate()
    approved = services.register_direction(
        actor=people["director"],
        title="Mental health inpatient settings",
        issued_on=today - timedelta(days=40),
        scope="The safety of mental health inpatient care in England.",
        mandated_report_date=today + timedelta(days=240),
    )
    investigation = services.approve_direction(approved, actor=people["director2"])
    services.start_scoping(investigation, actor=people["director"], lead=people["investigator"])
    second = services.register_direction(
        actor=people["director2"],
        title="Maternity and neonatal services",
        issued_on=today - timedelta(days=5),
        scope="Maternity and neonatal safety across England.",
        mandated_report_date=today + timedelta(days=365),
    )
    second_investigation = services.approve_direction(second, actor=people["chief"])
    return [investigation, second_investigation]
