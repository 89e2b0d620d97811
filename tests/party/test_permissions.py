"""The party permission matrix: every role × in-scope / out-of-scope object × operation, on the
pages and the API.

Out of scope is a 404 (the same answer as "does not exist"); in scope without the permission a
403 and nothing changes; with it, it works. The expectations are written out here by hand, not
read from the role table, so a change to the roles that widens access fails here.
"""

import pytest
from django.urls import reverse

from sixfold.party.models import PartyMember, ResponsibilityLink
from tests.api.conftest import api  # noqa: F401  (fixture)

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

# What each role may do with the party registers inside its scope.
MAY = {
    "street_admin": {"view", "manage", "assign", "configure"},
    "community_secretary": {"view", "manage", "assign"},
    "community_worker": {"view", "assign"},
    "grid_worker": {"view"},
    "branch_secretary": {"view", "assign"},
    "party_member": set(),  # own records only (tested below)
    "resident": set(),
}
SCOPE = {
    "street_admin": "street",
    "community_secretary": "community",
    "community_worker": "community",
    "grid_worker": "grid",
    "branch_secretary": "grid",
    "party_member": None,
    "resident": None,
}


def reaches(party, role, code) -> bool:
    scope = SCOPE[role]
    if scope is None:
        return False
    return code.startswith(getattr(party, scope).code)


def expected(party, role, code, may) -> str:
    if not reaches(party, role, code) or "view" not in MAY[role]:
        return "404"
    return "ok" if may in MAY[role] else "403"


def members(party):
    """A member of grid 1's branch, one of community 1's committee, one of community 2."""
    return {"grid": party.member, "community": party.external, "other": party.other_member}


def login(client, party, role):
    client.force_login(party.users[role], backend=BACKEND)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", ["grid", "community", "other"])
def test_member_page_and_edit(client, party, role, where):
    login(client, party, role)
    member = members(party)[where]
    outcome = expected(party, role, member.code, "view")
    response = client.get(reverse("party:member_detail", args=[member.pk]))
    assert response.status_code == (200 if outcome == "ok" else 404)

    outcome = expected(party, role, member.code, "manage")
    response = client.post(
        reverse("party:member_edit", args=[member.pk]),
        {"name": member.name, "standing": "full", "joined_on": "2000-07-01", "note": "改过"},
    )
    member.refresh_from_db()
    if outcome == "ok":
        assert response.status_code == 302 and member.note == "改过"
    else:
        assert response.status_code == int(outcome) and member.note == ""


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", ["grid", "other"])
def test_assigning_in_the_chain(client, party, role, where):
    login(client, party, role)
    household = party.household if where == "grid" else party.other_household
    candidate = party.member if where == "grid" else party.other_member
    outcome = expected(party, role, household.code, "assign")
    response = client.post(
        reverse("party:chain_assign", args=[household.code]), {"member": candidate.pk}
    )
    assigned = ResponsibilityLink.objects.filter(region=household.region).exists()
    if outcome == "ok":
        assert response.status_code == 302 and assigned
    else:
        assert response.status_code == int(outcome) and not assigned


@pytest.mark.parametrize("role", ROLES)
def test_coverage_page_of_community_1(client, party, role):
    login(client, party, role)
    response = client.get(reverse("party:coverage") + f"?region={party.community.code}")
    if "view" not in MAY[role]:
        assert response.status_code == 403
    elif reaches(party, role, party.community.code):
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_configuring_the_grid_posts(client, party, role):
    login(client, party, role)
    response = client.post(reverse("party:post_kinds"), {"name": "消防网格员", "order": "5"})
    if "configure" in MAY[role]:
        assert response.status_code == 302
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_own_record(client, party, role):
    login(client, party, role)
    response = client.get(reverse("party:me"))
    # only the logged-in member has a record of her own here
    assert response.status_code == (200 if role == "party_member" else 404)
    home = client.get(reverse("party:home"))
    if role == "party_member":
        assert home.status_code == 302 and home["Location"] == reverse("party:me")
    elif "view" in MAY[role]:
        assert home.status_code == 200
    else:
        # the pillar's tab leads residents to the public airing board, not to a 403
        assert home.status_code == 302 and home["Location"] == reverse("party:airing_index")


def test_a_member_starts_on_her_own_record(client, party):
    login(client, party, "party_member")
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("party:me")
    # everyone who sees the registers keeps the overview
    login(client, party, "branch_secretary")
    assert client.get(reverse("core:home")).status_code == 200


def test_a_member_sees_her_record_masked_and_nobody_elses(client, party):
    login(client, party, "party_member")
    content = client.get(reverse("party:me")).content.decode()
    assert "李秀英" in content
    assert party.resident.id_number_masked in content
    assert party.resident.plaintext_id_number() not in content
    assert party.resident.plaintext_phone() not in content
    for other in (party.external, party.neighbour_member):
        assert client.get(reverse("party:member_detail", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", ["grid", "community", "other"])
def test_api_member_detail_and_change(api, party, role, where):  # noqa: F811
    client = api(party.users[role])
    member = members(party)[where]
    url = f"/api/v1/party/members/{member.pk}/"
    outcome = expected(party, role, member.code, "view")
    assert client.get(url).status_code == (200 if outcome == "ok" else 404)
    outcome = expected(party, role, member.code, "manage")
    response = client.patch(url, {"note": "接口改"}, format="json")
    assert response.status_code == (200 if outcome == "ok" else int(outcome))
    assert PartyMember.objects.get(pk=member.pk).note == ("接口改" if outcome == "ok" else "")


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_only_what_is_in_scope(api, party, role):  # noqa: F811
    listed = {
        row["id"] for row in api(party.users[role]).get("/api/v1/party/members/").json()["results"]
    }
    visible = {
        m.pk for m in members(party).values() if expected(party, role, m.code, "view") == "ok"
    }
    if "view" in MAY[role]:
        assert {m.pk for m in members(party).values()} & listed == visible
    else:
        assert listed == set()


@pytest.mark.parametrize("role", ROLES)
def test_api_coverage(api, party, role):  # noqa: F811
    response = api(party.users[role]).get(
        "/api/v1/party/coverage/", {"region": party.community.code}
    )
    if "view" not in MAY[role]:
        assert response.status_code == 403
    elif reaches(party, role, party.community.code):
        assert response.status_code == 200
    else:
        assert response.status_code == 404
