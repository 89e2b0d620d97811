"""Open311 GeoReport v2 conformance: the spec's field lists in JSON and XML with their content
types, the error array, status mapping, the GET filters and their bad input, POST with API keys
(token or setting) and location, and that no personal data is exposed."""

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from sixfold.orders import actions, open311
from sixfold.orders.models import Channel, Order

BASE = "/open311/v2"
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = set(open311.REQUEST_FIELDS)


@pytest.fixture
def key(ow):
    return Token.objects.create(user=ow.users["community_worker"]).key


def test_services_in_json_and_xml(client, ow):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    rows = response.json()
    assert rows and all(set(row) == SERVICE_FIELDS for row in rows)
    assert any(row["service_code"] == ow.category.slug for row in rows)
    assert all(row["metadata"] is False and row["type"] == "realtime" for row in rows)
    xml = client.get(f"{BASE}/services.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "services" and root[0].tag == "service"
    assert {child.tag for child in root[0]} == SERVICE_FIELDS


def test_service_definition_and_unknown_code(client, ow):
    body = client.get(f"{BASE}/services/{ow.category.slug}.json").json()
    assert body == {"service_code": ow.category.slug, "attributes": []}
    root = ElementTree.fromstring(client.get(f"{BASE}/services/{ow.category.slug}.xml").content)
    assert root.tag == "service_definition" and root.find("service_code").text == ow.category.slug
    missing = client.get(f"{BASE}/services/nope.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": missing.json()[0]["description"]}]
    xml = client.get(f"{BASE}/services/nope.xml")
    root = ElementTree.fromstring(xml.content)
    assert xml.status_code == 404 and root.tag == "errors" and root.find("error/code").text == "404"


def test_requests_field_list_status_mapping_and_privacy(client, ow):
    open_order = ow.submit(requester_phone="13912345678")
    done = ow.verified()
    private = ow.submit(public=False, title="不公开")
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    rows = {row["service_request_id"]: row for row in response.json()}
    assert set(rows) == {open_order.number, done.number}
    assert private.number not in rows
    for row in rows.values():
        assert set(row) == REQUEST_FIELDS
    assert rows[open_order.number]["status"] == "open"
    assert rows[done.number]["status"] == "closed"
    assert "已更换灯泡" in rows[done.number]["status_notes"]
    assert rows[open_order.number]["requested_datetime"].endswith("+08:00")
    text = response.content.decode()
    for secret in ("13912345678", "139****5678", "李秀英", "t_resident", ow.household.address):
        assert secret not in text
    assert (
        rows[open_order.number]["address"]
        == f"{ow.community.name} {ow.household.unit.building.region.name}"
    )
    xml = client.get(f"{BASE}/requests.xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "service_requests" and {c.tag for c in root[0]} == REQUEST_FIELDS


def test_requests_filters(client, ow):
    first = ow.submit()
    second = ow.submit(category=ow.child_category)
    Order.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - dt.timedelta(days=10))

    def numbers(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return {row["service_request_id"] for row in response.json()}

    assert numbers(service_request_id=f"{first.number}, {second.number}") == {
        first.number,
        second.number,
    }
    assert numbers(service_code=ow.child_category.slug) == {second.number}
    start = (timezone.now() - dt.timedelta(days=2)).isoformat()
    assert numbers(start_date=start) == {second.number}
    assert numbers(
        end_date=(timezone.now() - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ) == {first.number}
    assert numbers(status="closed") == set()
    assert numbers(status="open") == {first.number, second.number}
    single = client.get(f"{BASE}/requests/{second.number}.json").json()
    assert len(single) == 1 and single[0]["service_request_id"] == second.number


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"status": "pending"},
        {"service_code": "nope"},
        {"start_date": "2026-11-10T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
    ],
)
def test_bad_get_parameters_are_400_in_the_spec_format(client, ow, params):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == 400 and body[0]["description"]


def test_unknown_request_is_404(client, ow):
    response = client.get(f"{BASE}/requests/GD000.xml")
    assert response.status_code == 404 and response["Content-Type"] == "text/xml; charset=utf-8"


def test_post_a_request_with_a_token(client, ow, key):
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": key,
            "service_code": ow.category.slug,
            "lat": "36.2123",
            "long": "117.6712",
            "description": "路灯不亮",
            "first_name": "明",
            "last_name": "王",
            "phone": "13912340000",
            "email": "wang@example.com",
            "media_url": "http://example.com/a.jpg",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    order = Order.objects.get(number=body[0]["service_request_id"])
    assert order.channel == Channel.OPEN311 and order.requester_name == "王 明"
    assert order.requester_phone_masked == "139****0000" and order.code == ow.community.code
    assert float(order.latitude) == pytest.approx(36.2123)
    listed = client.get(f"{BASE}/requests/{order.number}.json").json()[0]
    assert listed["lat"] == pytest.approx(36.2123) and "13912340000" not in str(listed)
    assert "wang@example.com" not in str(listed)


def test_post_with_a_configured_key_and_address(client, ow, settings):
    settings.SIXFOLD_OPEN311_API_KEYS = {"hotline-key": "t_secretary"}
    response = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": "hotline-key",
            "service_code": ow.category.slug,
            "address_string": "幸福小区3号楼",
            "description": "电梯停了",
        },
    )
    assert response.status_code == 201 and response["Content-Type"] == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    number = root.find("request/service_request_id").text
    assert Order.objects.get(number=number).address == "幸福小区3号楼"


@pytest.mark.parametrize(
    "data, status",
    [
        ({"service_code": "property_repair", "lat": "1", "long": "1", "description": "x"}, 403),
        (
            {
                "api_key": "wrong",
                "service_code": "property_repair",
                "lat": "1",
                "long": "1",
                "description": "x",
            },
            403,
        ),
        (
            {"api_key": "KEY", "service_code": "nope", "lat": "1", "long": "1", "description": "x"},
            400,
        ),
        ({"api_key": "KEY", "service_code": "", "lat": "1", "long": "1", "description": "x"}, 400),
        ({"api_key": "KEY", "service_code": "property_repair", "description": "x"}, 400),
        (
            {"api_key": "KEY", "service_code": "property_repair", "lat": "1", "description": "x"},
            400,
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "property_repair",
                "lat": "x",
                "long": "y",
                "description": "x",
            },
            400,
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "property_repair",
                "lat": "1",
                "long": "1",
                "description": "",
            },
            400,
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "property_repair",
                "lat": "1",
                "long": "1",
                "description": "x",
                "phone": "12",
            },
            400,
        ),
    ],
)
def test_bad_posts(client, ow, key, data, status):
    data = {k: (key if v == "KEY" else v) for k, v in data.items()}
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == status, response.content
    body = response.json()
    assert body[0]["code"] == status and body[0]["description"]
    assert Order.objects.count() == 0


def test_a_resident_token_may_not_file_through_open311(client, ow):
    token = Token.objects.create(user=ow.users["resident"]).key
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": token,
            "service_code": ow.category.slug,
            "lat": "1",
            "long": "1",
            "description": "x",
        },
    )
    assert response.status_code == 403


def test_status_notes_of_each_state(ow):
    order = ow.submit()
    assert open311.status_of(order) == "open"
    order = actions.reject(order, by=ow.users["community_worker"], reason="不属于社区职责")
    assert open311.status_of(order) == "closed"
    assert "不属于社区职责" in open311.status_notes(order)


def test_query_budget(client, ow, django_assert_max_num_queries):
    for _ in range(6):
        ow.accepted()
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{BASE}/requests.json").json()) == 6
