"""The registers through the API as a street office would use them: build a stairwell from the
grid down, register people, change and move them, filter the lists; every change audited."""

import pytest

from sixfold.core.models import AuditEvent, Building, Household, Region, Resident, Unit
from tests import factories

from .conftest import new_resident_payload, row_counts


@pytest.fixture
def worker(api, world):
    return api(world.users["grid_worker"])


def test_build_a_household_from_the_grid_down(worker, world):
    building = worker.post(
        "/api/v1/buildings/",
        {"grid": world.grid.code, "name": "8号楼", "floors": 18, "structure": "high_rise"},
        format="json",
    )
    assert building.status_code == 201, building.json()
    b = building.json()
    assert b["grid"] == world.grid.code
    assert b["code"].startswith(world.grid.code + "-B")
    assert b["number"] == 2  # the next free number after the World's building 1

    unit = worker.post("/api/v1/units/", {"building": b["id"], "name": "2单元", "number": 2})
    assert unit.status_code == 201, unit.json()
    u = unit.json()
    assert u["code"] == b["code"] + "-U02"
    assert u["building"] == b["id"]

    household = worker.post(
        "/api/v1/households/",
        {"unit": u["id"], "room": "1502", "tags": ["rented"], "area": 89.5, "housing": "rented"},
        format="json",
    )
    assert household.status_code == 201, household.json()
    h = household.json()
    assert h["code"] == u["code"] + "-1502"
    assert h["address"] == "8号楼2单元1502"  # built from unit and room when not given
    assert h["tags"] == ["rented"]
    assert h["area"] == 89.5
    assert h["members"] == []

    resident = worker.post("/api/v1/residents/", new_resident_payload(h["id"]), format="json")
    assert resident.status_code == 201, resident.json()
    r = resident.json()
    assert r["code"] == h["code"]
    assert r["household"] == h["id"]

    assert worker.get(f"/api/v1/households/{h['id']}/").json()["members"] == [
        {"id": r["id"], "name": "周杰", "relation": "child"}
    ]
    # Each object has its region node, and each creation its audit event.
    assert Region.objects.filter(code__in=[b["code"], u["code"], h["code"]]).count() == 3
    created = AuditEvent.objects.filter(verb=AuditEvent.Verb.CREATE)
    assert created.count() == 4
    assert set(created.values_list("actor__username", flat=True)) == {"t_grid"}


def test_change_through_actions_with_history(worker, world):
    url = f"/api/v1/residents/{world.resident.pk}/"
    response = worker.patch(url, {"tags": ["living_alone"], "status": "non_registered"})
    assert response.status_code == 200
    assert response.json()["tags"] == ["elderly", "living_alone"]
    assert response.json()["status"] == "non_registered"
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.CHANGE, object_id=str(world.resident.pk))
    assert event.before["status"] == "registered"
    assert event.after["status"] == "non_registered"


def test_read_then_put_back_unchanged_is_a_no_op(worker, world):
    url = f"/api/v1/residents/{world.resident.pk}/"
    current = worker.get(url).json()
    response = worker.put(url, current, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == current
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.CHANGE).exists()


def test_move_resident_between_households_in_scope(api, world):
    client = api(world.users["community_worker"])
    response = client.patch(
        f"/api/v1/residents/{world.resident.pk}/",
        {"household": world.neighbour_household.pk},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["code"] == world.neighbour_household.code
    assert Resident.objects.get(pk=world.resident.pk).code == world.neighbour_household.code


def test_change_building_unit_household(worker, world):
    household = world.household
    unit, building = household.unit, household.unit.building
    b = worker.patch(f"/api/v1/buildings/{building.pk}/", {"name": "一号楼", "floors": 7})
    assert b.json()["name"] == "一号楼" and b.json()["floors"] == 7
    u = worker.patch(f"/api/v1/units/{unit.pk}/", {"name": "东单元", "note": "电梯"})
    assert u.json()["name"] == "东单元" and u.json()["note"] == "电梯"
    h = worker.patch(
        f"/api/v1/households/{household.pk}/", {"tags": ["empty_nest"], "area": None}, format="json"
    )
    assert h.json()["tags"] == ["empty_nest"]
    assert Building.objects.get(pk=building.pk).region.name == "一号楼"
    assert Unit.objects.get(pk=unit.pk).region.name == "东单元"
    assert Household.objects.get(pk=household.pk).tags == ",empty_nest,"
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.CHANGE).count() == 3


