"""Claiming (领单): one winner, a clear conflict for the other, a per-person limit."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from sixfold.orders import actions
from sixfold.orders.models import Order, OrderEvent
from sixfold.orders.states import State

from .conftest import OrdersWorld, codes


def test_a_second_claim_gets_already_claimed(ow):
    order = ow.accepted()
    actions.claim(order, by=ow.users["party_member"])
    with pytest.raises(ValidationError) as error:
        actions.claim(order, by=ow.users["party_member_2"])
    assert codes(error.value) == {"state": ["already_claimed"]}
    with pytest.raises(ValidationError) as error:  # nor may the community dispatch it now
        actions.dispatch(order, to=ow.users["party_member_2"], by=ow.users["community_worker"])
    assert codes(error.value) == {"state": ["already_claimed"]}


def test_members_claim_only_in_their_community(ow):
    order = ow.accepted()
    with pytest.raises(PermissionDenied):
        actions.claim(order, by=ow.users["other_member"])
    with pytest.raises(PermissionDenied):
        actions.claim(order, by=ow.users["resident"])
    with pytest.raises(PermissionDenied):
        actions.claim(order, by=ow.users["department_staff"])


def test_the_per_person_limit(ow, settings):
    settings.SIXFOLD_ORDER_MAX_OPEN_CLAIMS = 2
    member = ow.users["party_member"]
    first = actions.claim(ow.accepted(), by=member)
    actions.claim(ow.accepted(), by=member)
    third = ow.accepted()
    with pytest.raises(ValidationError) as error:
        actions.claim(third, by=member)
    assert codes(error.value) == {"claimant": ["claim_limit"]}
    with pytest.raises(ValidationError):
        actions.dispatch(third, to=member, by=ow.users["community_worker"])
    actions.resolve(first, by=member, resolution="已处理")  # resolved no longer counts
    assert actions.claim(third, by=member).state == State.CLAIMED


@pytest.mark.skipif(
    "sqlite" in connection.vendor, reason="concurrent writers need a database server"
)
@pytest.mark.django_db(transaction=True)
def test_two_members_claiming_at_once():
    """Two threads, two connections, one order: exactly one claim (PostgreSQL)."""
    world = OrdersWorld()
    order = world.accepted()
    members = [world.users["party_member"], world.users["party_member_2"]]
    barrier = threading.Barrier(2)
    outcomes = []

    def take(index):
        from django.db import connections

        try:
            barrier.wait()
            actions.claim(Order.objects.get(pk=order.pk), by=members[index])
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(codes(exc)["state"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_claimed", "ok"]
    assert OrderEvent.objects.filter(order=order, transition="claim").count() == 1
