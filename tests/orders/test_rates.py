"""The assessment rates on hand-built orders."""

import datetime as dt
from decimal import Decimal

from sixfold.orders import actions, rates
from sixfold.orders.models import Order


def test_the_rates_of_a_community(ow):
    """Given five orders of today in community 1 and one elsewhere:
    1 closed with 5 stars, 1 closed with 2 stars after rework and late, 1 claimed, 1 submitted
    and past its accept limit, 1 cancelled (not counted)."""
    worker, resident = ow.users["community_worker"], ow.users["resident"]
    good = actions.close(ow.verified(), by=resident, rating=5)
    bad = ow.resolved()
    bad = actions.send_back(bad, by=worker, reason="没修好")
    bad = actions.resolve(bad, by=ow.users["party_member"], resolution="重新修好")
    Order.objects.filter(pk=bad.pk).update(resolve_overdue=True)
    bad = actions.close(actions.verify(bad, by=worker), by=resident, rating=2)
    ow.claimed()
    late = ow.submit()
    Order.objects.filter(pk=late.pk).update(accept_overdue=True)
    actions.cancel(ow.submit(), by=resident)
    ow.submit(by=ow.users["street_admin"], region=ow.other_household.region)

    today = dt.date.today()
    result = rates.rates_for(
        ow.community.code, today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    )
    counts = result.counts
    assert counts["total"] == 4
    assert result.response == Decimal("75.0")  # 3 accepted in time of 4
    assert result.resolution == Decimal("66.7")  # 2 resolved of 3 accepted
    assert result.satisfaction == Decimal("50.0")
    assert result.on_time_closure == Decimal("50.0")
    assert result.rework == Decimal("50.0")
    assert result.overdue == Decimal("50.0")
    by_community = rates.rates_by_child(ow.street.code, today, today + dt.timedelta(days=1))
    assert set(by_community) == {ow.community.code, ow.other_community.code}
    assert by_community[ow.other_community.code].response is None
    assert good.pk != bad.pk


def test_no_orders_no_rates(ow):
    result = rates.rates_for(ow.community.code, dt.date(2020, 1, 1), dt.date(2020, 1, 31))
    assert result.response is None and result.as_dict()["total"] == 0


def test_department_rates(ow):
    order = ow.accepted()
    item = actions.whistle(
        order, department=ow.department, kind="enforcement", reason="占道",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    actions.acknowledge(item, by=ow.users["department_staff"])
    item = actions.department_resolve(item, by=ow.users["department_staff"], result="已清理")
    actions.rate_department(item, by=ow.users["community_worker"], rating=4)
    actions.whistle(
        ow.accepted(), department=ow.department, kind="enforcement", reason="再次占道",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    today = dt.date.today()
    (row,) = rates.department_rates(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    assert row["department__name"] == "城管" and row["whistles"] == 2
    assert row["report_rate"] == Decimal("50.0") and row["mean_rating"] == Decimal("4.0")