def test_delete_empty_objects_with_their_region_nodes(api, world):
    client = api(world.users["community_secretary"])
    building = factories.building(9, world.grid)
    unit = factories.unit(1, building)
    household = factories.household(unit_obj=unit)
    resident = factories.resident(household, name="临时")
    for register, obj in [
        ("residents", resident),
        ("households", household),
        ("units", unit),
        ("buildings", building),
    ]:
        assert client.delete(f"/api/v1/{register}/{obj.pk}/").status_code == 204, register
    assert not Region.objects.filter(code__startswith=building.code).exists()
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.DELETE).count() == 4


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_resident_filters(api, world):
    client = api(world.users["street_admin"])
    lonely = factories.resident(
        world.neighbour_household,
        name="钱芳",
        gender="F",
        birth_date=factories.dt.date(1948, 1, 2),
        tags=",living_alone,",
        status=Resident.Status.NON_REGISTERED,
    )
    everyone = {world.resident.pk, world.neighbour.pk, world.other_resident.pk, lonely.pk}
    assert ids(client.get("/api/v1/residents/")) == everyone
    assert ids(client.get("/api/v1/residents/", {"region": world.community.code})) == {
        world.resident.pk,
        world.neighbour.pk,
        lonely.pk,
    }
    assert ids(client.get("/api/v1/residents/", {"region": world.grid.code})) == {world.resident.pk}
    assert ids(client.get("/api/v1/residents/", {"search": "秀英"})) == {world.resident.pk}
    assert ids(client.get("/api/v1/residents/", {"tag": "elderly"})) == {
        world.resident.pk,
        lonely.pk,
    }
    assert ids(client.get("/api/v1/residents/", {"tag": ["elderly", "living_alone"]})) == {
        lonely.pk
    }
    assert ids(client.get("/api/v1/residents/", {"gender": "M"})) == {world.neighbour.pk}
    assert ids(client.get("/api/v1/residents/", {"status": "non_registered"})) == {lonely.pk}
    assert ids(client.get("/api/v1/residents/", {"household": world.household.pk})) == {
        world.resident.pk
    }
    # A filter never widens the scope.
    grid_worker = api(world.users["grid_worker"])
    assert ids(grid_worker.get("/api/v1/residents/", {"region": world.community.code})) == {
        world.resident.pk
    }
    assert (
        ids(grid_worker.get("/api/v1/residents/", {"household": world.other_household.pk})) == set()
    )


def test_region_filters_and_counts(api, world):
    client = api(world.users["street_admin"])
    communities = client.get("/api/v1/regions/", {"level": "community"}).json()["results"]
    assert [(r["code"], r["household_count"], r["resident_count"]) for r in communities] == [
        (world.community.code, 2, 2),
        (world.other_community.code, 1, 1),
    ]
    assert communities[0]["parent"] == world.street.code
    children = client.get("/api/v1/regions/", {"parent": world.community.code}).json()["results"]
    assert {r["code"] for r in children} == {world.grid.code, world.second_grid.code}
    subtree = client.get("/api/v1/regions/", {"code": world.grid.code}).json()["results"]
    assert {r["level"] for r in subtree} == {"grid", "building", "unit", "household"}
    street = client.get(f"/api/v1/regions/{world.street.pk}/").json()
    assert street["household_count"] == 3
    assert street["parent"] is None


def test_household_and_building_filters(api, world):
    client = api(world.users["street_admin"])
    world.household.tags = ",hardship,"
    world.household.save(update_fields=["tags"])
    assert ids(client.get("/api/v1/households/", {"tag": "hardship"})) == {world.household.pk}
    assert ids(client.get("/api/v1/households/", {"search": "李秀英"})) == {world.household.pk}
    assert ids(client.get("/api/v1/households/", {"region": world.other_community.code})) == {
        world.other_household.pk
    }
    assert ids(client.get("/api/v1/buildings/", {"region": world.second_grid.code})) == {
        world.neighbour_household.unit.building.pk
    }
    assert ids(client.get("/api/v1/units/", {"region": world.grid.code})) == {
        world.household.unit.pk
    }


def test_no_write_saves_a_row_directly(api, world, monkeypatch):
    """Writes go through the actions: with the actions stubbed out, nothing is saved."""
    from sixfold.core import actions

    def refuse(*args, **kwargs):
        raise AssertionError("action called")

    before = row_counts()
    for name in ("create_resident", "change_resident", "delete_resident", "create_household"):
        monkeypatch.setattr(actions, name, refuse)
    client = api(world.users["street_admin"])
    with pytest.raises(AssertionError, match="action called"):
        client.post("/api/v1/residents/", new_resident_payload(world.household.pk), format="json")
    with pytest.raises(AssertionError, match="action called"):
        client.patch(f"/api/v1/residents/{world.resident.pk}/", {"note": "x"}, format="json")
    with pytest.raises(AssertionError, match="action called"):
        client.delete(f"/api/v1/residents/{world.resident.pk}/")
    assert row_counts() == before
