"""Give the roles their investigation and direction permissions.

Role-wide permissions only: team members get theirs per investigation, from casework.services.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "director": [
        "casework.direct_investigation",
        "casework.manage_investigation_team",
        "casework.register_direction",
        "casework.approve_direction",
        "casework.view_direction",
    ],
    "chief_investigator": [
        "casework.publish_investigation",
        "casework.approve_direction",
        "casework.view_direction",
    ],
}


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so they can be granted.
    for app_config in apps.get_app_configs():
        if app_config.label == "casework":
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    grant_role_permissions(apps)


def grant_role_permissions(apps):
    """Grant the roles their casework permissions (which must exist); idempotent."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        for permission in permissions:
            app_label, codename = permission.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0003_investigation_work"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
