from datetime import timedelta

from django.db.models import Q

from accounts.access import ObjectPermissionQuerySet


class InvestigationQuerySet(ObjectPermissionQuerySet):
    """Investigations are protected material: read them only through `visible_to`."""

    def over_stage_target(self, targets: dict[str, int], now):
        """Investigations that have spent longer in their current stage than its target."""
        condition = Q(pk__in=[])
        for state, days in targets.items():
            condition |= Q(state=state, state_changed_at__lt=now - timedelta(days=days))
        return self.filter(condition)
