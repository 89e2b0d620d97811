"""Who may take each step, role by role (in scope: community 1; the order is in community 1)."""

import pytest
from django.core.exceptions import PermissionDenied

from sixfold.orders import actions
from sixfold.orders.states import TRANSITIONS, actor_may
from tests import factories

ROLES = [
    "street_admin",
    "community_secretary",
    "community_worker",
    "grid_worker",
    "party_member",
    "department_staff",
    "resident",
    "volunteer",
]
# step: roles that may take it on an order of someone else's in their scope
EXPECTED = {
    "accept": {"street_admin", "community_secretary", "community_worker"},
    "claim": {"street_admin", "community_secretary", "community_worker", "grid_worker",
              "party_member", "volunteer"},
    "note": {"street_admin", "community_secretary"},
    "whistle": {"street_admin", "community_secretary", "community_worker"},
    "verify": {"street_admin", "community_secretary", "community_worker"},
}  # fmt: skip


@pytest.fixture
def users(ow):
    ow.users["volunteer"] = factories.user_with_role("volunteer", ow.community, username="t_vol")
    return ow.users


@pytest.mark.parametrize("step", sorted(EXPECTED))
def test_the_matrix(ow, users, step):
    order = ow.submit(by=users["community_worker"], requester_name="张三")
    allowed = {role for role in ROLES if actor_may(TRANSITIONS[step], order, users[role])}
    assert allowed == EXPECTED[step]


def test_a_volunteer_claims_as_a_volunteer(ow, users):
    order = actions.claim(ow.accepted(), by=users["volunteer"])
    assert order.claimant_kind == "volunteer"


def test_department_staff_only_act_on_their_whistles(ow, users):
    order = ow.accepted()
    with pytest.raises(PermissionDenied):
        actions.accept(ow.submit(), by=users["department_staff"])
    with pytest.raises(PermissionDenied):
        actions.whistle(
            order, department=ow.department, kind="enforcement", reason="x",
            by=users["department_staff"],
        )  # fmt: skip
