import re
from datetime import timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Q

from accounts.access import ObjectPermissionQuerySet

RELATED_LIMIT = 5
RELATED_WINDOW = timedelta(days=90)
SIGNIFICANT_WORD = re.compile(r"[A-Za-z]{5,}")
MAX_SEARCH_WORDS = 12
# Searchable text: never the encrypted personal details. The GIN index is on this same expression.
SEARCH_VECTOR = SearchVector("organisation_name", "description", config="english")


class ReferralQuerySet(ObjectPermissionQuerySet):
    """Referrals are protected material: read them only through `visible_to`."""

    def search(self, text: str):
        """Full-text search of organisation and description (never the encrypted personal details)."""
        query = SearchQuery(text, search_type="websearch", config="english")
        return self.annotate(search=SEARCH_VECTOR).filter(search=query)

    def related_to(self, referral) -> list:
        """Likely related referrals: same organisation within 90 days, then the most similar wording."""
        others = self.exclude(pk=referral.pk)
        when = referral.occurred_on or referral.received_at.date()
        same_place = others.filter(
            organisation_name__iexact=referral.organisation_name,
            received_at__date__range=(when - RELATED_WINDOW, when + RELATED_WINDOW),
        ).order_by("-received_at")[:RELATED_LIMIT]
        words = list(dict.fromkeys(SIGNIFICANT_WORD.findall(referral.description.lower())))[:MAX_SEARCH_WORDS]
        similar: list = []
        if words:
            query = SearchQuery(" OR ".join(words), search_type="websearch", config="english")
            similar = list(
                others.annotate(search=SEARCH_VECTOR)
                .filter(search=query)
                .annotate(rank=SearchRank(SEARCH_VECTOR, query))
                .order_by("-rank", "-received_at")[:RELATED_LIMIT]
            )
        related = list(dict.fromkeys([*same_place, *similar]))
        return related[:RELATED_LIMIT]

    def overdue(self, targets: dict[str, int], now):
        """Referrals that have been in their current state longer than that state's target."""
        return self.filter(overdue_condition(targets, now))


def overdue_condition(targets: dict[str, int], now) -> Q:
    """In its current state longer than that state's target (`targets`: days by state)."""
    condition = Q()
    for state, days in targets.items():
        condition |= Q(state=state, state_changed_at__lt=now - timedelta(days=days))
    return condition
