"""Every change to the region tree and the registers: success writes one event; bad input raises
field errors and saves nothing; the wrong role or the wrong place is refused and saves nothing."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from sixfold.accounts.actions import grant_role
from sixfold.core import actions, idcard, pii
from sixfold.core.middleware import RequestIdMiddleware
from sixfold.core.models import AuditEvent, Building, Household, Level, Region, Resident, Unit
from sixfold.core.models.resident import ResidentQuerySet
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["street_admin", "community_secretary", "community_worker", "grid_worker", "resident"]
STAFF = {"street_admin", "community_secretary", "community_worker", "grid_worker"}
COMMUNITY_STAFF = {"street_admin", "community_secretary", "community_worker"}
BORN = dt.date(1985, 3, 12)
_sequence = itertools.count(1)


def fresh_id_number(born: dt.date = BORN, gender: str = "F") -> str:
    """A valid number nobody in the test database holds (sequences 600–999 are unused there)."""
    n = 600 + next(_sequence) % 200 * 2
    return idcard.make("370116", born, n + (1 if gender == "M" else 0))


def number_ending_in_x(born: dt.date = BORN, gender: str = "F") -> str:
    for seq in range(1 if gender == "M" else 0, 1000, 2):
        number = idcard.make("370124", born, seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no such number")


def resident_data(**overrides) -> dict:
    data = {
        "name": "王芳",
        "gender": "F",
        "birth_date": BORN,
        "id_number": fresh_id_number(),
        "phone": "13912345678",
        "relation": "spouse",
        "ethnicity": "汉族",
        "status": "registered",
        "tags": ["low_income"],
        "note": "",
    }
    data.update(overrides)
    return data


def ledger() -> dict:
    """Every row of every register table and the log: equal before and after means nothing saved."""
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in (Region, Building, Unit, Household, Resident, AuditEvent)
    }


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


class Events:
    """The events written since the block started."""

    def __enter__(self):
        self.start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.new = []
        return self

    def __exit__(self, *exc):
        self.new = list(AuditEvent.objects.filter(id__gt=self.start).order_by("id"))
        return False

    @property
    def one(self) -> AuditEvent:
        assert len(self.new) == 1, [(e.verb, e.object_type) for e in self.new]
        return self.new[0]


def assert_refused(call, field: str | None = None):
    """`call` raises ValidationError (with `field` among its keys) and saves nothing."""
    before = ledger()
    with pytest.raises(ValidationError) as exc:
        call()
    if field is not None:
        assert field in exc.value.message_dict, exc.value.message_dict
    assert ledger() == before
    return exc.value


def assert_denied(call):
    before = ledger()
    with pytest.raises(PermissionDenied):
        call()
    assert ledger() == before


@pytest.fixture
def admin(world):
    return world.users["street_admin"]


@pytest.fixture
def unit(world):
    return world.household.unit


@pytest.fixture
def building(world):
    return world.household.unit.building


# --- residents: success ---------------------------------------------------------------------------
def test_create_resident_stores_personal_data_protected_and_writes_one_event(world):
    # Given a community secretary and a resident's details with a lower-case x and a +86 phone
    secretary = world.users["community_secretary"]
    number = number_ending_in_x()
    data = resident_data(id_number=number.lower(), phone="+86 139-1234 5678".replace("-", " "))
    # When the resident is registered
    with Events() as log:
        resident = actions.create_resident(world.household, data, by=secretary)
    # Then the row holds ciphertext, hash and mask, never the plaintext
    resident.refresh_from_db()
    assert resident.code == world.household.code
    assert resident.household == world.household
    assert resident.id_number_masked == number[:6] + "********" + number[-4:]
    assert resident.id_number_hash == pii.lookup_hash(number)
    assert resident.plaintext_id_number() == number
    assert resident.plaintext_phone() == "13912345678"
    assert resident.phone_masked == "139****5678"
    assert number not in resident.id_number_enc
    assert resident.tags == ",low_income,"
    # And one creation event with the masked state after
    event = log.one
    assert event.verb == AuditEvent.Verb.CREATE
    assert (event.actor, event.actor_name) == (secretary, secretary.username)
    assert (event.object_type, event.object_id) == ("core.resident", str(resident.pk))
    assert event.object_repr == "王芳"
    assert event.scope_code == world.household.code
    assert event.before is None
    assert event.after["id_number_masked"] == resident.id_number_masked
    assert event.after["phone_masked"] == "139****5678"
    assert event.after["birth_date"] == "1985-03-12"
    assert not {"id_number", "phone", "id_number_enc", "id_number_hash"} & set(event.after)


def test_full_width_phone_is_stored_as_ascii(world, admin):
    resident = actions.create_resident(
        world.household, resident_data(phone="１３９１２３４５６７８"), by=admin
    )
    assert resident.phone_hash == pii.lookup_hash("13912345678")


def test_elderly_tag_follows_the_birth_date_and_is_not_stored(world, admin):
    born = dt.date(1940, 1, 1)
    data = resident_data(
        birth_date=born, id_number=fresh_id_number(born), tags=["elderly", "living_alone"]
    )
    resident = actions.create_resident(world.household, data, by=admin)
    resident.refresh_from_db()
    assert resident.tags == ",living_alone,"
    assert resident.tag_list == ["elderly", "living_alone"]


def test_change_resident_writes_one_event_with_before_and_after(world):
    worker = world.users["grid_worker"]
    resident = world.resident
    old_mask = resident.phone_masked
    with Events() as log:
        actions.change_resident(
            resident, {"name": "李秀兰", "phone": "18600001111", "tags": ["veteran"]}, by=worker
        )
    resident.refresh_from_db()
    assert resident.name == "李秀兰"
    assert resident.plaintext_phone() == "18600001111"
    event = log.one
    assert event.verb == AuditEvent.Verb.CHANGE
    assert event.actor == worker
    assert event.before["name"] == "李秀英"
    assert event.after["name"] == "李秀兰"
    assert event.before["phone_masked"] == old_mask
    assert event.after["phone_masked"] == "186****1111"
    assert event.after["tags"] == ",veteran,"
    assert {k: (b, a) for k, b, a in event.changed_fields()} == {
        "name": ("李秀英", "李秀兰"),
        "phone_masked": (old_mask, "186****1111"),
        "tags": ("", ",veteran,"),
    }


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": "李秀英"},
        {"name": " 李秀英 ", "gender": "F", "birth_date": dt.date(1950, 3, 8)},
        {"tags": []},
        {"note": ""},
        {"id_number": ""},
    ],
    ids=["nothing", "same-name", "same-values", "same-tags", "same-note", "blank-id"],
)
def test_change_resident_without_a_real_change_writes_nothing(world, admin, data):
    before = ledger()
    actions.change_resident(world.resident, data, by=admin)
    assert ledger() == before


def test_retyping_the_stored_id_number_and_phone_is_no_change(world, admin):
    resident = world.resident
    data = {"id_number": resident.plaintext_id_number(), "phone": resident.plaintext_phone()}
    before = ledger()
    actions.change_resident(resident, data, by=admin)
    assert ledger() == before


def test_a_new_phone_with_the_same_mask_is_saved_and_logged(world, admin):
    # Given a stored phone and a new one differing only in the digits the mask hides
    resident = factories.resident(world.household, phone="13811112222")
    # When the phone is changed
    with Events() as log:
        actions.change_resident(resident, {"phone": "13899992222"}, by=admin)
    # Then the new number is stored and the change is in the log, masked
    resident.refresh_from_db()
    assert resident.plaintext_phone() == "13899992222"
    event = log.one
    assert event.before["phone_masked"] == event.after["phone_masked"] == "138****2222"
    assert "phone" in event.after.get("personal_data_changed", [])


def test_removing_the_phone(world, admin):
    actions.change_resident(world.resident, {"phone": ""}, by=admin)
    world.resident.refresh_from_db()
    assert (world.resident.phone_enc, world.resident.phone_hash) == ("", "")
    assert world.resident.phone_masked == ""


def test_changing_gender_and_id_number_together(world, admin):
    number = fresh_id_number(dt.date(1950, 3, 8), "M")
    actions.change_resident(world.resident, {"gender": "M", "id_number": number}, by=admin)
    world.resident.refresh_from_db()
    assert world.resident.gender == "M"
    assert world.resident.plaintext_id_number() == number


def test_moving_a_resident_to_another_household_in_scope(world):
    secretary = world.users["community_secretary"]
    with Events() as log:
        actions.change_resident(
            world.resident, {"household": world.neighbour_household}, by=secretary
        )
    world.resident.refresh_from_db()
    assert world.resident.household == world.neighbour_household
    assert world.resident.code == world.neighbour_household.code
    assert log.one.after["code"] == world.neighbour_household.code


def test_moving_a_resident_out_of_scope_is_refused(world):
    secretary = world.users["community_secretary"]
    assert_denied(
        lambda: actions.change_resident(
            world.resident, {"household": world.other_household}, by=secretary
        )
    )


def test_delete_resident_writes_one_event_with_the_state_before(world):
    worker = world.users["community_worker"]
    pk, mask = world.resident.pk, world.resident.id_number_masked
    with Events() as log:
        actions.delete_resident(world.resident, by=worker)
    assert not Resident.objects.filter(pk=pk).exists()
    event = log.one
    assert event.verb == AuditEvent.Verb.DELETE
    assert event.object_id == str(pk)
    assert event.before["id_number_masked"] == mask
    assert event.after is None


def test_reveal_returns_plaintext_and_logs_the_purpose(world):
    worker = world.users["grid_worker"]
    with Events() as log:
        revealed = actions.reveal_resident(world.resident, "  核对低保申请材料  ", by=worker)
    assert revealed == {
        "id_number": world.resident.plaintext_id_number(),
        "phone": world.resident.plaintext_phone(),
    }
    event = log.one
    assert event.verb == AuditEvent.Verb.REVEAL
    assert event.purpose == "核对低保申请材料"
    assert (event.before, event.after) == (None, None)
    assert event.actor == worker


@pytest.mark.parametrize("purpose", ["", "   ", "x", None])
def test_reveal_without_a_purpose_is_refused_and_not_logged(world, admin, purpose):
    assert_refused(lambda: actions.reveal_resident(world.resident, purpose, by=admin), "purpose")


def test_request_id_and_address_reach_the_event_through_the_middleware(world, admin):
    # Given a request carrying an id from the proxy
    request = RequestFactory().post("/", HTTP_X_REQUEST_ID="req-4f1c2a9e", REMOTE_ADDR="10.0.0.7")

    def view(request):
        actions.change_resident(world.resident, {"name": "李秀兰"}, by=admin)
        return HttpResponse("ok")

    # When a view changes a resident
    response = RequestIdMiddleware(view)(request)
    # Then the event and the response carry the id, and the id is gone after the request
    event = last_event()
    assert event.request_id == "req-4f1c2a9e" == response["X-Request-ID"]
    assert event.ip_address == "10.0.0.7"
    actions.change_resident(world.resident, {"name": "李秀英"}, by=admin)
    assert last_event().request_id == ""


@pytest.mark.parametrize("incoming", ["bad id!", "short", "a" * 37, "abcdefgh\n", ""])
def test_a_request_without_a_usable_id_gets_a_fresh_one(world, admin, incoming):
    def view(request):
        actions.change_resident(world.resident, {"note": request.request_id}, by=admin)
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID=incoming)
    response = RequestIdMiddleware(view)(request)
    event = last_event()
    assert event.request_id == response["X-Request-ID"] == event.after["note"]
    assert len(event.request_id) == 36
    assert event.request_id != incoming


# --- residents: bad input -------------------------------------------------------------------------
def _wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


BAD_RESIDENT_INPUT = [
    ("wrong-check-digit", lambda: {"id_number": _wrong_check(fresh_id_number())}, "id_number"),
    ("id-vs-birth-date", lambda: {"id_number": fresh_id_number(dt.date(1985, 3, 13))}, "id_number"),
    ("id-vs-gender", lambda: {"id_number": fresh_id_number(BORN, "M")}, "id_number"),
    ("id-impossible-date", lambda: {"id_number": "370116198502300011"}, "id_number"),
    ("id-too-short", lambda: {"id_number": "37011619850312"}, "id_number"),
    ("id-missing", lambda: {"id_number": None}, "id_number"),
    ("id-blank", lambda: {"id_number": ""}, "id_number"),
    ("phone-short", lambda: {"phone": "1391234567"}, "phone"),
    ("phone-long", lambda: {"phone": "139123456789"}, "phone"),
    ("phone-no-mobile-prefix", lambda: {"phone": "12912345678"}, "phone"),
    ("phone-letters", lambda: {"phone": "139abcd5678"}, "phone"),
    ("phone-dashes", lambda: {"phone": "139-1234-5678"}, "phone"),
    ("phone-arabic-digits", lambda: {"phone": "١٣٩١٢٣٤٥٦٧٨"}, "phone"),
    (
        "future-birth-date",
        lambda: {"birth_date": timezone.localdate() + dt.timedelta(1)},
        "birth_date",
    ),
    ("birth-date-text", lambda: {"birth_date": "1985-03-12"}, "birth_date"),
    ("birth-date-missing", lambda: {"birth_date": None}, "birth_date"),
    ("empty-name", lambda: {"name": ""}, "name"),
    ("blank-name", lambda: {"name": "   "}, "name"),
    ("long-name", lambda: {"name": "张" * 51}, "name"),
    ("gender-unknown", lambda: {"gender": "X"}, "gender"),
    ("gender-missing", lambda: {"gender": None}, "gender"),
    ("unknown-tag", lambda: {"tags": ["low_income", "vip"]}, "tags"),
    ("unknown-relation", lambda: {"relation": "boss"}, "relation"),
    ("relation-missing", lambda: {"relation": None}, "relation"),
    ("unknown-status", lambda: {"status": "alive"}, "status"),
    ("unknown-ethnicity", lambda: {"ethnicity": "火星族"}, "ethnicity"),
]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [(make, field) for _, make, field in BAD_RESIDENT_INPUT],
    ids=[name for name, _, _ in BAD_RESIDENT_INPUT],
)
def test_create_resident_refuses_bad_input_with_a_field_error(world, admin, overrides, field):
    data = resident_data(**overrides())
    data = {k: v for k, v in data.items() if v is not None}
    assert_refused(lambda: actions.create_resident(world.household, data, by=admin), field)


def test_every_field_error_is_reported_at_once(world, admin):
    data = resident_data(name="", phone="123", relation="boss")
    del data["id_number"]
    error = assert_refused(lambda: actions.create_resident(world.household, data, by=admin))
    assert set(error.message_dict) == {"name", "phone", "relation", "id_number"}


def test_an_id_number_already_registered_is_refused(world, admin):
    taken = world.other_resident.plaintext_id_number()
    data = resident_data(
        id_number=taken,
        gender=world.other_resident.gender,
        birth_date=world.other_resident.birth_date,
    )
    error = assert_refused(
        lambda: actions.create_resident(world.household, data, by=admin), "id_number"
    )
    assert "already registered" in " ".join(error.message_dict["id_number"])


def test_a_duplicate_that_slips_past_the_check_is_caught_by_the_constraint(
    world, admin, monkeypatch
):
    # Given two requests racing: both pass the duplicate check before either has saved
    monkeypatch.setattr(ResidentQuerySet, "exists", lambda self: False)
    data = resident_data()
    actions.create_resident(world.household, data, by=admin)
    # When the second one saves, the unique constraint refuses it
    error = assert_refused(
        lambda: actions.create_resident(world.neighbour_household, data, by=admin), "id_number"
    )
    # Then it is reported as the same field error, and only the first resident exists
    assert "already registered" in " ".join(error.message_dict["id_number"])
    assert Resident.objects.filter(id_number_hash=pii.lookup_hash(data["id_number"])).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"gender": "M"}, "id_number"),
        ({"gender": "M", "id_number": ""}, "id_number"),
        ({"birth_date": dt.date(1950, 3, 9)}, "id_number"),
        ({"birth_date": dt.date(1950, 3, 9), "id_number": ""}, "id_number"),
        ({"id_number": "370116195003080000"}, "id_number"),
        ({"name": ""}, "name"),
        ({"phone": "5678"}, "phone"),
        ({"status": "gone"}, "status"),
        ({"tags": ["rich"]}, "tags"),
        ({"ethnicity": "x"}, "ethnicity"),
    ],
    ids=[
        "gender-vs-stored-id",
        "gender-vs-stored-id-blank-field",
        "birth-date-vs-stored-id",
        "birth-date-vs-stored-id-blank-field",
        "bad-check-digit",
        "empty-name",
        "bad-phone",
        "unknown-status",
        "unknown-tag",
        "unknown-ethnicity",
    ],
)
def test_change_resident_refuses_bad_input(world, admin, data, field):
    assert_refused(lambda: actions.change_resident(world.resident, data, by=admin), field)


def test_change_resident_to_an_id_number_already_registered_is_refused(world, admin):
    other = world.other_resident
    data = {
        "id_number": other.plaintext_id_number(),
        "gender": other.gender,
        "birth_date": other.birth_date,
    }
    assert_refused(lambda: actions.change_resident(world.resident, data, by=admin), "id_number")


# --- region nodes ---------------------------------------------------------------------------------
def test_create_region_takes_the_next_number_and_writes_one_event(world, admin):
    with Events() as log:
        community = actions.create_region(world.street, Level.COMMUNITY, " 新社区 ", by=admin)
    assert community.code == "370116001003"
    assert (community.name, community.parent, community.level) == (
        "新社区",
        world.street,
        "community",
    )
    event = log.one
    assert (event.verb, event.object_type, event.scope_code) == (
        "create",
        "core.region",
        community.code,
    )
    assert event.after["code"] == community.code


def test_villages_are_numbered_from_201(world, admin):
    first = actions.create_region(world.street, Level.VILLAGE, "东村", by=admin)
    second = actions.create_region(world.street, Level.VILLAGE, "西村", by=admin)
    assert (first.code, second.code) == ("370116001201", "370116001202")
    third_community = actions.create_region(world.street, Level.COMMUNITY, "南社区", by=admin)
    assert third_community.code == "370116001003"


def test_a_grid_under_a_community(world):
    secretary = world.users["community_secretary"]
    grid = actions.create_region(world.community, Level.GRID, "第3网格", by=secretary)
    assert grid.code == world.community.code + "-G03"


@pytest.mark.parametrize(
    ("parent", "level", "name", "number", "field"),
    [
        ("street", "grid", "网格", None, "parent"),
        ("grid", "community", "社区", None, "parent"),
        ("community", "village", "村", None, "parent"),
        ("street", "planet", "星球", None, "level"),
        ("grid", "building", "1号楼", None, "level"),
        ("street", "community", "", None, "name"),
        ("street", "community", "   ", None, "name"),
        ("street", "community", "社" * 101, None, "name"),
        ("street", "community", "重号社区", 1, "number"),
        ("street", "community", "社区", 250, "number"),
        ("street", "village", "村", 5, "number"),
        ("street", "community", "社区", 1000, "number"),
        ("street", "community", "社区", 0, "number"),
        ("street", "community", "社区", -3, "number"),
        ("street", "community", "社区", "七", "number"),
        ("community", "grid", "网格", 100, "number"),
    ],
    ids=[
        "grid-under-street",
        "community-under-grid",
        "village-under-community",
        "unknown-level",
        "register-level",
        "empty-name",
        "blank-name",
        "long-name",
        "number-taken",
        "community-in-village-range",
        "village-in-community-range",
        "too-wide",
        "zero",
        "negative",
        "not-a-number",
        "grid-too-wide",
    ],
)
def test_create_region_refuses_bad_input(world, admin, parent, level, name, number, field):
    parent_region = {"street": world.street, "community": world.community, "grid": world.grid}[
        parent
    ]
    assert_refused(
        lambda: actions.create_region(parent_region, level, name, number=number, by=admin), field
    )


def test_change_region_writes_one_event_and_none_without_change(world, admin):
    with Events() as log:
        actions.change_region(world.grid, {"name": "幸福网格", "address": "幸福路1号"}, by=admin)
    world.grid.refresh_from_db()
    assert (world.grid.name, world.grid.address) == ("幸福网格", "幸福路1号")
    assert log.one.before["name"] == "第1网格"
    with Events() as log:
        actions.change_region(world.grid, {"name": "幸福网格"}, by=admin)
    assert log.new == []


def test_change_region_refuses_an_empty_name(world, admin):
    assert_refused(lambda: actions.change_region(world.grid, {"name": " "}, by=admin), "name")


# --- buildings and units --------------------------------------------------------------------------
def test_create_building_writes_the_region_node_the_building_and_one_event(world):
    worker = world.users["grid_worker"]
    data = {"name": "2号楼", "compound": "幸福小区", "floors": 18, "structure": "high_rise"}
    with Events() as log:
        building = actions.create_building(world.grid, data, by=worker)
    assert building.code == world.grid.code + "-B002"
    assert building.region.level == Level.BUILDING
    assert building.region.parent == world.grid
    assert (building.floors, building.structure) == (18, "high_rise")
    event = log.one
    assert (event.verb, event.object_type) == ("create", "core.building")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "楼", "number": 1}, "number"),
        ({"name": "楼", "number": 1000}, "number"),
        ({"name": "楼", "floors": -1}, "floors"),
        ({"name": "楼", "floors": 0}, "floors"),
        ({"name": "楼", "floors": 40000}, "floors"),
        ({"name": "楼", "floors": "six"}, "floors"),
        ({"name": "楼", "structure": "castle"}, "structure"),
    ],
)
def test_create_building_refuses_bad_input(world, admin, data, field):
    assert_refused(lambda: actions.create_building(world.grid, data, by=admin), field)


def test_a_building_outside_a_grid_is_refused(world, admin):
    assert_refused(
        lambda: actions.create_building(world.community, {"name": "楼"}, by=admin), "grid"
    )


def test_change_building_writes_exactly_one_event_with_its_actor(world, building):
    worker = world.users["grid_worker"]
    with Events() as log:
        actions.change_building(building, {"name": "甲栋", "floors": 7}, by=worker)
    building.region.refresh_from_db()
    assert building.region.name == "甲栋"
    event = log.one
    assert (event.object_type, event.actor) == ("core.building", worker)
    assert (event.before["name"], event.after["name"]) == ("1号楼", "甲栋")
    assert (event.before["floors"], event.after["floors"]) == (6, 7)


def test_change_building_without_change_writes_nothing(world, admin, building):
    before = ledger()
    actions.change_building(building, {"name": "1号楼", "floors": 6}, by=admin)
    assert ledger() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": ""}, "name"), ({"floors": -2}, "floors"), ({"structure": "tent"}, "structure")],
)
def test_change_building_refuses_bad_input(world, admin, building, data, field):
    assert_refused(lambda: actions.change_building(building, data, by=admin), field)


def test_delete_building_only_when_empty(world, admin, building):
    assert_refused(lambda: actions.delete_building(building, by=admin))
    empty = factories.building(7, world.grid)
    with Events() as log:
        actions.delete_building(empty, by=admin)
    assert not Region.objects.filter(code=empty.code).exists()
    assert log.one.verb == "delete"


def test_create_and_change_unit_write_one_event_each(world, building):
    worker = world.users["grid_worker"]
    with Events() as log:
        unit = actions.create_unit(building, {"name": "2单元", "floors": 6}, by=worker)
    assert unit.code == building.code + "-U02"
    assert log.one.verb == "create"
    with Events() as log:
        actions.change_unit(unit, {"name": "二单元"}, by=worker)
    assert (log.one.object_type, log.one.actor) == ("core.unit", worker)
    assert log.one.after["name"] == "二单元"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "单元", "number": 1}, "number"),
        ({"name": "单元", "number": 100}, "number"),
        ({"name": "单元", "floors": -1}, "floors"),
    ],
)
def test_create_unit_refuses_bad_input(world, admin, building, data, field):
    assert_refused(lambda: actions.create_unit(building, data, by=admin), field)


def test_delete_unit_only_when_empty(world, admin, unit, building):
    assert_refused(lambda: actions.delete_unit(unit, by=admin))
    empty = factories.unit(5, building)
    actions.delete_unit(empty, by=admin)
    assert not Unit.objects.filter(code=empty.code).exists()


# --- households -----------------------------------------------------------------------------------
def test_create_household_without_an_address_uses_the_unit_and_room(world, unit):
    worker = world.users["grid_worker"]
    with Events() as log:
        household = actions.create_household(unit, {"room": "0502"}, by=worker)
    assert household.code == unit.code + "-0502"
    assert household.room == "0502"
    assert household.address == f"{unit}0502"
    assert household.region.level == Level.HOUSEHOLD
    event = log.one
    assert (event.verb, event.object_type, event.scope_code) == (
        "create",
        "core.household",
        household.code,
    )


def test_create_household_with_address_tags_and_area(world, admin, unit):
    data = {
        "room": "601",
        "address": "幸福路8号1单元601",
        "tags": ["rented"],
        "area": Decimal("89.5"),
    }
    household = actions.create_household(unit, data, by=admin)
    household.refresh_from_db()
    assert (household.address, household.tags) == ("幸福路8号1单元601", ",rented,")
    assert household.area == Decimal("89.50")
    assert household.region.address == "幸福路8号1单元601"


@pytest.mark.parametrize(
    "room", ["", " ", "abc", "30a", "12345", "0", "0000", "-1", "3 01", "٣٠١", None]
)
def test_bad_room_numbers_are_refused(world, admin, unit, room):
    assert_refused(lambda: actions.create_household(unit, {"room": room}, by=admin), "room")


@pytest.mark.parametrize("room", ["301", "0301"])
def test_a_room_already_registered_in_the_unit_is_refused_on_the_room(world, admin, unit, room):
    actions.create_household(unit, {"room": "301"}, by=admin)
    assert_refused(lambda: actions.create_household(unit, {"room": room}, by=admin), "room")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"housing": "castle"}, "housing"),
        ({"tags": ["haunted"]}, "tags"),
        ({"area": Decimal("-1")}, "area"),
        ({"area": Decimal("100000")}, "area"),
        ({"area": "big"}, "area"),
    ],
)
def test_create_household_refuses_bad_input(world, admin, unit, data, field):
    assert_refused(lambda: actions.create_household(unit, {"room": "702", **data}, by=admin), field)


def test_change_household_writes_one_event_and_keeps_the_region_address_in_step(world):
    worker = world.users["grid_worker"]
    household = world.household
    with Events() as log:
        actions.change_household(household, {"address": "幸福路9号", "tags": ["focus"]}, by=worker)
    household.refresh_from_db()
    household.region.refresh_from_db()
    assert household.address == household.region.address == "幸福路9号"
    event = log.one
    assert (event.after["address"], event.after["tags"]) == ("幸福路9号", ",focus,")
    with Events() as log:
        actions.change_household(household, {"address": "幸福路9号"}, by=worker)
    assert log.new == []


def test_changing_one_household_field_keeps_the_others(world, admin):
    household = world.household
    address = household.address
    actions.change_household(household, {"note": "独居老人户", "area": Decimal("75")}, by=admin)
    household.refresh_from_db()
    assert (household.address, household.note) == (address, "独居老人户")
    assert household.area == Decimal("75.00")
    before = ledger()
    actions.change_household(household, {"area": 75.0}, by=admin)
    assert ledger() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"address": " "}, "address"),
        ({"address": "路" * 201}, "address"),
        ({"housing": "x"}, "housing"),
        ({"area": -5}, "area"),
        ({"area": "NaN"}, "area"),
    ],
)
def test_change_household_refuses_bad_input(world, admin, data, field):
    assert_refused(lambda: actions.change_household(world.household, data, by=admin), field)


def test_a_household_with_residents_cannot_be_deleted(world, admin):
    error = assert_refused(lambda: actions.delete_household(world.household, by=admin))
    assert "resident" in " ".join(error.messages)


def test_deleting_an_empty_household_removes_its_node_and_writes_one_event(world, admin, unit):
    household = factories.household(unit_obj=unit)
    code = household.code
    with Events() as log:
        actions.delete_household(household, by=admin)
    assert not Household.objects.filter(code=code).exists()
    assert not Region.objects.filter(code=code).exists()
    assert (log.one.verb, log.one.before["code"]) == ("delete", code)


def test_a_household_that_scopes_a_login_cannot_be_deleted(world, admin, unit):
    household = factories.household(unit_obj=unit)
    factories.user_with_role("resident", household.region)
    assert_refused(lambda: actions.delete_household(household, by=admin))


# --- permissions ----------------------------------------------------------------------------------
def _in(world):
    return {
        "household": world.household,
        "resident": world.resident,
        "grid": world.grid,
        "community": world.community,
    }


def _out(world):
    return {
        "household": world.other_household,
        "resident": world.other_resident,
        "grid": world.other_grid,
        "community": world.other_community,
    }


def _create_resident(where, user):
    actions.create_resident(where["household"], resident_data(), by=user)


def _change_resident(where, user):
    actions.change_resident(where["resident"], {"note": "走访"}, by=user)


def _delete_resident(where, user):
    actions.delete_resident(where["resident"], by=user)


def _reveal(where, user):
    actions.reveal_resident(where["resident"], "上门核实", by=user)


def _create_household(where, user):
    actions.create_household(where["household"].unit, {"room": "9901"}, by=user)


def _change_household(where, user):
    actions.change_household(where["household"], {"note": "走访"}, by=user)


def _delete_household(where, user):
    actions.delete_household(factories.household(unit_obj=where["household"].unit), by=user)


def _create_building(where, user):
    actions.create_building(where["grid"], {"name": "新楼"}, by=user)


def _change_building(where, user):
    actions.change_building(where["household"].unit.building, {"compound": "新区"}, by=user)


def _delete_building(where, user):
    actions.delete_building(factories.building(50, where["grid"]), by=user)


def _create_unit(where, user):
    actions.create_unit(where["household"].unit.building, {"name": "新单元"}, by=user)


def _change_unit(where, user):
    actions.change_unit(where["household"].unit, {"note": "加装电梯"}, by=user)


def _delete_unit(where, user):
    actions.delete_unit(factories.unit(9, where["household"].unit.building), by=user)


def _create_grid(where, user):
    actions.create_region(where["community"], Level.GRID, "新网格", by=user)


def _change_grid(where, user):
    actions.change_region(where["grid"], {"name": "改名网格"}, by=user)


def _change_community(where, user):
    actions.change_region(where["community"], {"name": "改名社区"}, by=user)


ACTIONS = {
    "create_resident": (_create_resident, STAFF),
    "change_resident": (_change_resident, STAFF),
    "delete_resident": (_delete_resident, COMMUNITY_STAFF),
    "reveal_resident": (_reveal, STAFF),
    "create_household": (_create_household, STAFF),
    "change_household": (_change_household, STAFF),
    "delete_household": (_delete_household, COMMUNITY_STAFF),
    "create_building": (_create_building, STAFF),
    "change_building": (_change_building, STAFF),
    "delete_building": (_delete_building, COMMUNITY_STAFF),
    "create_unit": (_create_unit, STAFF),
    "change_unit": (_change_unit, STAFF),
    "delete_unit": (_delete_unit, COMMUNITY_STAFF),
    "create_grid": (_create_grid, COMMUNITY_STAFF),
    "change_grid": (_change_grid, STAFF),
    "change_community": (_change_community, COMMUNITY_STAFF),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_in_scope_each_role_may_do_what_its_permissions_allow(world, action, role):
    run, allowed = ACTIONS[action]
    user = world.users[role]
    where = _in(world)
    if role in allowed:
        with Events() as log:
            run(where, user)
        assert log.one.actor == user
    else:
        # the fixtures an action needs (an empty node to delete) are made before refusing
        before_fixtures = ledger()
        with pytest.raises(PermissionDenied):
            run(where, user)
        after = ledger()
        assert after["AuditEvent"] == before_fixtures["AuditEvent"]
        assert after["Resident"] == before_fixtures["Resident"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_out_of_scope_only_the_street_admin_may_act(world, action, role):
    run, _allowed = ACTIONS[action]
    user = world.users[role]
    where = _out(world)
    if role == "street_admin":
        with Events() as log:
            run(where, user)
        assert log.one.actor == user
    else:
        events_before = AuditEvent.objects.count()
        residents_before = list(Resident.objects.order_by("pk").values_list())
        with pytest.raises(PermissionDenied):
            run(where, user)
        assert AuditEvent.objects.count() == events_before
        assert list(Resident.objects.order_by("pk").values_list()) == residents_before


def test_a_grid_worker_may_not_touch_the_neighbouring_grid(world):
    worker = world.users["grid_worker"]
    assert_denied(lambda: actions.change_resident(world.neighbour, {"name": "王刚"}, by=worker))
    assert_denied(lambda: actions.reveal_resident(world.neighbour, "核实", by=worker))
    assert_denied(
        lambda: actions.create_household(world.neighbour_household.unit, {"room": "808"}, by=worker)
    )


def test_anonymous_and_inactive_users_may_not_act(world):
    from django.contrib.auth.models import AnonymousUser

    inactive = world.users["community_secretary"]
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    for user in (AnonymousUser(), inactive):
        assert_denied(
            lambda user=user: actions.change_resident(world.resident, {"name": "某"}, by=user)
        )
        assert_denied(lambda user=user: actions.reveal_resident(world.resident, "查看", by=user))


def test_superuser_may_act_anywhere_and_system_jobs_pass_none(world):
    root = factories.UserFactory(is_superuser=True)
    actions.change_resident(world.other_resident, {"note": "核对"}, by=root)
    assert last_event().actor == root
    actions.change_resident(world.other_resident, {"note": "导入"}, by=None)
    assert (last_event().actor, last_event().actor_name) == (None, "")


def test_a_second_scope_extends_what_a_user_may_change(world):
    worker = world.users["grid_worker"]
    assert_denied(lambda: actions.change_resident(world.other_resident, {"note": "x"}, by=worker))
    grant_role(worker, "grid_worker", world.other_grid)
    actions.change_resident(world.other_resident, {"note": "x"}, by=worker)
    assert last_event().actor == worker
