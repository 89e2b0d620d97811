"""吹哨报到: whistle to a department, report within the limit, act, be rated."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sixfold.orders import actions
from sixfold.orders.models import Whistle
from sixfold.orders.states import State

from .conftest import codes


def whistled(ow, kind="public_demand"):
    order = ow.accepted()
    item = actions.whistle(
        order, department=ow.department, kind=kind, reason="违章搭建，需要城管执法",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    return order, item


def test_who_may_whistle_and_with_what(ow):
    order = ow.accepted()
    with pytest.raises(PermissionDenied):
        actions.whistle(
            order, department=ow.department, kind="enforcement", reason="x",
            by=ow.users["party_member"],
        )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        actions.whistle(
            order, department=None, kind="nope", reason="x", by=ow.users["community_secretary"]
        )
    assert codes(error.value) == {"department": ["required"], "kind": ["invalid"]}
    with pytest.raises(ValidationError) as error:
        actions.whistle(
            ow.submit(), department=ow.department, kind="enforcement", reason="x",
            by=ow.users["community_secretary"],
        )  # fmt: skip
    assert codes(error.value) == {"state": ["bad_state"]}


def test_the_department_reports_acts_and_is_rated(ow):
    order, item = whistled(ow)
    assert item.ack_due == item.at + __import__("datetime").timedelta(hours=24)
    with pytest.raises(ValidationError) as error:  # the same department twice
        actions.whistle(
            order, department=ow.department, kind="enforcement", reason="再次",
            by=ow.users["street_admin"],
        )  # fmt: skip
    assert codes(error.value) == {"department": ["duplicate"]}
    with pytest.raises(PermissionDenied):  # another department's staff
        actions.acknowledge(item, by=ow.users["other_department_staff"])
    with pytest.raises(PermissionDenied):
        actions.acknowledge(item, by=ow.users["community_worker"])
    with pytest.raises(ValidationError):  # finish before reporting
        actions.department_resolve(item, by=ow.users["department_staff"], result="已拆除")
    item = actions.acknowledge(item, by=ow.users["department_staff"])
    assert item.status == Whistle.Status.ACKNOWLEDGED and not item.ack_overdue
    with pytest.raises(ValidationError):
        actions.rate_department(item, by=ow.users["community_worker"], rating=5)
    item = actions.department_resolve(item, by=ow.users["department_staff"], result="已拆除违建")
    order.refresh_from_db()
    assert order.state == State.RESOLVED and order.claimant_kind == "department"
    assert order.claimant_name == "城管"
    item = actions.rate_department(item, by=ow.users["community_worker"], rating=4, comment="及时")
    assert item.rating == 4
    with pytest.raises(PermissionDenied):
        actions.rate_department(item, by=ow.users["department_staff"], rating=5)
    steps = list(order.events.values_list("transition", flat=True))
    assert steps[-4:] == ["whistle", "acknowledge", "department_resolve", "department_rate"]


def test_a_claimed_order_stays_with_its_claimant(ow):
    order = ow.claimed()
    item = actions.whistle(
        order, department=ow.department, kind="emergency", reason="燃气泄漏",
        by=ow.users["street_admin"],
    )  # fmt: skip
    actions.acknowledge(item, by=ow.users["department_staff"])
    actions.department_resolve(item, by=ow.users["department_staff"], result="已关阀检修")
    order.refresh_from_db()
    assert order.state == State.RESOLVED and order.claimant == ow.users["party_member"]
