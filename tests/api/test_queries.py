"""Query budgets of the list endpoints: a page costs the same number of queries at any size.

Each list is measured twice — with the World's few rows and after adding many more — and must
stay within its budget both times with the same count (no query per row).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

# token + roles, count, page, plus what each list adds (related rows, counts per level)
BUDGETS = {
    "regions": 2 + 2 + 2 * 6,  # household and resident counts: one query each per level present
    "buildings": 4,
    "units": 4,
    "households": 5,  # members prefetched in one query
    "residents": 4,
}
LISTS = {
    "regions": {},
    "regions?level=household": {"level": "household"},
    "buildings": {},
    "units": {},
    "households": {},
    "residents": {},
    "residents?tag=elderly&tag=living_alone": {"tag": ["elderly", "living_alone"]},
    "residents?region=…&search=李": {"search": "李"},
}


def grow(world, buildings: range, rooms: int) -> None:
    """More rows under every level the lists show: buildings, units, households, residents."""
    for b in buildings:
        building = factories.building(b, world.grid)
        unit = factories.unit(1, building)
        for _ in range(rooms):
            household = factories.household(unit_obj=unit)
            factories.resident(
                household,
                name="李明",
                birth_date=factories.dt.date(1945, 2, 1),
                tags=",living_alone,",
            )
            factories.resident(household, name="李华", relation="spouse")


def queries_for(client, path: str, params: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/{path.split('?')[0]}/", {**params, "page_size": 500})
    assert response.status_code == 200, response.content
    return len(captured), response.json()["count"]


@pytest.mark.parametrize("name", list(LISTS))
def test_list_queries_do_not_grow_with_rows(api, world, name, django_assert_max_num_queries):
    client = api(world.users["street_admin"])
    params = dict(LISTS[name])
    if "region=" in name:
        params["region"] = world.community.code
    budget = BUDGETS[name.split("?")[0]]

    grow(world, range(2, 3), rooms=1)  # every list non-empty, so both measurements read a page
    with django_assert_max_num_queries(budget):
        few, few_rows = queries_for(client, name, params)
    grow(world, range(3, 6), rooms=8)
    with django_assert_max_num_queries(budget):
        many, many_rows = queries_for(client, name, params)

    assert many_rows > few_rows
    assert many == few


@pytest.mark.parametrize("path", ["users/me", "regions/{region}", "residents/{resident}"])
def test_detail_queries(api, world, path, django_assert_max_num_queries):
    client = api(world.users["grid_worker"])
    url = "/api/v1/" + path.format(region=world.grid.pk, resident=world.resident.pk) + "/"
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200
