from accounts.access import ObjectPermissionQuerySet


class ReferralQuerySet(ObjectPermissionQuerySet):
    """Referrals are protected material: read them only through `visible_to`."""
