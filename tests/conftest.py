"""Fixed personas and shared helpers for the whole suite."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db.backends.postgresql.operations import DatabaseOperations
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import timezone

from accounts.grants import grant_object_permission
from accounts.roles import Role
from audit.models import AuditEvent
from notify.models import Notification
from referrals.permissions import VIEW_REFERRAL
from tests.factories import StaffClient, make_referral, make_user

_original_sql_flush = DatabaseOperations.sql_flush


def _sql_flush_past_audit_triggers(self, style, tables, **kwargs):
    """Let transactional tests empty the audit table between tests.

    The audit table refuses TRUNCATE by design. Only in tests, flushing runs with
    `session_replication_role = replica` (superuser only, transaction-local), under which
    ordinary triggers do not fire.
    """
    statements = _original_sql_flush(self, style, tables, **kwargs)
    if AuditEvent._meta.db_table in tables:
        statements.insert(0, "SET LOCAL session_replication_role = replica;")
    return statements


@pytest.fixture(scope="session", autouse=True)
def flush_past_audit_triggers():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", _sql_flush_past_audit_triggers)
        yield


@pytest.fixture(autouse=True)
def audit_head_path(settings, tmp_path):
    """Each test exports and checks the audit chain head in a file of its own."""
    settings.AUDIT_HEAD_PATH = str(tmp_path / "audit-head.json")
    return tmp_path / "audit-head.json"


@pytest.fixture
def client():
    """Signed-in requests carry the second factor too (see StaffClient)."""
    return StaffClient()


@pytest.fixture
def api_client():
    """A client with no session: API calls authenticate with their token alone."""
    from django.test import Client

    return Client()


def restore_migrated_data() -> None:
    """Put back what data migrations created (roles, signposting bodies, triage criteria); idempotent.

    A transactional test's flush empties every table. Django's serialized rollback cannot restore
    them, because Playwright's event loop gives the ORM another connection object, so the
    migrations' own functions recreate the data.
    """
    import_module("accounts.migrations.0002_roles").grant_role_permissions(apps)
    import_module("referrals.migrations.0002_reference_data").create_reference_data(apps)
    import_module("casework.migrations.0004_role_permissions").grant_role_permissions(apps)
    import_module("casework.migrations.0007_break_glass_role_permission").grant_break_glass(apps)
    import_module("audit.migrations.0005_subject_access_roles").grant_subject_access(apps)
    import_module("disclosures.migrations.0002_role_permissions").grant_disclosure_roles(apps)
    import_module("notify.migrations.0002_role_permissions").grant_jobs_view(apps)


@receiver(post_migrate, dispatch_uid="tests_restore_migrated_data")
def restore_after_flush(sender, **kwargs) -> None:
    """The flush that ends a transactional test sends post_migrate (as `migrate` does): the data
    comes back there, so a test run after it on the same worker finds the roles it expects."""
    # Sent once per app with models, in INSTALLED_APPS order: restore after the last, when every
    # app's permissions exist again.
    if sender is [config for config in apps.get_app_configs() if config.models_module][-1]:
        restore_migrated_data()


@pytest.fixture
def migrated_data(transactional_db):
    """A transactional test's database with the data migrations' rows present."""
    restore_migrated_data()


@pytest.fixture
def intake(db):
    return make_user("intake_officer", Role.INTAKE_OFFICER, first_name="Priya", last_name="Shah")


@pytest.fixture
def lead_investigator(db):
    return make_user("lead_investigator", Role.INVESTIGATOR, first_name="Tom", last_name="Okafor")


@pytest.fixture
def other_investigator(db):
    return make_user("other_investigator", Role.INVESTIGATOR, first_name="Grace", last_name="Lindqvist")


@pytest.fixture
def director(db):
    return make_user("director", Role.DIRECTOR, first_name="Helen", last_name="Marsh")


@pytest.fixture
def chief(db):
    return make_user("chief", Role.CHIEF_INVESTIGATOR, first_name="Margaret", last_name="Doyle")


@pytest.fixture
def auditor(db):
    return make_user("auditor", Role.AUDITOR, first_name="Ian", last_name="Porter")


@pytest.fixture
def admin_user(db):
    return make_user("sysadmin", Role.SYSTEM_ADMINISTRATOR, first_name="Alex", last_name="Rowe")


@pytest.fixture
def personas(intake, lead_investigator, other_investigator, director, chief, auditor, admin_user):
    """Every persona by name; `anonymous` is None."""
    return {
        "intake": intake,
        "lead_investigator": lead_investigator,
        "other_investigator": other_investigator,
        "director": director,
        "chief": chief,
        "auditor": auditor,
        "admin": admin_user,
        "anonymous": None,
    }


@pytest.fixture
def case_referral(lead_investigator):
    """A referral the lead investigator has been given need-to-know access to."""
    referral = make_referral(
        organisation_name="Riverside Community Trust", description="Falls on an older people's ward at night."
    )
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referral, actor=None)
    return referral


@pytest.fixture
def evidence_storage(settings, tmp_path):
    """Evidence blobs in a directory of this test's own, so tests can search every byte written."""
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "vault.blobs.EvidenceStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def case_investigation(director, lead_investigator):
    """An investigation in scoping, led by the lead investigator persona."""
    from casework import services
    from casework.models import Investigation

    investigation = Investigation.objects.create(reference="INV-2026-0777", title="Matrix case")
    return services.start_scoping(investigation, actor=director, lead=lead_investigator)


