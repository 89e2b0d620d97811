"""Time limits of work orders (时限): how long accepting, claiming and resolving may take.

Limits come from `TimeLimit` rows — the category's own, else its parent's, else the row for all
categories — and, where no row exists, from `DEFAULT_LIMITS` (public hotline practice: urgent
orders accepted within 1 hour and resolved within 24 hours; general ones accepted within 24
hours and resolved within 7 working days; complex ones resolved within 15 working days). A limit
in hours is calendar time; one in working days follows `sixfold.core.workdays`.

The accept limit counts from submission; the claim and resolve limits from acceptance.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from sixfold.core import workdays

from .models import Category, LimitUnit, TimeLimit, Urgency

HOURS, WORKDAYS = LimitUnit.HOURS, LimitUnit.WORKDAYS


@dataclass(frozen=True)
class Limit:
    amount: int | None
    unit: str

    def due(self, start: dt.datetime | None, marks=None) -> dt.datetime | None:
        if start is None or not self.amount:
            return None
        if self.unit == WORKDAYS:
            return workdays.add_workdays(start, self.amount, marks)
        return start + dt.timedelta(hours=self.amount)


@dataclass(frozen=True)
class Limits:
    accept: Limit
    claim: Limit
    resolve: Limit


DEFAULT_LIMITS = {
    Urgency.URGENT: Limits(Limit(1, HOURS), Limit(2, HOURS), Limit(24, HOURS)),
    Urgency.GENERAL: Limits(Limit(24, HOURS), Limit(2, WORKDAYS), Limit(7, WORKDAYS)),
    Urgency.COMPLEX: Limits(Limit(24, HOURS), Limit(3, WORKDAYS), Limit(15, WORKDAYS)),
}


def _from_row(row: TimeLimit) -> Limits:
    return Limits(
        Limit(row.accept_amount, row.accept_unit),
        Limit(row.claim_amount, row.claim_unit),
        Limit(row.resolve_amount, row.resolve_unit),
    )


def limits_for(category: Category | None, urgency: str) -> Limits:
    """The limits of an order of `category` and `urgency` (one query)."""
    ids = [None] if category is None else [category.pk, category.parent_id, None]
    rows = {
        row.category_id: row
        for row in TimeLimit.objects.filter(urgency=urgency).filter(
            Q(category_id__in=[i for i in ids if i]) | Q(category__isnull=True)
        )
    }
    for key in ids:
        if key in rows:
            return _from_row(rows[key])
    return DEFAULT_LIMITS.get(urgency, DEFAULT_LIMITS[Urgency.GENERAL])


def accept_due(order) -> dt.datetime | None:
    return limits_for(order.category, order.urgency).accept.due(order.submitted_at)


def claim_and_resolve_due(order) -> tuple[dt.datetime | None, dt.datetime | None]:
    limits = limits_for(order.category, order.urgency)
    return limits.claim.due(order.accepted_at), limits.resolve.due(order.accepted_at)


def ack_due(department, kind: str, start: dt.datetime) -> dt.datetime:
    """When a department must report (报到) on a whistle of `kind`."""
    if kind == "emergency":
        return start + dt.timedelta(minutes=department.ack_emergency_minutes)
    return start + dt.timedelta(hours=department.ack_hours)


def calendar_warning(order) -> str | None:
    """A warning when the order's resolve limit falls in a year without a holiday calendar."""
    due = order.resolve_due or order.accept_due
    return workdays.calendar_warning(due) if due else None
