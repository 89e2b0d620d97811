"""The web permission matrix: every role × in-scope / out-of-scope object × every operation.

Out of scope is a 404 (the same answer as "does not exist") and the row is absent from lists;
in scope without the permission is a 403 and nothing changes; with the permission it works.
The expectations are written out here by hand, not read from the role table, so a change to
the roles that widens access makes these tests fail.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from sixfold.core import actions
from sixfold.core.models import AuditEvent, Building, Household, Region, Resident, Unit
from tests import factories

BACKEND = "django.contrib.auth.backends.ModelBackend"
ROLES = ["street_admin", "community_secretary", "community_worker", "grid_worker", "resident"]

# What each role may do inside its scope (DESIGN.md's table, foundation permissions only).
MAY = {
    "street_admin": {"view", "add", "change", "delete", "reveal", "audit"},
    "community_secretary": {"view", "add", "change", "delete", "reveal", "audit"},
    "community_worker": {"view", "add", "change", "delete", "reveal"},
    "grid_worker": {"view", "add", "change", "reveal"},
    "resident": {"view"},
}


def scope_of(world, role) -> str:
    return {
        "street_admin": world.street.code,
        "community_secretary": world.community.code,
        "community_worker": world.community.code,
        "grid_worker": world.grid.code,
        "resident": world.household.code,
    }[role]


def expected(world, role, code, may) -> str:
    if not code.startswith(scope_of(world, role)):
        return "404"
    return "ok" if may in MAY[role] else "403"


def login(client, world, role):
    client.force_login(world.users[role], backend=BACKEND)
    return world.users[role]


def pick(world, where: str):
    """The household and resident the test acts on: in community 1's grid 1, or community 2."""
    if where == "in":
        return world.household, world.resident
    return world.other_household, world.other_resident


def resident_data(resident, **changes):
    data = {
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": resident.birth_date.isoformat(),
        "id_number": "",
        "phone": "",
        "relation": resident.relation,
        "ethnicity": resident.ethnicity,
        "status": resident.status,
        "note": "",
    }
    data.update(changes)
    return data


def check(response, outcome, ok_status=200):
    if outcome == "404":
        assert response.status_code == 404
    elif outcome == "403":
        assert response.status_code == 403
    else:
        assert response.status_code == ok_status, response.content[:500]


params = pytest.mark.parametrize("role", ROLES)
wheres = pytest.mark.parametrize("where", ["in", "out"])


# --- residents ------------------------------------------------------------------------------------
@params
@wheres
def test_resident_detail(client, world, role, where):
    login(client, world, role)
    _household, resident = pick(world, where)
    outcome = expected(world, role, resident.code, "view")
    response = client.get(reverse("core:resident_detail", args=[resident.pk]))
    check(response, outcome)
    if outcome == "ok":
        content = response.content.decode()
        assert resident.id_number_masked in content
        assert resident.plaintext_id_number() not in content
        assert resident.plaintext_phone() not in content
        # Buttons appear exactly for what the role may do.
        assert ('id="edit-button"' in content) == ("change" in MAY[role])
        assert ('id="delete-button"' in content) == ("delete" in MAY[role])
        assert ('id="reveal-button"' in content) == ("reveal" in MAY[role])


@params
@wheres
def test_resident_create(client, world, role, where):
    login(client, world, role)
    household, _resident = pick(world, where)
    outcome = expected(world, role, household.code, "add")
    url = reverse("core:resident_create", args=[household.pk])
    check(client.get(url), outcome)
    before = Resident.objects.count()
    born = dt.date(1990, 1, 2)
    data = {
        "name": "新居民",
        "gender": "F",
        "birth_date": born.isoformat(),
        "id_number": factories.valid_id_number(born, "F"),
        "phone": "13912345678",
        "relation": "child",
        "ethnicity": "汉族",
        "status": "registered",
    }
    check(client.post(url, data), outcome, ok_status=302)
    assert Resident.objects.count() == before + (1 if outcome == "ok" else 0)


@params
@wheres
def test_resident_change(client, world, role, where):
    login(client, world, role)
    _household, resident = pick(world, where)
    outcome = expected(world, role, resident.code, "change")
    url = reverse("core:resident_edit", args=[resident.pk])
    check(client.get(url), outcome)
    response = client.post(url, resident_data(resident, note="已走访"))
    check(response, outcome, ok_status=302)
    resident.refresh_from_db()
    assert (resident.note == "已走访") == (outcome == "ok")


