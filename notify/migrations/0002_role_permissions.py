"""System administrators see the scheduled jobs and how they last ran."""

from django.db import migrations

from kernel.role_grants import create_app_permissions, grant_role_permissions

GRANTS = {"system_administrator": ["view_scheduledjob"]}


def forwards(apps, schema_editor):
    create_app_permissions(apps, "notify")
    grant_jobs_view(apps)


def grant_jobs_view(apps):
    """Idempotent; also used by tests that rebuild reference data after a flush."""
    grant_role_permissions(apps, "notify", GRANTS)


def backwards(apps, schema_editor):
    grant_role_permissions(apps, "notify", GRANTS, revoke=True)


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
