"""The API's permission matrix: every World role × where the object lies × every operation.

Places, from the World users' point of view:
* `own`        — the grid G01 of community 001 where the resident user lives (their household);
* `neighbour`  — grid G02 of the same community;
* `other`      — community 002 of the same street;
* `elsewhere`  — another street, outside everyone's scope.

What a role sees decides 404 (absent from lists, "not found" on detail and writes); what it may do
there decides 403. A refused request saves nothing and writes no audit event.
"""

import pytest

from tests import factories

from .conftest import ROLES, new_resident_payload, row_counts

ALL_ROLES = [*ROLES, "no_role"]
PLACES = ["own", "neighbour", "other", "elsewhere"]
REGISTERS = ["buildings", "units", "households", "residents"]

# Where each role sees the registers (the resident user sees only their household and its people).
SEES = {
    "street_admin": {"own", "neighbour", "other"},
    "community_secretary": {"own", "neighbour"},
    "community_worker": {"own", "neighbour"},
    "grid_worker": {"own"},
    "resident": {"own"},
    "no_role": set(),
}
RESIDENT_SEES_REGISTERS = {"households", "residents"}

MAY = {
    "street_admin": {"add", "change", "delete", "reveal"},
    "community_secretary": {"add", "change", "delete", "reveal"},
    "community_worker": {"add", "change", "delete", "reveal"},
    "grid_worker": {"add", "change", "reveal"},
    "resident": set(),
    "no_role": set(),
}


def sees(role: str, register: str, place: str) -> bool:
    if role == "resident" and register not in RESIDENT_SEES_REGISTERS:
        return False
    return place in SEES[role]


class Places:
    """The objects of each register at each place, and how to make a new one there."""

    def __init__(self, world, elsewhere):
        households = {
            "own": world.household,
            "neighbour": world.neighbour_household,
            "other": world.other_household,
            "elsewhere": elsewhere.household,
        }
        self.grids = {
            "own": world.grid,
            "neighbour": world.second_grid,
            "other": world.other_grid,
            "elsewhere": elsewhere.grid,
        }
        residents = {
            "own": world.resident,
            "neighbour": world.neighbour,
            "other": world.other_resident,
            "elsewhere": elsewhere.resident,
        }
        self.objects = {
            "households": households,
            "units": {place: h.unit for place, h in households.items()},
            "buildings": {place: h.unit.building for place, h in households.items()},
            "residents": residents,
        }

    def get(self, register: str, place: str):
        return self.objects[register][place]

    def create_payload(self, register: str, place: str) -> dict:
        household = self.objects["households"][place]
        if register == "buildings":
            return {"grid": self.grids[place].code, "name": "新建楼"}
        if register == "units":
            return {"building": household.unit.building.pk, "name": "新单元"}
        if register == "households":
            return {"unit": household.unit.pk, "room": "909"}
        return new_resident_payload(household.pk)

    def deletable(self, register: str, place: str):
        """A new object at `place` that nothing depends on, so only permission can stop deleting
        it. The resident user's scope is their household, so for them only a new resident there
        is in scope; a new household beside theirs is not."""
        household = self.objects["households"][place]
        if register == "residents":
            return factories.resident(household, name="待删")
        if register == "households":
            return factories.household(unit_obj=household.unit)
        if register == "units":
            return factories.unit(50, household.unit.building)
        return factories.building(500, self.grids[place])


CHANGES = {
    "buildings": {"compound": "改名小区"},
    "units": {"floors": 9},
    "households": {"note": "已走访"},
    "residents": {"note": "已走访"},
}


@pytest.fixture
def places(world, elsewhere):
    return Places(world, elsewhere)


@pytest.fixture
def user_of(world, no_role_user):
    def get(role):
        return no_role_user if role == "no_role" else world.users[role]

    return get


def not_found(response) -> bool:
    return response.status_code == 404 and response.json() == {
        "code": "not_found",
        "detail": "Not found.",
    }


def forbidden(response) -> bool:
    return response.status_code == 403 and response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_list(api, places, user_of, role, register):
    response = api(user_of(role)).get(f"/api/v1/{register}/", {"page_size": 500})
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    for place in PLACES:
        obj = places.get(register, place)
        assert (obj.pk in listed) == sees(role, register, place), place


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_detail(api, places, user_of, role, register):
    client = api(user_of(role))
    for place in PLACES:
        obj = places.get(register, place)
        response = client.get(f"/api/v1/{register}/{obj.pk}/")
        if sees(role, register, place):
            assert response.status_code == 200, place
            assert response.json()["id"] == obj.pk
            assert response.json()["code"] == obj.code
        else:
            assert not_found(response), place


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_create(api, places, user_of, role, register):
    """Creating into a place the user cannot see is a field error "not found" (400), the same as
    for a parent that does not exist; a user who may add nowhere is refused first (403)."""
    client = api(user_of(role))
    reference = {
        "buildings": "grid",
        "units": "building",
        "households": "unit",
        "residents": "household",
    }[register]
    for place in PLACES:
        before = row_counts()
        response = client.post(
            f"/api/v1/{register}/", places.create_payload(register, place), format="json"
        )
        parent_visible = sees(role, register, place) or (
            # The resident user sees their household, the parent of a new resident there.
            role == "resident" and register == "residents" and place == "own"
        )
        if "add" not in MAY[role]:
            assert forbidden(response), place
        elif parent_visible:
            assert response.status_code == 201, (place, response.json())
            continue
        else:
            assert response.status_code == 400, place
            body = response.json()
            assert body["code"] == "invalid"
            assert body["field_codes"] == {reference: ["does_not_exist"]}
            assert body["fields"] == {reference: ["Not found."]}
        assert row_counts() == before, place


