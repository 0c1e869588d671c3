"""Auditors and system administrators may export everything recorded about one account."""

from django.db import migrations

from kernel.role_grants import create_app_permissions, grant_role_permissions

GRANTS = {"auditor": ["export_subject_access"], "system_administrator": ["export_subject_access"]}


def forwards(apps, schema_editor):
    create_app_permissions(apps, "audit")
    grant_subject_access(apps)


def grant_subject_access(apps):
    """Idempotent; also used by tests that rebuild reference data after a flush."""
    grant_role_permissions(apps, "audit", GRANTS)


def backwards(apps, schema_editor):
    grant_role_permissions(apps, "audit", GRANTS, revoke=True)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_subject_access_permission"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
