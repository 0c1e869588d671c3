from datetime import timedelta

from django.db.models import Prefetch, Q

from accounts.access import ObjectPermissionQuerySet


class InvestigationQuerySet(ObjectPermissionQuerySet):
    """Investigations are protected material: read them only through `visible_to`."""

    def list_page(self, page: int, size: int) -> list:
        """One page of the investigations list, newest first, with teams; one row extra tells a next page exists."""
        from casework.models import TeamMembership  # casework.models imports this module

        return list(
            self.prefetch_related(Prefetch("team", queryset=TeamMembership.objects.select_related("user"))).order_by(
                "-created_at", "-pk"
            )[(page - 1) * size : page * size + 1]
        )

    def over_stage_target(self, targets: dict[str, int], now):
        """Investigations that have spent longer in their current stage than its target."""
        condition = Q(pk__in=[])
        for state, days in targets.items():
            condition |= Q(state=state, state_changed_at__lt=now - timedelta(days=days))
        return self.filter(condition)
