"""The timers of work orders (S9, S24): overdue flags, reminders, escalation, auto-close.

`run_timers()` is a Celery task (beat runs it every five minutes, see `CELERY_BEAT_SCHEDULE`)
and the body of `sixfold run_timers` for cron or the embedded default. Each pass is idempotent:
a flag is set by a conditional UPDATE only where it is not yet set, so two passes (or two
workers) never record the same overdue, reminder or escalation twice.

* Overdue: an order past its accept, claim or resolve limit is flagged (`*_overdue`), an
  "overdue" step is added to its history, and it is escalated: `escalation_level` + 1 with an
  automatic supervisor note (督办). While it stays overdue it is escalated again every
  `SIXFOLD_ORDER_ESCALATE_HOURS` (24) up to `SIXFOLD_ORDER_MAX_ESCALATION` (3: community, street,
  district).
* Reminders: an order whose current limit ends within `SIXFOLD_ORDER_REMIND_HOURS` (2) gets one
  "remind" step per stage (the claimant or the community sees it in the history and lists).
* Department reports: a whistle not acknowledged by its `ack_due` is flagged `ack_overdue`.
* Embedded default (no broker, so no beat): `InProcessTimers`, a middleware, starts a pass in a
  background thread of the web process after a response, at most every five minutes.
* Auto-close: a verified order the requester has not rated for `SIXFOLD_ORDER_AUTO_CLOSE_DAYS`
  (7) is closed without a rating (and published when public). A resolved order is never closed
  before the community has verified it.
"""

import datetime as dt
import logging
import threading
import time

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import actions
from .models import CLAIMED_STATES, Order, OrderEvent, SupervisorNote, Whistle
from .states import State

LIMITS = {
    # limit: (flag, due field, states in which the limit runs, extra condition)
    "accept": ("accept_overdue", "accept_due", (State.SUBMITTED,), Q()),
    "claim": ("claim_overdue", "claim_due", (State.ACCEPTED,), Q(claimant__isnull=True)),
    "resolve": (
        "resolve_overdue",
        "resolve_due",
        (State.ACCEPTED, State.CLAIMED, State.IN_PROGRESS),
        Q(),
    ),
}
LIMIT_NAMES = {
    "accept": gettext_lazy("accept"),
    "claim": gettext_lazy("claim"),
    "resolve": gettext_lazy("resolve"),
}


def _system_step(order: Order, name: str, now: dt.datetime, note: str, data: dict) -> None:
    OrderEvent.objects.create(
        order=order,
        code=order.code,
        at=now,
        transition=name,
        from_state=order.state,
        to_state=order.state,
        note=note,
        data=data,
    )


def _escalate(order: Order, now: dt.datetime, limit: str) -> None:
    level = order.escalation_level + 1
    Order.objects.filter(pk=order.pk).update(escalation_level=level, updated_at=now)
    order.escalation_level = level
    text = _("Overdue (%(limit)s limit passed): escalated to level %(level)s.") % {
        "limit": LIMIT_NAMES[limit],
        "level": level,
    }
    SupervisorNote.objects.create(
        order=order, code=order.code, text=text, level=level, automatic=True, at=now
    )
    _system_step(order, "escalate", now, text, {"limit": limit, "level": level})


def flag_overdue(now: dt.datetime) -> int:
    flagged = 0
    for limit, (flag, due, states, extra) in LIMITS.items():
        candidates = Order.objects.filter(
            extra, state__in=states, **{f"{due}__lt": now, flag: False}
        )
        for order in candidates.only("pk", "code", "state", "escalation_level"):
            with transaction.atomic():
                # Conditional: a concurrent pass that flagged it first wins, this one skips.
                if not Order.objects.filter(pk=order.pk, **{flag: False}).update(
                    **{flag: True, "updated_at": now}
                ):
                    continue
                _system_step(
                    order,
                    "overdue",
                    now,
                    _("The %(limit)s limit has passed.") % {"limit": LIMIT_NAMES[limit]},
                    {"limit": limit},
                )
                _escalate(order, now, limit)
                flagged += 1
    return flagged


