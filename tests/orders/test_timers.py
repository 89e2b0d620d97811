"""The timers: overdue flags, escalation, reminders, department reports, auto-close; idempotent."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from sixfold.orders import actions
from sixfold.orders.models import Order, OrderEvent, SupervisorNote, Whistle
from sixfold.orders.states import State
from sixfold.orders.tasks import run_timers

H = dt.timedelta(hours=1)


def test_an_order_not_accepted_in_time_is_flagged_and_escalated_once(ow):
    order = ow.submit()
    now = order.accept_due + H
    counts = run_timers(now=now)
    assert counts["overdue"] == 1
    order.refresh_from_db()
    assert order.accept_overdue and order.escalation_level == 1
    assert SupervisorNote.objects.filter(order=order, automatic=True, level=1).count() == 1
    # a second pass changes nothing
    assert run_timers(now=now + dt.timedelta(minutes=5))["overdue"] == 0
    assert OrderEvent.objects.filter(order=order, transition="overdue").count() == 1
    # accepting late keeps the flag (it counts against the response rate)
    order = actions.accept(order, by=ow.users["community_worker"])
    assert order.accept_overdue


def test_escalation_climbs_every_day_up_to_the_district(ow):
    order = ow.claimed()
    now = order.resolve_due + H
    run_timers(now=now)
    order.refresh_from_db()
    assert order.resolve_overdue and order.escalation_level == 1
    assert run_timers(now=now + 2 * H)["escalated"] == 0
    for day in range(1, 5):
        run_timers(now=now + dt.timedelta(days=day, minutes=1))
    order.refresh_from_db()
    assert order.escalation_level == 3
    assert SupervisorNote.objects.filter(order=order, automatic=True).count() == 3


def test_claim_limit_and_reminders(ow):
    order = ow.accepted(urgency="urgent")
    assert run_timers(now=order.claim_due - H)["reminded"] == 1
    assert run_timers(now=order.claim_due - H / 2)["reminded"] == 0
    run_timers(now=order.claim_due + H / 2)
    order.refresh_from_db()
    assert order.claim_overdue and not order.resolve_overdue


def test_a_silent_requester_is_closed_for_after_a_week(ow):
    order = ow.verified()
    assert run_timers(now=timezone.now() + dt.timedelta(days=6))["auto_closed"] == 0
    assert run_timers(now=timezone.now() + dt.timedelta(days=8))["auto_closed"] == 1
    order.refresh_from_db()
    assert order.state == State.PUBLISHED and order.auto_closed and order.rating is None
    assert run_timers(now=timezone.now() + dt.timedelta(days=9))["auto_closed"] == 0
    # resolved but never verified: not closed by the timers
    resolved = ow.resolved()
    run_timers(now=timezone.now() + dt.timedelta(days=30))
    resolved.refresh_from_db()
    assert resolved.state == State.RESOLVED


def test_a_department_that_does_not_report_is_flagged(ow):
    order = ow.accepted()
    item = actions.whistle(
        order, department=ow.department, kind="emergency", reason="井盖丢失",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    assert item.ack_due == item.at + dt.timedelta(minutes=30)
    assert run_timers(now=item.at + dt.timedelta(minutes=31))["department_late"] == 1
    assert run_timers(now=item.at + dt.timedelta(minutes=40))["department_late"] == 0
    assert Whistle.objects.get().ack_overdue


def test_the_command_runs_the_same_pass(ow, capsys):
    order = ow.submit()
    Order.objects.filter(pk=order.pk).update(accept_due=timezone.now() - H)
    call_command("run_timers")
    assert "超时 1" in capsys.readouterr().out


def test_a_late_order_stops_climbing_once_resolved(ow):
    order = ow.claimed()
    now = order.resolve_due + H
    run_timers(now=now)
    assert Order.objects.overdue().filter(pk=order.pk).exists()
    actions.resolve(order, by=ow.users["party_member"], resolution="终于修好")
    assert not Order.objects.overdue().filter(pk=order.pk).exists()
    run_timers(now=now + dt.timedelta(days=3))
    order.refresh_from_db()
    assert order.escalation_level == 1 and order.resolve_overdue


def test_an_unclaimed_order_climbs_on_its_claim_limit(ow):
    order = ow.accepted()
    now = order.claim_due + H
    run_timers(now=now)
    run_timers(now=now + dt.timedelta(days=1, minutes=1))
    notes = SupervisorNote.objects.filter(order=order).order_by("level")
    assert [n.level for n in notes] == [1, 2]
    assert "claim" in notes[1].text


def test_the_embedded_default_runs_the_timers_after_a_response(settings, monkeypatch):
    import threading

    from sixfold.orders import tasks

    ran = threading.Event()
    monkeypatch.setattr(tasks, "run_timers", lambda: ran.set())
    monkeypatch.setattr(tasks.InProcessTimers, "_next_run", 0.0)
    middleware = tasks.InProcessTimers(lambda request: "response")
    settings.SIXFOLD_ORDER_TIMERS_IN_PROCESS = False
    assert middleware(None) == "response" and not ran.is_set()
    settings.SIXFOLD_ORDER_TIMERS_IN_PROCESS = True
    assert middleware(None) == "response"
    assert ran.wait(5)
    assert not tasks.InProcessTimers.start_if_due()  # not again within five minutes