@pytest.fixture
def evidence(case_investigation, lead_investigator, evidence_storage):
    """A small evidence file on the matrix case."""
    import uuid

    from casework.services import evidence as services
    from vault import blobs

    evidence_id = uuid.uuid4()
    blob = blobs.store_stream(evidence_id, [b"matrix evidence"])
    return services.add_evidence(
        blob,
        evidence_id,
        actor=lead_investigator,
        title="Matrix evidence",
        filename="m.txt",
        investigation=case_investigation,
    )


@pytest.fixture
def attachment(case_referral, evidence_storage):
    """A file the referrer attached to the matrix referral."""
    import uuid

    from referrals.services import attach_file
    from vault import blobs
    from vault.upload import EncryptedUpload, ReceivedFile

    evidence_id = uuid.uuid4()
    blob = blobs.store_stream(evidence_id, [b"referrer's letter"])
    return attach_file(case_referral, ReceivedFile(EncryptedUpload(blob, "letter.txt", evidence_id)), title="Letter")


@pytest.fixture
def matrix_report(case_investigation, lead_investigator, director):
    """The matrix case's final report: two versions by the lead, and a director's open comment on the first."""
    from reports import services
    from reports.choices import ReportKind

    report = services.create_report(
        case_investigation, actor=lead_investigator, kind=ReportKind.FINAL, title="Matrix report"
    )
    first = services.save_version(report, actor=lead_investigator, sections={"summary": "Matrix draft."}, based_on=0)
    services.save_version(report, actor=lead_investigator, sections={"summary": "Matrix draft, again."}, based_on=1)
    services.add_comment(first, actor=director, anchor="summary", text="Matrix comment.")
    return report


@pytest.fixture
def matrix_consultation(matrix_report, lead_investigator, evidence_storage):
    """A consultation on the matrix report's newest version, with one person's comment. Made directly:
    the matrix case is in scoping, and the sending rules are tested in tests/reports."""
    import uuid

    from accounts.outside import outside_person_for
    from reports.models import Consultation, ConsultationAttachment, ConsultationComment, Consultee
    from vault import blobs

    consultation = Consultation.objects.create(
        report=matrix_report,
        version=matrix_report.latest_version(),
        reference="CON-2026-0900",
        sent_by=lead_investigator,
    )
    consultee = Consultee.objects.create(
        consultation=consultation,
        person=outside_person_for("consulted@example.org", "Matrix Consultee"),
        purpose="factual_accuracy",
        deadline=timezone.localdate(),
        acknowledged_at=timezone.now(),
    )
    comment = ConsultationComment.objects.create(
        consultee=consultee, anchor="summary", text="Matrix consultation comment."
    )
    file_id = uuid.uuid4()
    blob = blobs.store_stream(file_id, [b"matrix consultation file"])
    ConsultationAttachment.objects.create(comment=comment, **ConsultationAttachment.blob_fields(blob, file_id, "c.txt"))
    return consultation


