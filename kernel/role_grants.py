"""Granting model permissions to role groups from data migrations (and from tests after a flush)."""

from django.contrib.auth.management import create_permissions


def create_app_permissions(apps, app_label: str) -> None:
    """Create an app's permissions now: Django would otherwise create them only after every migration."""
    for app_config in apps.get_app_configs():
        if app_config.label == app_label:
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None


def grant_role_permissions(apps, app_label: str, grants: dict[str, list[str]], *, revoke: bool = False) -> None:
    """Add (or with `revoke`, remove) each role's permissions; idempotent."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in grants.items():
        permissions = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        if len(permissions) != len(set(codenames)):
            missing = set(codenames) - {permission.codename for permission in permissions}
            raise LookupError("No such %s permissions: %s" % (app_label, ", ".join(sorted(missing))))
        group = Group.objects.get(name=role)
        (group.permissions.remove if revoke else group.permissions.add)(*permissions)
