"""Directors and the chief investigator may open a case off their team with a reason (break-glass)."""

from django.db import migrations

from kernel.role_grants import create_app_permissions, grant_role_permissions

GRANTS = {"director": ["add_breakglassaccess"], "chief_investigator": ["add_breakglassaccess"]}


def forwards(apps, schema_editor):
    create_app_permissions(apps, "casework")
    grant_break_glass(apps)


def grant_break_glass(apps):
    """Idempotent; also used by tests that rebuild reference data after a flush."""
    grant_role_permissions(apps, "casework", GRANTS)


def backwards(apps, schema_editor):
    grant_role_permissions(apps, "casework", GRANTS, revoke=True)


class Migration(migrations.Migration):
    dependencies = [("casework", "0006_break_glass"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
