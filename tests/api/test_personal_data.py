"""Personal data through the API: masked everywhere, plaintext only through the logged reveal."""

import json

import pytest

from sixfold.core.models import AuditEvent, Resident

from .conftest import new_resident_payload, row_counts


@pytest.fixture
def plaintext(world):
    resident = world.resident
    return resident.plaintext_id_number(), resident.plaintext_phone()


def reveal(client, resident, purpose="入户走访核实身份"):
    return client.post(
        f"/api/v1/residents/{resident.pk}/reveal/", {"purpose": purpose}, format="json"
    )


def test_reveal_returns_plaintext_and_logs_the_purpose(api, world, plaintext):
    user = world.users["grid_worker"]
    response = reveal(api(user), world.resident)

    assert response.status_code == 200
    assert response.json() == {"id_number": plaintext[0], "phone": plaintext[1]}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.REVEAL)
    assert event.actor == user
    assert event.purpose == "入户走访核实身份"
    assert event.object_id == str(world.resident.pk)
    assert event.scope_code == world.resident.code
    assert event.request_id == response["X-Request-ID"]
    # The log itself never holds the plaintext.
    assert plaintext[0] not in json.dumps([event.before, event.after, event.purpose])


@pytest.mark.parametrize("purpose", ["", "   ", "x", None, ["why"], "长" * 201])
def test_reveal_needs_a_purpose(api, world, purpose):
    before = row_counts()
    body = {} if purpose is None else {"purpose": purpose}
    response = api(world.users["grid_worker"]).post(
        f"/api/v1/residents/{world.resident.pk}/reveal/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "purpose" in response.json()["fields"]
    assert "id_number" not in response.json()
    assert row_counts() == before


@pytest.mark.parametrize("role", ["street_admin", "community_worker", "grid_worker", "resident"])
def test_reads_never_contain_plaintext(api, world, plaintext, role):
    client = api(world.users[role])
    pages = [
        client.get("/api/v1/residents/"),
        client.get(f"/api/v1/residents/{world.resident.pk}/"),
        client.get("/api/v1/households/"),
        client.get(f"/api/v1/households/{world.household.pk}/"),
        # Searching by the exact number finds the person, still masked.
        client.get("/api/v1/residents/", {"search": plaintext[0]}),
        client.get("/api/v1/residents/", {"search": plaintext[1]}),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert plaintext[0] not in text
        assert plaintext[1] not in text
    found = pages[4].json()["results"]
    assert [row["id"] for row in found] == [world.resident.pk]
    assert found[0]["id_number"] == world.resident.id_number_masked
    assert found[0]["phone"] == world.resident.phone_masked


def test_written_plaintext_comes_back_masked(api, world):
    payload = new_resident_payload(world.household.pk, phone="13987654321")
    response = api(world.users["grid_worker"]).post("/api/v1/residents/", payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert payload["id_number"] not in response.content.decode()
    assert "13987654321" not in response.content.decode()
    assert body["id_number"] == payload["id_number"][:6] + "********" + payload["id_number"][-4:]
    assert body["phone"] == "139****4321"
    stored = Resident.objects.get(pk=body["id"])
    assert stored.plaintext_id_number() == payload["id_number"]
    events = AuditEvent.objects.filter(verb=AuditEvent.Verb.CREATE, object_id=str(stored.pk))
    assert payload["id_number"] not in json.dumps(events.get().after)


def test_change_phone_and_keep_id_number(api, world, plaintext):
    client = api(world.users["grid_worker"])
    url = f"/api/v1/residents/{world.resident.pk}/"
    response = client.patch(url, {"phone": "0531-88886666", "id_number": ""}, format="json")
    assert response.status_code == 200
    world.resident.refresh_from_db()
    assert world.resident.plaintext_phone() == "0531-88886666"
    assert world.resident.plaintext_id_number() == plaintext[0]
    # Blank phone removes it.
    assert client.patch(url, {"phone": ""}, format="json").json()["phone"] == ""