def escalate_again(now: dt.datetime, hours: int, top: int) -> int:
    """Overdue orders whose last escalation is older than `hours` climb one more level."""
    recent = SupervisorNote.objects.filter(
        order=OuterRef("pk"), automatic=True, at__gte=now - dt.timedelta(hours=hours)
    )
    stale = (
        Order.objects.overdue()
        .filter(escalation_level__gte=1, escalation_level__lt=top)
        .exclude(Exists(recent))
    )
    count = 0
    fields = ("pk", "code", "state", "escalation_level", "resolve_overdue", "claim_overdue")
    for order in stale.only(*fields, "accept_overdue"):
        with transaction.atomic():
            if not Order.objects.filter(
                pk=order.pk, escalation_level=order.escalation_level
            ).update(updated_at=now):
                continue
            limit = next(
                name
                for name, flag in (
                    ("resolve", order.resolve_overdue),
                    ("claim", order.claim_overdue),
                    ("accept", order.accept_overdue),
                )
                if flag
            )
            _escalate(order, now, limit)
            count += 1
    return count


def remind(now: dt.datetime, hours: int) -> int:
    """One reminder per stage for orders whose limit ends within `hours`."""
    soon = now + dt.timedelta(hours=hours)
    stages = [
        (Q(state=State.SUBMITTED, accept_due__gt=now, accept_due__lte=soon), "submitted_at"),
        (
            Q(state=State.ACCEPTED, claimant__isnull=True, claim_due__gt=now, claim_due__lte=soon),
            "accepted_at",
        ),
        (Q(state__in=CLAIMED_STATES, resolve_due__gt=now, resolve_due__lte=soon), "claimed_at"),
    ]
    count = 0
    for condition, stage_start in stages:
        due = (
            Order.objects.filter(condition)
            .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F(stage_start)))
            .only("pk", "code", "state")
        )
        for order in due:
            with transaction.atomic():
                if (
                    not Order.objects.filter(pk=order.pk)
                    .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F(stage_start)))
                    .update(reminded_at=now, updated_at=now)
                ):
                    continue
                _system_step(order, "remind", now, _("The time limit ends soon."), {})
                count += 1
    return count


def flag_department_reports(now: dt.datetime) -> int:
    count = 0
    late = Whistle.objects.filter(
        status=Whistle.Status.WAITING, ack_due__lt=now, ack_overdue=False
    ).select_related("order", "department")
    for item in late:
        with transaction.atomic():
            if not Whistle.objects.filter(pk=item.pk, ack_overdue=False).update(
                ack_overdue=True, updated_at=now
            ):
                continue
            _system_step(
                item.order,
                "overdue",
                now,
                _("%(department)s has not reported in time.") % {"department": item.department},
                {"limit": "report", "department": item.department.name},
            )
            count += 1
    return count


def close_silent(now: dt.datetime, days: int) -> int:
    silent = Order.objects.filter(
        state=State.VERIFIED, verified_at__lt=now - dt.timedelta(days=days)
    )
    count = 0
    for order in silent:
        if actions.auto_close(order, now=now).state in (State.CLOSED, State.PUBLISHED):
            count += 1
    return count


@shared_task(name="sixfold.orders.run_timers", ignore_result=True)
def run_timers(now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of every timer; returns how many orders each step touched."""
    now = now or timezone.now()
    return {
        "overdue": flag_overdue(now),
        "escalated": escalate_again(
            now,
            getattr(settings, "SIXFOLD_ORDER_ESCALATE_HOURS", 24),
            getattr(settings, "SIXFOLD_ORDER_MAX_ESCALATION", 3),
        ),
        "reminded": remind(now, getattr(settings, "SIXFOLD_ORDER_REMIND_HOURS", 2)),
        "department_late": flag_department_reports(now),
        "auto_closed": close_silent(now, getattr(settings, "SIXFOLD_ORDER_AUTO_CLOSE_DAYS", 7)),
    }


logger = logging.getLogger(__name__)


class InProcessTimers:
    """Middleware of the embedded default: the timers without Celery beat or cron.

    After a response, at most every `SIXFOLD_ORDER_TIMER_SECONDS` (300) per process, one pass
    runs in a daemon thread with its own database connection (never inside the request). Two web
    processes may both run a pass; passes are idempotent. Off when a broker is configured (beat
    runs the task) and under the test runner (`SIXFOLD_ORDER_TIMERS_IN_PROCESS`)."""

    _lock = threading.Lock()
    _next_run = 0.0

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "SIXFOLD_ORDER_TIMERS_IN_PROCESS", False):
            self.start_if_due()
        return response

    @classmethod
    def start_if_due(cls) -> bool:
        moment = time.monotonic()
        if moment < cls._next_run or not cls._lock.acquire(blocking=False):
            return False
        cls._next_run = moment + getattr(settings, "SIXFOLD_ORDER_TIMER_SECONDS", 300)

        def main():
            try:
                run_timers()
            except Exception:
                logger.exception("order timers failed")
            finally:
                connection.close()
                cls._lock.release()

        threading.Thread(target=main, name="order-timers", daemon=True).start()
        return True
