"""Bad input on every web form: a clear message on the field concerned, and nothing saved.

Each case posts one mistake on top of otherwise valid data, then checks the form's errors (by
field, so the test holds in any language), that no register row and no audit event was written,
and that the page is re-rendered with the message next to the field.
"""

import datetime as dt

import pytest
from django.urls import reverse

from sixfold.core import idcard
from sixfold.core.models import AuditEvent, Building, Household, Region, Resident, Unit
from tests import factories

BACKEND = "django.contrib.auth.backends.ModelBackend"
BORN = dt.date(1985, 6, 15)


@pytest.fixture
def worker(client, world):
    client.force_login(world.users["community_worker"], backend=BACKEND)
    return world.users["community_worker"]


def snapshot_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Region, Building, Unit, Household, Resident, AuditEvent)
    }


def wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def valid_resident(**changes):
    data = {
        "name": "陈静",
        "gender": "F",
        "birth_date": BORN.isoformat(),
        "id_number": factories.valid_id_number(BORN, "F"),
        "phone": "13912345678",
        "relation": "spouse",
        "ethnicity": "汉族",
        "status": "registered",
        "tags": ["living_alone"],
        "note": "",
    }
    data.update(changes)
    return data


def post_invalid(client, url, data, field):
    before = snapshot_counts()
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert all(str(message).strip() for message in form.errors[field])
    content = response.content.decode()
    assert 'id="form-errors"' in content
    assert f'data-field="{field}"' in content if field != "__all__" else True
    assert snapshot_counts() == before
    return form.errors[field]