def test_create_into_missing_parent_reads_like_out_of_scope(api, world, places):
    client = api(world.users["grid_worker"])
    missing = client.post("/api/v1/residents/", new_resident_payload(10**9), format="json")
    hidden = client.post(
        "/api/v1/residents/", new_resident_payload(world.other_household.pk), format="json"
    )
    assert missing.status_code == hidden.status_code == 400
    assert missing.json() == hidden.json()


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_change(api, places, user_of, role, register, method):
    client = api(user_of(role))
    for place in PLACES:
        obj = places.get(register, place)
        url = f"/api/v1/{register}/{obj.pk}/"
        payload = dict(CHANGES[register])
        if method == "put":
            # A full update repeats what the record holds, as read by someone who may see it.
            current = api(user_of("street_admin")).get(url)
            if current.status_code == 200:
                payload = {**current.json(), **payload}
                payload.pop("id_number", None)  # masked on read; omitting it keeps it
                payload.pop("phone", None)
        before = row_counts()
        response = getattr(client, method)(url, payload, format="json")
        if not sees(role, register, place):
            assert not_found(response), place
        elif "change" not in MAY[role]:
            assert forbidden(response), place
        else:
            assert response.status_code == 200, (place, response.json())
            field, value = next(iter(CHANGES[register].items()))
            assert response.json()[field] == value
            assert row_counts()["AuditEvent"] == before["AuditEvent"] + 1
            continue
        assert row_counts() == before, place


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_delete(api, places, user_of, role, register):
    client = api(user_of(role))
    for place in PLACES:
        obj = places.deletable(register, place)
        before = row_counts()
        response = client.delete(f"/api/v1/{register}/{obj.pk}/")
        visible = sees(role, register, place) and not (
            role == "resident" and register == "households"
        )
        if not visible:
            assert not_found(response), place
        elif "delete" not in MAY[role]:
            assert forbidden(response), place
        else:
            assert response.status_code == 204, place
            assert not type(obj).objects.filter(pk=obj.pk).exists()
            continue
        assert row_counts() == before, place


def test_resident_user_may_not_delete_own_household(api, world):
    before = row_counts()
    response = api(world.users["resident"]).delete(f"/api/v1/households/{world.household.pk}/")
    assert forbidden(response)
    assert row_counts() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_reveal(api, places, user_of, role):
    client = api(user_of(role))
    for place in PLACES:
        resident = places.get("residents", place)
        before = row_counts()
        response = client.post(
            f"/api/v1/residents/{resident.pk}/reveal/", {"purpose": "上门核实"}, format="json"
        )
        if not sees(role, "residents", place):
            assert not_found(response), place
        elif "reveal" not in MAY[role]:
            assert forbidden(response), place
        else:
            assert response.status_code == 200, place
            assert response.json()["id_number"] == resident.plaintext_id_number()
            assert row_counts()["AuditEvent"] == before["AuditEvent"] + 1
            continue
        assert row_counts() == before, place


@pytest.mark.parametrize("role", ALL_ROLES)
def test_regions_follow_scope(api, world, elsewhere, user_of, role):
    response = api(user_of(role)).get("/api/v1/regions/", {"page_size": 500})
    codes = {row["code"] for row in response.json()["results"]}
    scope = {
        "street_admin": world.street.code,
        "community_secretary": world.community.code,
        "community_worker": world.community.code,
        "grid_worker": world.grid.code,
        "resident": world.household.code,
        "no_role": None,
    }[role]
    if scope is None:
        assert codes == set()
    else:
        assert codes and all(code.startswith(scope) for code in codes)
        assert scope in codes
    assert not any(code.startswith(elsewhere.street.code) for code in codes)
    for region in (world.other_community, world.other_grid):
        detail = api(user_of(role)).get(f"/api/v1/regions/{region.pk}/")
        assert (detail.status_code == 200) == (role == "street_admin")


@pytest.mark.parametrize("path", ["regions", "buildings", "units", "households", "residents"])
def test_anonymous_is_not_authenticated(api, world, path):
    response = api().get(f"/api/v1/{path}/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"
