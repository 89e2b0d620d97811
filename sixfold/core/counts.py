"""Household and resident counts per region node: one grouped query per code length.

Codes have one length per level, so the rows under a set of same-level nodes are grouped by the
first `len(code)` characters of their own code; a page of nodes costs one query per level present
(usually one), not one per node.
"""

from collections import defaultdict
from collections.abc import Callable

from django.db.models import Count, Q
from django.db.models.functions import Substr

from .models import Household, Resident


def counts_within(queryset, codes) -> dict[str, int]:
    """`{code: number of rows of queryset under code}` for every code given (0 when none)."""
    codes = list(codes)  # iterated twice below; a generator would leave the result empty
    by_length: dict[int, list[str]] = defaultdict(list)
    for code in set(codes):
        by_length[len(code)].append(code)
    field = queryset.model.scope_field
    result = dict.fromkeys(codes, 0)
    for length, group in by_length.items():
        condition = Q()
        for code in group:
            condition |= Q(**{f"{field}__prefix": code})
        rows = (
            queryset.filter(condition)
            .order_by()
            .annotate(node=Substr(field, 1, length))
            .values("node")
            .annotate(n=Count("pk"))
            .values_list("node", "n")
        )
        result.update(dict(rows))
    return result


def household_counts(codes) -> dict[str, int]:
    return counts_within(Household.objects.all(), codes)


def resident_counts(codes) -> dict[str, int]:
    """Residents still living in the street (moved-out and deceased are not counted)."""
    return counts_within(Resident.objects.living(), codes)


# Counts per node that pillar apps add to the region browser (the party app's members living
# there): `{key: function(codes) -> {code: count}}`, filled in the apps' `ready()`, so the
# foundation shows them without importing any pillar.
NODE_COUNTERS: dict[str, Callable] = {}


def register_node_counter(key: str, counter: Callable) -> None:
    NODE_COUNTERS[key] = counter


def extra_counts(codes) -> dict[str, dict[str, int]]:
    """`{key: {code: count}}` from every registered counter."""
    codes = list(codes)
    return {key: counter(codes) for key, counter in NODE_COUNTERS.items()}
