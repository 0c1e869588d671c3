"""Directors and the chief investigator may open a case off their team with a reason (break-glass)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["director", "chief_investigator"]
PERMISSION = "add_breakglassaccess"


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        if app_config.label == "casework":
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    grant_break_glass(apps)


def grant_break_glass(apps):
    """Idempotent; also used by tests that rebuild reference data after a flush."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="casework", codename=PERMISSION)
    for role in ROLES:
        Group.objects.get(name=role).permissions.add(permission)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="casework", codename=PERMISSION))


class Migration(migrations.Migration):
    dependencies = [("casework", "0006_break_glass"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
