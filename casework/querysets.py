from accounts.access import ObjectPermissionQuerySet


class InvestigationQuerySet(ObjectPermissionQuerySet):
    """Investigations are protected material: read them only through `visible_to`."""
