"""Who keeps the disclosure register: the chief investigator decides every disclosure, directors
decide internal sharing, auditors and approvers read the register; the team asks (checked per case)."""

from django.db import migrations

from kernel.role_grants import create_app_permissions, grant_role_permissions

GRANTS = {
    "chief_investigator": ["approve_disclosure", "view_disclosurerequest"],
    "director": ["approve_internal_disclosure", "view_disclosurerequest"],
    "auditor": ["view_disclosurerequest"],
}


def forwards(apps, schema_editor):
    create_app_permissions(apps, "disclosures")
    grant_disclosure_roles(apps)


def grant_disclosure_roles(apps):
    """Idempotent; also used by tests that rebuild reference data after a flush."""
    grant_role_permissions(apps, "disclosures", GRANTS)


def backwards(apps, schema_editor):
    grant_role_permissions(apps, "disclosures", GRANTS, revoke=True)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
