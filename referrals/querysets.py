import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Q

from accounts.access import ObjectPermissionQuerySet

RELATED_LIMIT = 5
RELATED_WINDOW = timedelta(days=90)
SIGNIFICANT_WORD = re.compile(r"[A-Za-z]{5,}")
MAX_SEARCH_WORDS = 12
MIN_SHARED_WORDS = 2
# Words in most concerns, which make any two look alike.
COMMON_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads best as words)
        "about after again before being could there their these those which while would where other staff "
        "patient patients hospital trust service services people because should"
    ).split()
)
# Searchable text: never the encrypted personal details. The GIN index is on this same expression.
SEARCH_VECTOR = SearchVector("organisation_name", "description", config="english")


class ReferralQuerySet(ObjectPermissionQuerySet):
    """Referrals are protected material: read them only through `visible_to`."""

    def search(self, text: str):
        """Full-text search of organisation and description (never the encrypted personal details)."""
        query = SearchQuery(text, search_type="websearch", config="english")
        return self.annotate(search=SEARCH_VECTOR).filter(search=query)

    def related_to(self, referral) -> list[tuple[Any, str]]:
        """Likely related referrals, each with why it is suggested: the same organisation within 90
        days, then those whose description shares at least two significant words (most similar first)."""
        others = self.exclude(pk=referral.pk)
        when = referral.occurred_on or referral.received_at.date()
        same_place = others.filter(
            organisation_name__iexact=referral.organisation_name,
            received_at__date__range=(when - RELATED_WINDOW, when + RELATED_WINDOW),
        ).order_by("-received_at")[:RELATED_LIMIT]
        related: list[tuple[Any, str]] = [(other, "the same organisation, within 90 days") for other in same_place]
        words = significant_words(referral.description)
        if words:
            query = SearchQuery(
                " OR ".join(list(words.values())[:MAX_SEARCH_WORDS]), search_type="websearch", config="english"
            )
            similar: Iterable[Any] = (
                others.exclude(pk__in=[other.pk for other, _ in related])
                .annotate(search=SEARCH_VECTOR)
                .filter(search=query)
                .annotate(rank=SearchRank(SEARCH_VECTOR, query))
                .order_by("-rank", "-received_at")[: RELATED_LIMIT * 2]
            )
            for other in similar:
                theirs = significant_words(other.description)
                shared = [word for stem, word in words.items() if stem in theirs]
                if len(shared) >= MIN_SHARED_WORDS:
                    related.append((other, "similar wording: %s" % ", ".join(shared)))
        return related[:RELATED_LIMIT]

    def overdue(self, targets: dict[str, int], now):
        """Referrals that have been in their current state longer than that state's target."""
        return self.filter(overdue_condition(targets, now))


def significant_words(text: str) -> dict[str, str]:
    """The words of `text` that say what happened, by a rough stem ("alarms" and "alarm" are one):
    five letters or more, without the words every concern uses."""
    words: dict[str, str] = {}
    for word in SIGNIFICANT_WORD.findall(text.lower()):
        stem = re.sub(r"(ing|ed|es|s)$", "", word)
        if word not in COMMON_WORDS and stem not in COMMON_WORDS:
            words.setdefault(stem, word)
    return words


def overdue_condition(targets: dict[str, int], now) -> Q:
    """In its current state longer than that state's target (`targets`: days by state)."""
    condition = Q()
    for state, days in targets.items():
        condition |= Q(state=state, state_changed_at__lt=now - timedelta(days=days))
    return condition