@params
@wheres
def test_resident_delete(client, world, role, where):
    login(client, world, role)
    _household, resident = pick(world, where)
    outcome = expected(world, role, resident.code, "delete")
    url = reverse("core:resident_delete", args=[resident.pk])
    check(client.get(url), outcome)
    check(client.post(url), outcome, ok_status=302)
    assert Resident.objects.filter(pk=resident.pk).exists() == (outcome != "ok")


@params
@wheres
def test_resident_reveal(client, world, role, where):
    login(client, world, role)
    _household, resident = pick(world, where)
    outcome = expected(world, role, resident.code, "reveal")
    url = reverse("core:resident_reveal", args=[resident.pk])
    check(client.get(url), outcome)
    response = client.post(url, {"purpose": "上门核实低保材料"})
    check(response, outcome)
    reveals = AuditEvent.objects.filter(verb="reveal", object_id=str(resident.pk))
    if outcome == "ok":
        assert resident.plaintext_id_number() in response.content.decode()
        assert (
            response["Cache-Control"].startswith("max-age=0")
            or "no-store" in (response["Cache-Control"])
        )
        assert reveals.count() == 1
    else:
        assert reveals.count() == 0
        assert resident.plaintext_id_number() not in response.content.decode()


# --- households -----------------------------------------------------------------------------------
@params
@wheres
def test_household_detail(client, world, role, where):
    login(client, world, role)
    household, _resident = pick(world, where)
    check(
        client.get(reverse("core:household_detail", args=[household.pk])),
        expected(world, role, household.code, "view"),
    )


@params
@wheres
def test_household_create(client, world, role, where):
    login(client, world, role)
    household, _resident = pick(world, where)
    unit = household.unit
    outcome = expected(world, role, unit.code, "add")
    url = reverse("core:household_create", args=[unit.pk])
    check(client.get(url), outcome)
    before = Household.objects.count()
    check(client.post(url, {"room": "1702", "housing": "owned"}), outcome, ok_status=302)
    assert Household.objects.count() == before + (1 if outcome == "ok" else 0)


@params
@wheres
def test_household_change(client, world, role, where):
    login(client, world, role)
    household, _resident = pick(world, where)
    outcome = expected(world, role, household.code, "change")
    url = reverse("core:household_edit", args=[household.pk])
    check(client.get(url), outcome)
    data = {"address": "新地址1号", "housing": "rented", "tags": ["focus"]}
    check(client.post(url, data), outcome, ok_status=302)
    household.refresh_from_db()
    assert (household.address == "新地址1号") == (outcome == "ok")


@params
@wheres
def test_household_delete(client, world, role, where):
    login(client, world, role)
    household = factories.household(grid=world.grid if where == "in" else world.other_grid)
    outcome = expected(world, role, household.code, "delete")
    url = reverse("core:household_delete", args=[household.pk])
    check(client.get(url), outcome)
    check(client.post(url), outcome, ok_status=302)
    assert Household.objects.filter(pk=household.pk).exists() == (outcome != "ok")


def test_deleting_a_household_still_needed_is_refused_on_the_page(client, world):
    login(client, world, "community_worker")
    url = reverse("core:household_delete", args=[world.household.pk])
    # It has a resident, and the resident's login is scoped to it.
    response = client.post(url)
    assert response.status_code == 400
    assert 'id="delete-errors"' in response.content.decode()
    actions.delete_resident(world.resident, by=None)
    response = client.post(url)
    assert response.status_code == 400
    assert Household.objects.filter(pk=world.household.pk).exists()
    assert not AuditEvent.objects.filter(verb="delete", object_type="core.household").exists()


# --- buildings, units, region nodes ---------------------------------------------------------------
@params
@wheres
def test_building_detail_and_change(client, world, role, where):
    login(client, world, role)
    household, _resident = pick(world, where)
    building = household.unit.building
    check(
        client.get(reverse("core:building_detail", args=[building.pk])),
        expected(world, role, building.code, "view"),
    )
    outcome = expected(world, role, building.code, "change")
    url = reverse("core:building_edit", args=[building.pk])
    check(client.get(url), outcome)
    data = {"name": "88号楼", "structure": "high_rise", "floors": "18"}
    check(client.post(url, data), outcome, ok_status=302)
    building.refresh_from_db()
    building.region.refresh_from_db()
    assert (building.region.name == "88号楼") == (outcome == "ok")


