"""The transition table and what each role may see (visibility)."""

from sixfold.orders import actions
from sixfold.orders.models import Order
from sixfold.orders.states import TRANSITIONS, State, available


def test_the_table_is_consistent():
    for transition in TRANSITIONS.values():
        assert transition.sources and all(s in State.values for s in transition.sources)
        assert transition.target is None or transition.target in State.values
        assert transition.perm or transition.who
        assert str(transition.label)


def test_buttons_follow_the_table(ow):
    order = ow.submit()
    assert {t.name for t in available(order, ow.users["community_worker"])} >= {"accept", "reject"}
    assert {t.name for t in available(order, ow.users["resident"])} == {"cancel"}
    assert available(order, ow.users["party_member"]) == []


def test_who_sees_which_orders(ow):
    mine = ow.accepted()  # community 1, in the pool
    claimed = ow.claimed()
    submitted = ow.submit()
    elsewhere = ow.submit(by=ow.users["street_admin"], region=ow.other_household.region)
    whistled = ow.accepted()
    actions.whistle(
        whistled,
        department=ow.department,
        kind="enforcement",
        reason="占道经营",
        by=ow.users["community_secretary"],
    )

    def seen(role):
        return set(Order.objects.visible_to(ow.users[role]).values_list("pk", flat=True))

    everything = {mine.pk, claimed.pk, submitted.pk, elsewhere.pk, whistled.pk}
    assert seen("street_admin") == everything
    assert seen("community_secretary") == everything - {elsewhere.pk}
    assert seen("resident") == everything - {elsewhere.pk}  # she filed them all
    # members see the pool of their community and what they claimed, not submitted ones
    assert seen("party_member") == {mine.pk, claimed.pk, whistled.pk}
    assert seen("party_member_2") == {mine.pk, whistled.pk}
    assert seen("other_member") == set()
    assert seen("department_staff") == {whistled.pk}
    assert seen("other_department_staff") == set()
    assert seen("grid_worker") == everything - {elsewhere.pk}  # all in his grid
    assert Order.objects.visible_to(None).count() == 0
    assert set(Order.objects.pool(ow.users["party_member"]).values_list("pk", flat=True)) == {
        mine.pk,
        whistled.pk,
    }