# --- residents ------------------------------------------------------------------------------------
RESIDENT_CASES = {
    "wrong check digit": (
        lambda w: {"id_number": wrong_check_digit(factories.valid_id_number(BORN, "F"))},
        "id_number",
    ),
    "ID too short": (lambda w: {"id_number": "37011619850615"}, "id_number"),
    "ID with letters": (lambda w: {"id_number": "37011619850615ABCD"}, "id_number"),
    "ID disagrees with birth date": (
        lambda w: {"id_number": factories.valid_id_number(dt.date(1986, 6, 15), "F")},
        "id_number",
    ),
    "ID disagrees with gender": (
        lambda w: {"id_number": factories.valid_id_number(BORN, "M")},
        "id_number",
    ),
    "duplicate ID": (
        lambda w: {
            "id_number": w.resident.plaintext_id_number(),
            "birth_date": w.resident.birth_date.isoformat(),
            "gender": w.resident.gender,
        },
        "id_number",
    ),
    "duplicate ID of someone out of scope": (
        lambda w: {
            "id_number": w.other_resident.plaintext_id_number(),
            "birth_date": w.other_resident.birth_date.isoformat(),
            "gender": w.other_resident.gender,
        },
        "id_number",
    ),
    "missing ID": (lambda w: {"id_number": ""}, "id_number"),
    "bad phone": (lambda w: {"phone": "12345"}, "phone"),
    "phone with letters": (lambda w: {"phone": "1391234abcd"}, "phone"),
    "missing name": (lambda w: {"name": "  "}, "name"),
    "name too long": (lambda w: {"name": "张" * 51}, "name"),
    "birth date in the future": (
        lambda w: {"birth_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
        "birth_date",
    ),
    "birth date not a date": (lambda w: {"birth_date": "1985-13-45"}, "birth_date"),
    "unknown gender": (lambda w: {"gender": "X"}, "gender"),
    "unknown status": (lambda w: {"status": "emigrated"}, "status"),
    "unknown tag": (lambda w: {"tags": ["vip"]}, "tags"),
    "unknown ethnicity": (lambda w: {"ethnicity": "火星族"}, "ethnicity"),
}


@pytest.mark.parametrize("case", sorted(RESIDENT_CASES))
def test_resident_create_bad_input(client, world, worker, case):
    changes, field = RESIDENT_CASES[case]
    url = reverse("core:resident_create", args=[world.household.pk])
    post_invalid(client, url, valid_resident(**changes(world)), field)


def test_resident_create_error_is_specific(client, world, worker):
    url = reverse("core:resident_create", args=[world.household.pk])
    number = factories.valid_id_number(BORN, "F")
    errors = post_invalid(
        client, url, valid_resident(id_number=wrong_check_digit(number)), "id_number"
    )
    assert len(errors) == 1
    with pytest.raises(Exception) as raised:
        idcard.validate(wrong_check_digit(number))
    assert errors[0] == raised.value.messages[0]


def test_resident_create_keeps_what_was_typed(client, world, worker):
    url = reverse("core:resident_create", args=[world.household.pk])
    response = client.post(url, valid_resident(phone="12345", name="陈静静"))
    content = response.content.decode()
    assert 'value="陈静静"' in content
    assert 'value="12345"' in content


def test_resident_create_works(client, world, worker):
    url = reverse("core:resident_create", args=[world.household.pk])
    number = factories.valid_id_number(BORN, "F")
    response = client.post(url, valid_resident(id_number=f" {number.lower()} "))
    assert response.status_code == 302
    resident = Resident.objects.get(name="陈静")
    assert response["Location"] == reverse("core:resident_detail", args=[resident.pk])
    assert resident.plaintext_id_number() == number
    assert resident.household == world.household
    assert "living_alone" in resident.tag_list
    assert AuditEvent.objects.filter(verb="create", object_id=str(resident.pk)).count() == 1


RESIDENT_EDIT_CASES = {
    "bad phone": ({"phone": "0000"}, "phone"),
    "birth date no longer matching the stored ID": ({"birth_date": "1970-01-01"}, "id_number"),
    "gender no longer matching the stored ID": ({"gender": "M"}, "id_number"),
    "wrong check digit": ({"id_number": "370116198005170011"}, "id_number"),
    "missing name": ({"name": ""}, "name"),
}


@pytest.mark.parametrize("case", sorted(RESIDENT_EDIT_CASES))
def test_resident_edit_bad_input(client, world, worker, case):
    resident = world.resident
    changes, field = RESIDENT_EDIT_CASES[case]
    data = {
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": resident.birth_date.isoformat(),
        "id_number": "",
        "phone": "",
        "relation": resident.relation,
        "ethnicity": resident.ethnicity,
        "status": resident.status,
        "note": "新备注",
        **changes,
    }
    masked = (resident.id_number_masked, resident.phone_masked, resident.note)
    post_invalid(client, reverse("core:resident_edit", args=[resident.pk]), data, field)
    resident.refresh_from_db()
    assert (resident.id_number_masked, resident.phone_masked, resident.note) == masked


def test_resident_edit_with_empty_id_and_phone_keeps_them(client, world, worker):
    resident = world.resident
    number, phone = resident.plaintext_id_number(), resident.plaintext_phone()
    data = {
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": resident.birth_date.isoformat(),
        "id_number": "",
        "phone": "",
        "relation": resident.relation,
        "ethnicity": resident.ethnicity,
        "status": "non_registered",
        "tags": ["disabled"],
        "note": "",
    }
    response = client.post(reverse("core:resident_edit", args=[resident.pk]), data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.plaintext_id_number() == number
    assert resident.plaintext_phone() == phone
    assert resident.status == "non_registered"
    assert "disabled" in resident.tag_list
    # The edit page never carries the plaintext.
    page = client.get(reverse("core:resident_edit", args=[resident.pk])).content.decode()
    assert number not in page and phone not in page
    # Clearing the phone is an explicit choice.
    response = client.post(
        reverse("core:resident_edit", args=[resident.pk]), {**data, "clear_phone": "on"}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.phone_masked == ""


# --- households -----------------------------------------------------------------------------------
HOUSEHOLD_CREATE_CASES = {
    "room not a number": ({"room": "三楼"}, "room"),
    "room too long": ({"room": "12345"}, "room"),
    "missing room": ({"room": ""}, "room"),
    "room already taken": (None, "room"),
    "unknown housing": ({"housing": "castle"}, "housing"),
    "negative area": ({"area": "-5"}, "area"),
    "area not a number": ({"area": "big"}, "area"),
    "unknown tag": ({"tags": ["rich"]}, "tags"),
}


@pytest.mark.parametrize("case", sorted(HOUSEHOLD_CREATE_CASES))
def test_household_create_bad_input(client, world, worker, case):
    changes, field = HOUSEHOLD_CREATE_CASES[case]
    if changes is None:
        changes = {"room": world.household.room}
    data = {"room": "1801", "housing": "owned", "address": "", **changes}
    url = reverse("core:household_create", args=[world.household.unit.pk])
    post_invalid(client, url, data, field)


def test_household_create_without_address_gets_one(client, world, worker):
    url = reverse("core:household_create", args=[world.household.unit.pk])
    response = client.post(url, {"room": "1801", "housing": "rented", "area": "88.5"})
    assert response.status_code == 302
    household = Household.objects.get(room="1801")
    assert household.address
    assert str(household.area) == "88.50"


HOUSEHOLD_EDIT_CASES = {
    "empty address": ({"address": ""}, "address"),
    "unknown housing": ({"housing": "tent"}, "housing"),
    "area too large": ({"area": "1000000"}, "area"),
}


@pytest.mark.parametrize("case", sorted(HOUSEHOLD_EDIT_CASES))
def test_household_edit_bad_input(client, world, worker, case):
    changes, field = HOUSEHOLD_EDIT_CASES[case]
    household = world.household
    data = {"address": household.address, "housing": "owned", "note": "x", **changes}
    post_invalid(client, reverse("core:household_edit", args=[household.pk]), data, field)
    household.refresh_from_db()
    assert household.note == ""


# --- buildings, units, region nodes -----------------------------------------------------------------
BUILDING_CREATE_CASES = {
    "missing name": ({"name": ""}, "name"),
    "missing grid": ({"grid": ""}, "grid"),
    "grid that is not a grid id": ({"grid": "abc"}, "grid"),
    "floors zero": ({"floors": "0"}, "floors"),
    "floors not a number": ({"floors": "six"}, "floors"),
    "unknown structure": ({"structure": "igloo"}, "structure"),
    "number already used": ({"number": "1"}, "number"),
}


@pytest.mark.parametrize("case", sorted(BUILDING_CREATE_CASES))
def test_building_create_bad_input(client, world, worker, case):
    changes, field = BUILDING_CREATE_CASES[case]
    data = {"grid": world.grid.pk, "name": "新楼", "structure": "mid_rise", **changes}
    post_invalid(client, reverse("core:building_create"), data, field)


def test_building_create_and_edit_work(client, world, worker):
    response = client.post(
        reverse("core:building_create"),
        {"grid": world.grid.pk, "name": "20号楼", "number": "20", "structure": "high_rise"},
    )
    assert response.status_code == 302
    building = Building.objects.get(region__name="20号楼")
    assert building.code == f"{world.grid.code}-B020"
    response = client.post(
        reverse("core:building_edit", args=[building.pk]),
        {"name": "20号楼", "compound": "阳光花园", "structure": "high_rise", "floors": "26"},
    )
    assert response.status_code == 302
    building.refresh_from_db()
    assert (building.compound, building.floors) == ("阳光花园", 26)


@pytest.mark.parametrize(
    "changes, field",
    [({"name": ""}, "name"), ({"floors": "-1"}, "floors"), ({"structure": "?"}, "structure")],
)
def test_building_edit_bad_input(client, world, worker, changes, field):
    building = world.household.unit.building
    data = {"name": "1号楼", "structure": "mid_rise", **changes}
    post_invalid(client, reverse("core:building_edit", args=[building.pk]), data, field)


@pytest.mark.parametrize(
    "changes, field",
    [({"name": ""}, "name"), ({"number": "1"}, "number"), ({"number": "100"}, "number")],
)
def test_unit_create_bad_input(client, world, worker, changes, field):
    building = world.household.unit.building
    data = {"name": "3单元", **changes}
    post_invalid(client, reverse("core:unit_create", args=[building.pk]), data, field)


@pytest.mark.parametrize("changes, field", [({"name": ""}, "name"), ({"floors": "x"}, "floors")])
def test_unit_edit_bad_input(client, world, worker, changes, field):
    unit = world.household.unit
    data = {"name": "1单元", **changes}
    post_invalid(client, reverse("core:unit_edit", args=[unit.pk]), data, field)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": ""}, "name"),
        ({"level": "building"}, "level"),
        ({"number": "1"}, "number"),
        ({"number": "0"}, "number"),
    ],
)
def test_region_create_bad_input(client, world, worker, changes, field):
    data = {"level": "grid", "name": "第9网格", **changes}
    url = reverse("core:region_create", args=[world.community.code])
    post_invalid(client, url, data, field)


def test_region_edit_bad_input(client, world, worker):
    url = reverse("core:region_edit", args=[world.grid.code])
    post_invalid(client, url, {"name": " ", "address": ""}, "name")


def test_deleting_a_building_with_units_is_refused(client, world, worker):
    building = world.household.unit.building
    before = snapshot_counts()
    response = client.post(reverse("core:building_delete", args=[building.pk]))
    assert response.status_code == 400
    assert 'id="delete-errors"' in response.content.decode()
    assert snapshot_counts() == before


# --- reveal ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("purpose", ["", " ", "a"])
def test_reveal_needs_a_purpose(client, world, worker, purpose):
    url = reverse("core:resident_reveal", args=[world.resident.pk])
    response = client.post(url, {"purpose": purpose}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "purpose" in response.context["form"].errors
    content = response.content.decode()
    assert world.resident.plaintext_id_number() not in content
    assert world.resident.id_number_masked in content
    assert not AuditEvent.objects.filter(verb="reveal").exists()


def test_reveal_over_htmx_answers_a_fragment(client, world, worker):
    url = reverse("core:resident_reveal", args=[world.resident.pk])
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert b"<html" not in form.content
    assert b'id="reveal-form"' in form.content
    assert b'hx-post="' + url.encode() in form.content
    response = client.post(url, {"purpose": "核对低保申请"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert world.resident.plaintext_id_number() in content
    assert world.resident.plaintext_phone() in content
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(verb="reveal")
    assert event.purpose == "核对低保申请"
    assert event.actor == worker
    # Without HTMX the same address answers a whole page.
    page = client.post(url, {"purpose": "核对低保申请"})
    assert b"<html" in page.content