@params
@wheres
def test_building_create(client, world, role, where):
    login(client, world, role)
    grid = world.grid if where == "in" else world.other_grid
    outcome = expected(world, role, grid.code, "add")
    url = reverse("core:building_create")
    response = client.get(url, {"grid": grid.code})
    if "add" not in MAY[role]:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        # Out-of-scope grids are not even offered.
        grids = set(response.context["form"].fields["grid"].queryset)
        assert (grid in grids) == (outcome == "ok")
    before = Building.objects.count()
    response = client.post(url, {"grid": grid.pk, "name": "新楼", "structure": "mid_rise"})
    if "add" not in MAY[role]:
        assert response.status_code == 403
    elif outcome == "ok":
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert "grid" in response.context["form"].errors
    assert Building.objects.count() == before + (1 if outcome == "ok" else 0)


@params
@wheres
def test_unit_detail_and_create(client, world, role, where):
    login(client, world, role)
    household, _resident = pick(world, where)
    unit = household.unit
    check(
        client.get(reverse("core:unit_detail", args=[unit.pk])),
        expected(world, role, unit.code, "view"),
    )
    building = unit.building
    outcome = expected(world, role, building.code, "add")
    url = reverse("core:unit_create", args=[building.pk])
    check(client.get(url), outcome)
    before = Unit.objects.count()
    check(client.post(url, {"name": "9单元"}), outcome, ok_status=302)
    assert Unit.objects.count() == before + (1 if outcome == "ok" else 0)


@params
@wheres
def test_building_delete(client, world, role, where):
    login(client, world, role)
    grid = world.grid if where == "in" else world.other_grid
    building = factories.building(7, grid_region=grid)
    outcome = expected(world, role, building.code, "delete")
    url = reverse("core:building_delete", args=[building.pk])
    check(client.get(url), outcome)
    check(client.post(url), outcome, ok_status=302)
    assert Building.objects.filter(pk=building.pk).exists() == (outcome != "ok")


@params
@wheres
def test_unit_change_and_delete(client, world, role, where):
    login(client, world, role)
    household, _resident = pick(world, where)
    unit = factories.unit(7, building_obj=household.unit.building)
    outcome = expected(world, role, unit.code, "change")
    url = reverse("core:unit_edit", args=[unit.pk])
    check(client.get(url), outcome)
    check(client.post(url, {"name": "七单元", "floors": "11"}), outcome, ok_status=302)
    unit.region.refresh_from_db()
    assert (unit.region.name == "七单元") == (outcome == "ok")
    outcome = expected(world, role, unit.code, "delete")
    url = reverse("core:unit_delete", args=[unit.pk])
    check(client.get(url), outcome)
    check(client.post(url), outcome, ok_status=302)
    assert Unit.objects.filter(pk=unit.pk).exists() == (outcome != "ok")


@params
@wheres
def test_region_pages(client, world, role, where):
    login(client, world, role)
    grid = world.grid if where == "in" else world.other_grid
    check(
        client.get(reverse("core:region_detail", args=[grid.code])),
        expected(world, role, grid.code, "view"),
    )
    outcome = expected(world, role, grid.code, "change")
    url = reverse("core:region_edit", args=[grid.code])
    check(client.get(url), outcome)
    check(client.post(url, {"name": "改名网格", "address": ""}), outcome, ok_status=302)
    grid.refresh_from_db()
    assert (grid.name == "改名网格") == (outcome == "ok")


@params
@wheres
def test_region_create(client, world, role, where):
    login(client, world, role)
    community = world.community if where == "in" else world.other_community
    outcome = expected(world, role, community.code, "add")
    url = reverse("core:region_create", args=[community.code])
    check(client.get(url), outcome)
    before = Region.objects.count()
    check(client.post(url, {"level": "grid", "name": "新网格"}), outcome, ok_status=302)
    assert Region.objects.count() == before + (1 if outcome == "ok" else 0)


# --- lists ----------------------------------------------------------------------------------------
LISTS = {
    "core:resident_list": lambda w: (Resident, [w.resident, w.neighbour, w.other_resident]),
    "core:household_list": lambda w: (
        Household,
        [w.household, w.neighbour_household, w.other_household],
    ),
    "core:unit_list": lambda w: (
        Unit,
        [h.unit for h in (w.household, w.neighbour_household, w.other_household)],
    ),
    "core:building_list": lambda w: (
        Building,
        [h.unit.building for h in (w.household, w.neighbour_household, w.other_household)],
    ),
}


