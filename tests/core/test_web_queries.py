"""Query budgets: a page costs the same number of queries with one row as with many.

Each page is measured for a grid worker whose grid holds one building, unit, household and
resident; then the grid grows (more buildings, units, households, residents, tags, history) and
the same page must not cost a single query more. A fixed ceiling keeps the first count honest.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sixfold.core import actions
from tests import factories

BACKEND = "django.contrib.auth.backends.ModelBackend"
CEILING = 14


def grow(world):
    """Many more rows under the grid worker's grid, and more history on the world's objects."""
    building = world.household.unit.building
    unit = world.household.unit
    for number in range(2, 5):
        new_building = factories.building(number, grid_region=world.grid)
        for unit_number in (1, 2):
            new_unit = factories.unit(unit_number, building_obj=new_building)
            for _ in range(2):
                household = factories.household(unit_obj=new_unit)
                household.tags = ",focus,hardship,"
                household.save()
                for _ in range(2):
                    factories.resident(household, name="新住户", tags=",disabled,veteran,")
    for unit_number in range(2, 6):
        factories.unit(unit_number, building_obj=building)
    for _ in range(4):
        factories.household(unit_obj=unit)
    for index in range(4):
        factories.resident(world.household, name=f"家人{index}", relation="child")
    admin = world.users["street_admin"]
    for index in range(5):
        actions.change_resident(world.resident, {"note": f"第{index}次走访"}, by=admin)
        actions.change_household(world.household, {"note": f"备注{index}"}, by=admin)
        actions.change_building(building, {"floors": 10 + index}, by=admin)
        actions.change_unit(unit, {"floors": 10 + index}, by=admin)


PAGES = {
    "home": lambda w: reverse("core:home"),
    "region tree (grid)": lambda w: reverse("core:region_detail", args=[w.grid.code]),
    "region tree (unit)": lambda w: reverse("core:region_detail", args=[w.household.unit.code]),
    "buildings": lambda w: reverse("core:building_list"),
    "buildings searched": lambda w: reverse("core:building_list") + "?search=楼",
    "units": lambda w: reverse("core:unit_list"),
    "households": lambda w: reverse("core:household_list"),
    "households by member name": lambda w: reverse("core:household_list") + "?search=李秀英",
    "residents": lambda w: reverse("core:resident_list"),
    "residents filtered": lambda w: (
        reverse("core:resident_list") + f"?tag=elderly&status=registered&region={w.grid.code}"
    ),
    "building": lambda w: reverse("core:building_detail", args=[w.household.unit.building.pk]),
    "unit": lambda w: reverse("core:unit_detail", args=[w.household.unit.pk]),
    "household": lambda w: reverse("core:household_detail", args=[w.household.pk]),
    "resident": lambda w: reverse("core:resident_detail", args=[w.resident.pk]),
    "resident edit": lambda w: reverse("core:resident_edit", args=[w.resident.pk]),
}


def measure(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_cost_does_not_grow_with_rows(client, world, page, django_assert_max_num_queries):
    client.force_login(world.users["grid_worker"], backend=BACKEND)
    url = PAGES[page](world)
    client.get(url)  # warm-up: session and language negotiation settle on the first request
    small = measure(client, url)
    assert small <= CEILING, f"{page}: {small} queries"
    grow(world)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200


def test_lists_really_grew(client, world):
    """Guard against measuring an empty page twice."""
    client.force_login(world.users["grid_worker"], backend=BACKEND)
    grow(world)
    page = client.get(reverse("core:resident_list")).context["page"]
    assert page.paginator.count > 20
    page = client.get(reverse("core:household_list")).context["page"]
    assert page.paginator.count > 10


def test_audit_log_cost_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.users["community_secretary"], backend=BACKEND)
    url = reverse("core:audit_log")
    actions.change_resident(world.resident, {"note": "一"}, by=world.users["street_admin"])
    client.get(url)
    small = measure(client, url)
    assert small <= CEILING
    grow(world)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["page"].object_list) > 10


def test_street_overview_cost_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.users["street_admin"], backend=BACKEND)
    url = reverse("core:region_detail", args=[world.street.code])
    client.get(url)
    small = measure(client, url)
    for number in range(3, 9):
        factories.community(number, world.street)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["rows"]) == 8