@pytest.fixture
def matrix_recommendation(case_investigation, director, evidence_storage):
    """A recommendation issued to the matrix organisation, whose one contact has saved a response
    with an action and a file (not yet sent). Made directly: the issuing rules are tested in tests/casework."""
    import uuid

    from accounts.outside import outside_person_for
    from casework.models import (
        Organisation,
        OrganisationContact,
        RecommendationResponse,
        ResponseAction,
        ResponseAttachment,
        SafetyRecommendation,
    )
    from vault import blobs

    organisation = Organisation.objects.create(name="Matrix Hospitals NHS Trust", ods_code="MTX")
    contact = outside_person_for("contact@matrix.example", "Matrix Contact")
    OrganisationContact.objects.create(organisation=organisation, person=contact, added_by=director)
    today = timezone.localdate()
    recommendation = SafetyRecommendation.objects.create(
        investigation=case_investigation,
        reference="R-2026-900",
        text="Matrix recommendation.",
        addressee=organisation.name,
        organisation=organisation,
        state="issued",
        issued_on=today,
        response_due=today + timedelta(days=90),
    )
    response = RecommendationResponse.objects.create(
        recommendation=recommendation, decision="accepted", text="Matrix response.", drafted_by=contact
    )
    ResponseAction.objects.create(response=response, description="Matrix action.", owner="Board", due_on=today)
    file_id = uuid.uuid4()
    blob = blobs.store_stream(file_id, [b"matrix response file"])
    ResponseAttachment.objects.create(response=response, **ResponseAttachment.blob_fields(blob, file_id, "r.txt"))
    return recommendation


@pytest.fixture
def direction(db):
    """A direction registered by a director who is none of the personas, so either approver may approve."""
    from accounts.roles import Role
    from casework import services
    from tests.factories import make_user

    registrant = make_user("registering_director", Role.DIRECTOR)
    return services.register_direction(
        actor=registrant, title="Matrix direction", issued_on=timezone.localdate(), scope="Scope"
    )


@pytest.fixture
def released_disclosure(disclosure, chief, lead_investigator):
    """The matrix disclosure, approved by the chief investigator and released by the team."""
    from disclosures.services import decide_disclosure, release_disclosure

    decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[disclosure.items.get().pk])
    return release_disclosure(disclosure, actor=lead_investigator)


@pytest.fixture
def disclosure(case_investigation, lead_investigator, evidence):
    """The lead investigator asks to share the matrix evidence with another body (waits for the chief)."""
    from disclosures.choices import Schedule14Ground
    from disclosures.services import request_disclosure

    return request_disclosure(
        case_investigation,
        actor=lead_investigator,
        evidence_ids=[evidence.pk],
        recipient="Dr A Named, Coroner's Office",
        ground=Schedule14Ground.INVESTIGATION,
        necessity="The coroner's inquest needs the timeline to test the account given.",
        extent="The one file, for the inquest only.",
    )


@pytest.fixture
def matrix_objects(
    case_referral,
    case_investigation,
    direction,
    evidence,
    attachment,
    released_disclosure,
    matrix_report,
    matrix_consultation,
    matrix_recommendation,
    lead_investigator,
):
    """Every object the access-matrix URLs name, by fixture name."""
    from casework import services

    return {
        "matrix_note": services.add_note(case_investigation, "Matrix journal note", actor=lead_investigator),
        "matrix_recommendation": matrix_recommendation,
        "matrix_contact": matrix_recommendation.organisation.contacts.get().person,
        "matrix_report": matrix_report,
        "matrix_consultation": matrix_consultation,
        "matrix_consultee": matrix_consultation.consultees.get(),
        "case_referral": case_referral,
        "case_investigation": case_investigation,
        "direction": direction,
        "evidence": evidence,
        "attachment": attachment,
        "released_disclosure": released_disclosure,
        # The lead's, from being put on the case's team.
        "notification": Notification.objects.filter(
            kind="team.appointed", subject_ref=case_investigation.reference
        ).get(),
    }