def listed(response) -> set:
    page = response.context["page"]
    return {obj.pk for obj in page.object_list}


@params
@pytest.mark.parametrize("name", sorted(LISTS))
def test_lists_hold_exactly_what_is_in_scope(client, world, role, name):
    login(client, world, role)
    _model, objects = LISTS[name](world)
    response = client.get(reverse(name))
    assert response.status_code == 200
    shown = listed(response)
    for obj in objects:
        assert (obj.pk in shown) == obj.code.startswith(scope_of(world, role)), obj.code


@params
def test_region_children_hold_only_what_is_in_scope(client, world, role):
    user = login(client, world, role)
    response = client.get(reverse("core:region_index"), follow=True)
    assert response.status_code == 200
    # Every node the browser shows on its first page lies inside the user's scope.
    codes = [row["node"].code for row in response.context.get("rows", [])]
    assert all(code.startswith(scope_of(world, role)) for code in codes)
    if role == "street_admin":
        assert world.other_community.code in codes
    if role in ("community_secretary", "community_worker"):
        assert world.second_grid.code in codes
        assert world.other_grid.code not in codes
    assert user.is_authenticated


@params
def test_filtering_by_an_out_of_scope_region_finds_nothing(client, world, role):
    login(client, world, role)
    response = client.get(reverse("core:resident_list"), {"region": world.other_community.code})
    shown = listed(response)
    if role == "street_admin":
        assert shown == {world.other_resident.pk}
    else:
        assert shown == set()


@params
def test_search_by_id_number_does_not_cross_scope(client, world, role):
    login(client, world, role)
    number = world.other_resident.plaintext_id_number()
    response = client.get(reverse("core:resident_list"), {"search": number})
    assert (world.other_resident.pk in listed(response)) == (role == "street_admin")


# --- audit log ------------------------------------------------------------------------------------
@params
def test_audit_log(client, world, role):
    login(client, world, role)
    actions.change_resident(world.resident, {"note": "社区内"}, by=world.users["street_admin"])
    actions.change_resident(
        world.other_resident, {"note": "社区外"}, by=world.users["street_admin"]
    )
    response = client.get(reverse("core:audit_log"))
    if "audit" not in MAY[role]:
        assert response.status_code == 403
        assert 'href="/audit/"' not in client.get(reverse("core:home")).content.decode()
        return
    assert response.status_code == 200
    shown = {(e.object_type, e.object_id) for e in response.context["page"].object_list}
    assert ("core.resident", str(world.resident.pk)) in shown
    other = ("core.resident", str(world.other_resident.pk))
    assert (other in shown) == (role == "street_admin")


def test_anonymous_is_sent_to_login(client, world):
    for url in [
        reverse("core:home"),
        reverse("core:resident_list"),
        reverse("core:resident_detail", args=[world.resident.pk]),
        reverse("core:region_index"),
        reverse("core:audit_log"),
        reverse("core:pillar", args=["party"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_missing_and_out_of_scope_look_the_same(client, world):
    login(client, world, "grid_worker")
    missing = client.get(reverse("core:resident_detail", args=[999999]))
    hidden = client.get(reverse("core:resident_detail", args=[world.other_resident.pk]))
    assert missing.status_code == hidden.status_code == 404

    def page(response):
        # The page body; the navigation differs only in its language form's return path.
        return re.search(rb"<main.*</main>", response.content, re.S).group(0)

    assert page(missing) == page(hidden)


def test_neighbouring_grid_is_out_of_scope_for_a_grid_worker(client, world):
    login(client, world, "grid_worker")
    assert client.get(reverse("core:resident_detail", args=[world.neighbour.pk])).status_code == 404
    assert (
        client.get(reverse("core:region_detail", args=[world.second_grid.code])).status_code == 404
    )


def test_user_without_roles_sees_nothing(client, world):
    client.force_login(factories.UserFactory(), backend=BACKEND)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert 'id="no-role"' in response.content.decode()
    assert response.context["residents"] == 0
    assert listed(client.get(reverse("core:resident_list"))) == set()
    assert client.get(reverse("core:resident_detail", args=[world.resident.pk])).status_code == 404
    assert client.get(reverse("core:building_create")).status_code == 403
