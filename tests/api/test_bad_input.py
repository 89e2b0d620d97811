"""Bad input on every endpoint: a 400 (or 404/405/409/415) with a stable code, field messages
under the API's field names, and nothing saved — no register row and no audit event."""

import datetime as dt

import pytest

from sixfold.accounts.actions import grant_role
from tests import factories

from .conftest import new_resident_payload, row_counts

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def building_url(w):
    return f"/api/v1/buildings/{w.household.unit.building.pk}/"


def unit_url(w):
    return f"/api/v1/units/{w.household.unit.pk}/"


def household_url(w):
    return f"/api/v1/households/{w.household.pk}/"


def resident_url(w):
    return f"/api/v1/residents/{w.resident.pk}/"


def new_building(w, **fields):
    return {"grid": w.grid.code, "name": "新楼", **fields}


def new_unit(w, **fields):
    return {"building": w.household.unit.building.pk, "name": "新单元", **fields}


def new_household(w, **fields):
    return {"unit": w.household.unit.pk, "room": "808", **fields}


def new_resident(w, **fields):
    return new_resident_payload(w.household.pk, **fields)


# (method, url, payload) builders from the World, and the fields that must carry an error.
CASES = {
    # --- buildings ---
    "building: nothing": ("post", "/api/v1/buildings/", lambda w: {}, {"grid", "name"}),
    "building: unknown grid": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, grid="370116001001-G99"),
        {"grid"},
    ),
    "building: grid that is not a grid": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, grid=w.community.code),
        {"grid"},
    ),
    "building: grid as a number": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, grid=w.grid.pk),
        {"grid"},
    ),
    "building: blank name": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, name="   "),
        {"name"},
    ),
    "building: long name": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, name="楼" * 101),
        {"name"},
    ),
    "building: floors not a number": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, floors="six"),
        {"floors"},
    ),
    "building: floors absurd": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, floors=10**12),
        {"floors"},
    ),
    "building: floors fractional": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, floors=5.5),
        {"floors"},
    ),
    "building: unknown structure": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, structure="castle"),
        {"structure"},
    ),
    "building: number taken": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, number=1),
        {"number"},
    ),
    "building: number too wide": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, number=1000),
        {"number"},
    ),
    "building: long note": (
        "post",
        "/api/v1/buildings/",
        lambda w: new_building(w, note="x" * 2001),
        {"note"},
    ),
    "building: body is a list": (
        "post",
        "/api/v1/buildings/",
        lambda w: [new_building(w)],
        {"non_field_errors"},
    ),
    "building: move to another grid": (
        "patch",
        building_url,
        lambda w: {"grid": w.second_grid.code},
        {"grid"},
    ),
    "building: renumber": ("patch", building_url, lambda w: {"number": 7}, {"number"}),
    "building: blank name on change": ("patch", building_url, lambda w: {"name": ""}, {"name"}),
    "building: full update without name": (
        "put",
        building_url,
        lambda w: {"compound": "x"},
        {"name"},
    ),
    # --- units ---
    "unit: nothing": ("post", "/api/v1/units/", lambda w: {}, {"building", "name"}),
    "unit: building not a number": (
        "post",
        "/api/v1/units/",
        lambda w: new_unit(w, building="one"),
        {"building"},
    ),
    "unit: building true": (
        "post",
        "/api/v1/units/",
        lambda w: new_unit(w, building=True),
        {"building"},
    ),
    "unit: building out of range": (
        "post",
        "/api/v1/units/",
        lambda w: new_unit(w, building=2**64),
        {"building"},
    ),
    "unit: household id as building": (
        "post",
        "/api/v1/units/",
        lambda w: new_unit(w, building=w.household.pk),
        {"building"},
    ),
    "unit: number taken": ("post", "/api/v1/units/", lambda w: new_unit(w, number=1), {"number"}),
    "unit: number too wide": (
        "post",
        "/api/v1/units/",
        lambda w: new_unit(w, number=100),
        {"number"},
    ),
    "unit: move to another building": (
        "patch",
        unit_url,
        lambda w: {"building": w.neighbour_household.unit.building.pk},
        {"building"},
    ),
    "unit: negative floors": ("patch", unit_url, lambda w: {"floors": -1}, {"floors"}),
    # --- households ---
    "household: nothing": ("post", "/api/v1/households/", lambda w: {}, {"unit", "room"}),
    "household: room not digits": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, room="3楼1"),
        {"room"},
    ),
    "household: room too long": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, room="12345"),
        {"room"},
    ),
    "household: room taken": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, room=w.household.room),
        {"room"},
    ),
    "household: blank address given": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, address=""),
        {"address"},
    ),
    "household: unknown housing": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, housing="castle"),
        {"housing"},
    ),
    "household: unknown tag": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, tags=["hardship", "vip"]),
        {"tags.1"},
    ),
    "household: tags not a list": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, tags="hardship"),
        {"tags"},
    ),
    "household: negative area": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, area=-3),
        {"area"},
    ),
    "household: area too large": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, area="123456789.5"),
        {"area"},
    ),
    "household: area not a number": (
        "post",
        "/api/v1/households/",
        lambda w: new_household(w, area="big"),
        {"area"},
    ),
    "household: move to another unit": (
        "patch",
        household_url,
        lambda w: {"unit": w.neighbour_household.unit.pk},
        {"unit"},
    ),
    "household: change room": ("patch", household_url, lambda w: {"room": "999"}, {"room"}),
    "household: blank address on change": (
        "patch",
        household_url,
        lambda w: {"address": ""},
        {"address"},
    ),
    # --- residents ---
    "resident: nothing": (
        "post",
        "/api/v1/residents/",
        lambda w: {},
        {"household", "name", "gender", "birth_date", "relation", "id_number"},
    ),
    "resident: blank ID number": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, id_number=""),
        {"id_number"},
    ),
    "resident: ID number check digit": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, id_number="370116199107030010"),
        {"id_number"},
    ),
    "resident: ID number of another birth date": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, birth_date="1991-07-04"),
        {"id_number"},
    ),
    "resident: ID number of the other gender": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, gender="F"),
        {"id_number"},
    ),
    "resident: ID number already registered": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(
            w,
            id_number=w.resident.plaintext_id_number(),
            gender=w.resident.gender,
            birth_date=w.resident.birth_date.isoformat(),
        ),
        {"id_number"},
    ),
    "resident: ID number a number": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, id_number=37011619910703001),
        {"id_number"},
    ),
    "resident: bad phone": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, phone="12345"),
        {"phone"},
    ),
    "resident: future birth date": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, birth_date=TOMORROW),
        {"birth_date", "id_number"},
    ),
    "resident: impossible date": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, birth_date="1991-13-40"),
        {"birth_date"},
    ),
    "resident: unknown gender": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, gender="X"),
        {"gender"},
    ),
    "resident: unknown relation": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, relation="boss"),
        {"relation"},
    ),
    "resident: unknown status": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, status="alive"),
        {"status"},
    ),
    "resident: unknown ethnicity": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, ethnicity="火星族"),
        {"ethnicity"},
    ),
    "resident: unknown tag": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, tags=["vip"]),
        {"tags.0"},
    ),
    "resident: name too long": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, name="名" * 51),
        {"name"},
    ),
    "resident: name null": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, name=None),
        {"name"},
    ),
    "resident: name with a NUL": (
        "post",
        "/api/v1/residents/",
        lambda w: new_resident(w, name="张\x00三"),
        {"name"},
    ),
    "resident: gender change the ID number contradicts": (
        "patch",
        resident_url,
        lambda w: {"gender": "M"},
        {"id_number"},
    ),
    "resident: move out of scope": (
        "patch",
        resident_url,
        lambda w: {"household": w.other_household.pk},
        {"household"},
    ),
    "resident: birth date null": (
        "patch",
        resident_url,
        lambda w: {"birth_date": None},
        {"birth_date"},
    ),
    "resident: full update missing fields": (
        "put",
        resident_url,
        lambda w: {"name": "李秀英"},
        {"gender", "birth_date", "relation"},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_write(api, world, case):
    """Refused as a grid worker: allowed to add and change there, so only the input is wrong."""
    method, url, payload, fields = CASES[case]
    url = url(world) if callable(url) else url
    before = row_counts()
    response = getattr(api(world.users["grid_worker"]), method)(url, payload(world), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert fields <= set(body["fields"]), body["fields"]
    assert set(body["field_codes"]) == set(body["fields"])
    assert all(isinstance(m, str) and m for msgs in body["fields"].values() for m in msgs)
    assert row_counts() == before


def test_messages_are_readable(api, world):
    response = api(world.users["grid_worker"]).post(
        "/api/v1/residents/", new_resident(world, id_number="370116199107030010"), format="json"
    )
    assert response.json()["fields"]["id_number"] == [
        "The ID number's check digit is wrong; please check each digit."
    ]


WRITE_URLS = [
    ("post", "/api/v1/buildings/"),
    ("post", "/api/v1/units/"),
    ("post", "/api/v1/households/"),
    ("post", "/api/v1/residents/"),
    ("patch", "resident"),
    ("post", "reveal"),
    ("post", "/api/v1/auth/token/"),
]


def _url(world, url):
    if url == "resident":
        return f"/api/v1/residents/{world.resident.pk}/"
    if url == "reveal":
        return f"/api/v1/residents/{world.resident.pk}/reveal/"
    return url


@pytest.mark.parametrize("method,url", WRITE_URLS)
@pytest.mark.parametrize("body", ['{"name": ', "[1, 2", "\xff\xfe", "", "NaN", '{"a": 1}{"b": 2}'])
def test_bad_json(api, world, method, url, body):
    before = row_counts()
    response = getattr(api(world.users["grid_worker"]), method)(
        _url(world, url), body, content_type="application/json"
    )
    if method == "patch" and body == "":
        # An empty partial update changes nothing and is not an error.
        assert response.status_code == 200
        assert row_counts() == before
        return
    assert response.status_code == 400
    assert response.json()["code"] in {"parse_error", "invalid"}
    assert row_counts() == before


@pytest.mark.parametrize("method,url", WRITE_URLS)
def test_unsupported_media_type(api, world, method, url):
    response = getattr(api(world.users["grid_worker"]), method)(
        _url(world, url), "name=x", content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "method,url",
    [
        ("post", "/api/v1/regions/"),
        ("put", "region"),
        ("delete", "region"),
        ("get", "/api/v1/auth/token/"),
        ("put", "/api/v1/users/me/"),
        ("get", "reveal"),
    ],
)
def test_method_not_allowed(api, world, method, url):
    url = f"/api/v1/regions/{world.grid.pk}/" if url == "region" else _url(world, url)
    response = getattr(api(world.users["street_admin"]), method)(url, {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path,params,field",
    [
        ("residents", {"gender": "X"}, "gender"),
        ("residents", {"status": "alive"}, "status"),
        ("residents", {"tag": ["elderly", "vip"]}, "tag"),
        ("residents", {"household": "abc"}, "household"),
        ("residents", {"household": "1.5"}, "household"),
        ("residents", {"household": "9" * 40}, "household"),
        ("regions", {"level": "planet"}, "level"),
        ("households", {"tag": "vip"}, "tag"),
        ("households", {"housing": "castle"}, "housing"),
        ("buildings", {"structure": "castle"}, "structure"),
        ("residents", {"page_size": "501"}, "page_size"),
        ("regions", {"page_size": "100000000000000000000"}, "page_size"),
    ],
)
def test_bad_query(api, world, path, params, field):
    response = api(world.users["street_admin"]).get(f"/api/v1/{path}/", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


@pytest.mark.parametrize("page", ["0", "2", "-1", "abc", "9" * 30])
def test_page_out_of_range_is_404(api, world, page):
    response = api(world.users["street_admin"]).get("/api/v1/residents/", {"page": page})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("page_size", ["0", "-5", "abc", "", "1.5"])
def test_odd_page_size_falls_back_to_default(api, world, page_size):
    response = api(world.users["street_admin"]).get("/api/v1/residents/", {"page_size": page_size})
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_pagination_shape(api, world):
    client = api(world.users["street_admin"])
    first = client.get("/api/v1/residents/", {"page_size": 2}).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"]
    full = client.get("/api/v1/residents/", {"page_size": 500}).json()
    assert len(full["results"]) == 3


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v1/residents/abc/", "/api/v1/a/b/"]
)
def test_unknown_paths_answer_json_404(api, world, path):
    response = api(world.users["street_admin"]).get(path)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_missing_slash_still_redirects(api, world):
    response = api(world.users["street_admin"]).get("/api/v1/residents")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/residents/")


def test_delete_household_with_residents_is_refused(api, world):
    before = row_counts()
    response = api(world.users["street_admin"]).delete(f"/api/v1/households/{world.household.pk}/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["non_field_errors"]
    assert body["detail"] == body["fields"]["non_field_errors"][0]
    assert row_counts() == before


@pytest.mark.parametrize("register", ["buildings", "units"])
def test_delete_non_empty_building_or_unit_is_refused(api, world, register):
    obj = world.household.unit if register == "units" else world.household.unit.building
    before = row_counts()
    response = api(world.users["street_admin"]).delete(f"/api/v1/{register}/{obj.pk}/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["fields"]
    assert row_counts() == before


def test_delete_household_a_login_is_scoped_to_is_a_conflict(api, world):
    """Removing a household someone's role is scoped to would orphan the role: refused (the
    action's own message, or the generic conflict if it only meets the database's protection),
    never a 500."""
    empty = factories.household(grid=world.grid)
    grant_role(factories.UserFactory(), "resident", empty.region)
    before = row_counts()
    response = api(world.users["street_admin"]).delete(f"/api/v1/households/{empty.pk}/")
    refusal = (response.status_code, response.json()["code"])
    assert refusal in {(400, "invalid"), (409, "protected")}
    assert response.json()["detail"]
    assert row_counts() == before
