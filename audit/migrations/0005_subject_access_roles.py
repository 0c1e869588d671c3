"""Auditors and system administrators may export everything recorded about one account."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["auditor", "system_administrator"]
PERMISSION = "export_subject_access"


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        if app_config.label == "audit":
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    grant_subject_access(apps)


def grant_subject_access(apps):
    """Idempotent; also used by tests that rebuild reference data after a flush."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="audit", codename=PERMISSION)
    for role in ROLES:
        Group.objects.get(name=role).permissions.add(permission)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="audit", codename=PERMISSION))


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_subject_access_permission"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
