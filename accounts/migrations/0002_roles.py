"""Create the staff roles as groups with their role-wide model permissions.

Role-wide permissions mean "on every object" (accounts.access); need-to-know roles such as
investigators get object permissions per case instead. Later features add their permissions to
roles in migrations of their own, so this one stays as it was when it ran.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "intake_officer": ["referrals.view_referral"],
    "investigator": [],
    "director": ["referrals.view_referral"],
    "chief_investigator": ["referrals.view_referral"],
    "auditor": ["audit.view_auditevent"],
    "system_administrator": ["accounts.view_user", "accounts.add_user", "accounts.change_user", "auth.view_group"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so they can be granted.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_role_permissions(apps)


def grant_role_permissions(apps):
    """Create the role groups and grant their permissions (which must exist); idempotent."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for permission in permissions:
            app_label, codename = permission.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0001_initial"),
        ("referrals", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
