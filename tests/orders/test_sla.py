"""Time limits per category and urgency."""

import datetime as dt

from sixfold.orders import actions, sla
from sixfold.orders.models import Category, TimeLimit

from .conftest import at


def test_default_limits(ow):
    limits = sla.limits_for(ow.category, "urgent")
    assert (limits.accept.amount, limits.accept.unit) == (1, "hours")
    assert (limits.resolve.amount, limits.resolve.unit) == (24, "hours")
    general = sla.limits_for(ow.category, "general")
    assert (general.resolve.amount, general.resolve.unit) == (7, "workdays")
    assert sla.limits_for(None, "complex").resolve.amount == 15


def test_a_category_row_wins_over_its_parent_and_the_default(ow):
    TimeLimit.objects.create(
        category=ow.category, urgency="general", accept_amount=4, resolve_amount=3
    )
    assert sla.limits_for(ow.child_category, "general").accept.amount == 4
    TimeLimit.objects.create(
        category=ow.child_category, urgency="general", accept_amount=2, resolve_amount=1
    )
    assert sla.limits_for(ow.child_category, "general").accept.amount == 2
    other = Category.objects.get(slug="policy")
    assert sla.limits_for(other, "general").accept.amount == 24


def test_an_order_accepted_before_national_day(ow, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2026, 9, 30, 9))
    order = ow.submit()
    assert order.accept_due == at(2026, 10, 1, 9)  # 24 hours, holiday or not
    order = actions.accept(order, by=ow.users["community_worker"])
    assert order.resolve_due == at(2026, 10, 15, 9)  # 7 working days over the holiday
    assert order.claim_due == at(2026, 10, 9, 9)
    assert sla.calendar_warning(order) is None


def test_limits_into_2027_carry_a_warning(ow, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2026, 12, 28, 9))
    order = actions.accept(ow.submit(urgency="complex"), by=ow.users["community_worker"])
    assert order.resolve_due.date() > dt.date(2027, 1, 1)
    assert "2027" in sla.calendar_warning(order)
