"""The rates of public-hotline assessment (考核三率) per scope and period, and departments' rates.

For the orders of a region subtree (`code` prefix) filed in a period (local dates, inclusive),
not counting cancelled and merged ones:
* response rate (响应率) — accepted within the accept limit, over orders accepted or still
  waiting past the limit;
* resolution rate (解决率) — resolved (resolved, verified, closed, published), over accepted;
* satisfaction rate (满意率) — ratings of 4 or 5, over rated orders;
* on-time closure rate (按期办结率) — closed without passing the resolve limit, over closed;
* rework rate (返工率) — sent back at least once, over orders that reached "resolved";
* overdue rate (超时率) — any limit passed, over all orders counted.
Each figure is computed by one aggregate query (no loop over orders); a rate with an empty
denominator is None (pages show "—").
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from .models import Order, Whistle
from .states import State

RESOLVED = (State.RESOLVED, State.VERIFIED, State.CLOSED, State.PUBLISHED)
CLOSED = (State.CLOSED, State.PUBLISHED)
NOT_COUNTED = (State.CANCELLED, State.MERGED)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None without a denominator."""
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


COUNTS = {
    "total": Count("pk"),
    "response_base": Count(
        "pk", filter=Q(accepted_at__isnull=False) | Q(state=State.SUBMITTED, accept_overdue=True)
    ),
    "responded_in_time": Count("pk", filter=Q(accepted_at__isnull=False, accept_overdue=False)),
    "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
    "resolved": Count("pk", filter=Q(state__in=RESOLVED)),
    "rated": Count("pk", filter=Q(rating__isnull=False)),
    "satisfied": Count("pk", filter=Q(rating__gte=4)),
    "closed": Count("pk", filter=Q(state__in=CLOSED)),
    "closed_on_time": Count("pk", filter=Q(state__in=CLOSED, resolve_overdue=False)),
    "reached_resolved": Count("pk", filter=Q(state__in=RESOLVED) | Q(rework_count__gt=0)),
    "reworked": Count("pk", filter=Q(rework_count__gt=0)),
    "overdue": Count(
        "pk", filter=Q(accept_overdue=True) | Q(claim_overdue=True) | Q(resolve_overdue=True)
    ),
}


@dataclass
class Rates:
    counts: dict[str, int]

    @property
    def response(self):
        return rate(self.counts["responded_in_time"], self.counts["response_base"])

    @property
    def resolution(self):
        return rate(self.counts["resolved"], self.counts["accepted"])

    @property
    def satisfaction(self):
        return rate(self.counts["satisfied"], self.counts["rated"])

    @property
    def on_time_closure(self):
        return rate(self.counts["closed_on_time"], self.counts["closed"])

    @property
    def rework(self):
        return rate(self.counts["reworked"], self.counts["reached_resolved"])

    @property
    def overdue(self):
        return rate(self.counts["overdue"], self.counts["total"])

    def as_dict(self) -> dict:
        return {
            **self.counts,
            "response_rate": self.response,
            "resolution_rate": self.resolution,
            "satisfaction_rate": self.satisfaction,
            "on_time_closure_rate": self.on_time_closure,
            "rework_rate": self.rework,
            "overdue_rate": self.overdue,
        }


def period_orders(code: str, start: dt.date, end: dt.date):
    low, high = _bounds(start, end)
    return Order.objects.filter(
        code__startswith=code, submitted_at__gte=low, submitted_at__lt=high
    ).exclude(state__in=NOT_COUNTED)


def rates_for(code: str, start: dt.date, end: dt.date) -> Rates:
    """The rates of the orders under `code` filed from `start` to `end` (one query)."""
    counts = period_orders(code, start, end).aggregate(**COUNTS)
    return Rates({k: v or 0 for k, v in counts.items()})


def rates_by_child(code: str, start: dt.date, end: dt.date, length: int = 12) -> dict[str, Rates]:
    """Rates per node one level down (communities by default: the first 12 characters), one
    query for all of them."""
    rows = (
        period_orders(code, start, end)
        .annotate(node=Substr("code", 1, length))
        .values("node")
        .annotate(**COUNTS)
        .order_by("node")
    )
    return {row.pop("node"): Rates(row) for row in rows}


def department_rates(start: dt.date, end: dt.date, code: str = "") -> list[dict]:
    """Per department: whistles, reported in time, finished, mean rating (one query)."""
    low, high = _bounds(start, end)
    rows = (
        Whistle.objects.filter(code__startswith=code, at__gte=low, at__lt=high)
        .values("department_id", "department__name")
        .annotate(
            whistles=Count("pk"),
            reported=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            reported_in_time=Count(
                "pk", filter=Q(acknowledged_at__isnull=False, ack_overdue=False)
            ),
            finished=Count("pk", filter=Q(status=Whistle.Status.FINISHED)),
            rated=Count("pk", filter=Q(rating__isnull=False)),
            mean_rating=Avg("rating"),
        )
        .order_by("department__name")
    )
    result = []
    for row in rows:
        row["report_rate"] = rate(row["reported_in_time"], row["whistles"])
        row["finish_rate"] = rate(row["finished"], row["whistles"])
        if row["mean_rating"] is not None:
            row["mean_rating"] = Decimal(str(row["mean_rating"])).quantize(Decimal("0.1"))
        result.append(row)
    return result
