"""The main path and every transition's state, permission and guard checks."""



from sixfold.core.models import AuditEvent
from sixfold.orders import actions
from sixfold.orders.models import Order
from sixfold.orders.states import State


def test_the_main_path_from_submission_to_the_board(ow):
    """Given a resident's order, when it goes the whole way, then every step is recorded."""
    order = ow.submit()
    assert order.state == State.SUBMITTED
    assert order.number.startswith("GD") and len(order.number) == 14
    assert order.requester == ow.users["resident"] and order.accept_due is not None
    order = actions.accept(order, by=ow.users["community_worker"])
    assert order.state == State.ACCEPTED and order.resolve_due and order.claim_due
    order = actions.claim(order, by=ow.users["party_member"])
    assert order.state == State.CLAIMED and order.claimant == ow.users["party_member"]
    assert order.claimant_kind == "party_member"
    order = actions.start(order, by=ow.users["party_member"])
    order = actions.resolve(order, by=ow.users["party_member"], resolution="已更换灯泡。")
    assert order.state == State.RESOLVED and not order.resolve_overdue
    order = actions.verify(order, by=ow.users["community_secretary"])
    order = actions.close(order, by=ow.users["resident"], rating=5, comment="很及时")
    assert order.state == State.PUBLISHED and order.rating == 5
    steps = list(order.events.values_list("transition", "from_state", "to_state"))
    assert [s[0] for s in steps] == [
        "submit", "accept", "claim", "start", "resolve", "verify", "close", "publish",
    ]  # fmt: skip
    assert steps[2][1:] == ("accepted", "claimed")
    assert (
        AuditEvent.objects.filter(object_type="orders.order", object_id=str(order.pk)).count() == 8
    )
    assert Order.objects.on_board().get() == order
