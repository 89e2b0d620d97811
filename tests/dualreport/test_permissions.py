"""Who sees and does what in dual reporting, role by role: a secretary her community, a branch
secretary his grid, a member her own records; "missing" and "not yours" are the same 404."""

import datetime as dt

import pytest
from django.urls import reverse

from sixfold.party.dualreport import actions
from sixfold.party.dualreport.models import ServiceRecord

BACKEND = "django.contrib.auth.backends.ModelBackend"
ROLES = [
    "street_admin",
    "community_secretary",
    "community_worker",
    "grid_worker",
    "branch_secretary",
    "party_member",
    "resident",
]
STAFF = {
    "street_admin",
    "community_secretary",
    "community_worker",
    "grid_worker",
    "branch_secretary",
}
MANAGERS = {"street_admin", "community_secretary", "community_worker"}


@pytest.fixture
def world(dual):
    """Adds 王强's registration (grid 2 of community 1), 赵敏's (community 2) and hours."""
    early = {"registered_on": dt.date(2026, 1, 2)}
    dual.neighbour_registration = actions.register_member(dual.neighbour_member, early, by=None)
    dual.other_registration = actions.register_member(dual.other_member, early, by=None)
    dual.pending = actions.log_service(
        dual.registration,
        {"served_on": dt.date(2026, 2, 1), "hours": "2", "description": "劝导"},
        by=dual.users["party_member"],
    )
    dual.other_record = actions.log_service(
        dual.other_registration,
        {"served_on": dt.date(2026, 2, 1), "hours": "2", "description": "义诊"},
        by=None,
    )
    return dual


def as_role(client, dual, role):
    if role is not None:
        client.force_login(dual.users[role], backend=BACKEND)


def expected_list(role):
    if role in STAFF:
        return 200
    return 403


MATRIX = [
    # (page, expectation per role: a set of roles answered 200, others as given)
    ("home", lambda r: 200 if r in STAFF else 302 if r == "party_member" else 403),
    ("registration_list", expected_list),
    ("unit_list", expected_list),
    ("post_list", expected_list),
    ("record_list", expected_list),
    ("letter_list", expected_list),
    ("unregistered_list", expected_list),
    ("idle_list", expected_list),
    ("registration_create", lambda r: 200 if r in MANAGERS else 403),
    ("unit_create", lambda r: 200 if r in MANAGERS else 403),
    ("post_create", lambda r: 200 if r in MANAGERS else 403),
    ("me", lambda r: 200 if r == "party_member" else 404),
]


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client, world, role):
    as_role(client, world, role)
    for name, expect in MATRIX:
        response = client.get(reverse(f"dualreport:{name}"))
        assert response.status_code == expect(role), (name, role)


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for name, _expect in MATRIX:
        response = client.get(reverse(f"dualreport:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_objects_by_role(client, world, role):
    """Each role reaches the objects of its scope; everything else is the same 404."""
    as_role(client, world, role)
    grid1 = {"street_admin", "community_secretary", "community_worker", "grid_worker",
             "branch_secretary", "party_member"}  # fmt: skip
    community1 = MANAGERS  # 王强 lives in grid 2: not the grid workers' or the member's
    street = {"street_admin"}
    cases = [
        (reverse("dualreport:registration_detail", args=[world.registration.pk]), grid1),
        (reverse("dualreport:letter", args=[world.registration.pk]), grid1),
        (reverse("dualreport:record_detail", args=[world.pending.pk]), grid1),
        (reverse("dualreport:registration_detail", args=[world.neighbour_registration.pk]),
         community1),
        (reverse("dualreport:registration_detail", args=[world.other_registration.pk]), street),
        (reverse("dualreport:record_detail", args=[world.other_record.pk]), street),
        (reverse("dualreport:post_detail", args=[world.post.pk]), MANAGERS | {"party_member"}),
        (reverse("dualreport:post_detail", args=[world.other_post.pk]), street),
        (reverse("dualreport:registration_detail", args=[999999]), set()),
    ]  # fmt: skip
    for url, allowed in cases:
        assert client.get(url).status_code == (200 if role in allowed else 404), (url, role)


@pytest.mark.parametrize("role", ROLES)
def test_confirming_hours_by_role(client, world, role):
    as_role(client, world, role)
    url = reverse("dualreport:record_confirm", args=[world.pending.pk])
    response = client.post(url)
    expected = {
        "street_admin": 302,
        "community_secretary": 302,
        "community_worker": 302,
        "grid_worker": 403,  # sees the record, may not confirm it
        "branch_secretary": 403,
        "party_member": 404,  # her own hours: not hers to confirm
        "resident": 404,
    }[role]
    assert response.status_code == expected
    status = ServiceRecord.objects.get(pk=world.pending.pk).status
    assert status == ("confirmed" if expected == 302 else "pending")


def test_the_member_acts_on_her_own_records_only(client, world):
    as_role(client, world, "party_member")
    # her own registration: log hours, edit, withdraw pages answer
    for name in ("registration_log", "registration_edit", "registration_withdraw"):
        assert (
            client.get(reverse(f"dualreport:{name}", args=[world.registration.pk])).status_code
            == 200
        )
        assert (
            client.get(
                reverse(f"dualreport:{name}", args=[world.neighbour_registration.pk])
            ).status_code
            == 404
        )
    # not the community's assessment
    assert (
        client.get(
            reverse("dualreport:registration_assess", args=[world.registration.pk])
        ).status_code
        == 404
    )
    # claiming in another community is not found
    assert (
        client.post(reverse("dualreport:post_claim", args=[world.other_post.pk])).status_code == 404
    )


def test_a_branch_secretary_reads_his_grid_only(client, world):
    as_role(client, world, "branch_secretary")
    page = client.get(reverse("dualreport:registration_list")).content.decode()
    assert "李秀英" in page and "王强" not in page and "赵敏" not in page
    assert (
        client.get(reverse("dualreport:registration_log", args=[world.registration.pk])).status_code
        == 403
    )
