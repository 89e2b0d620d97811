"""The services API: creating and changing through the actions, stable error codes on bad input,
nothing saved on refusal, query budgets of the lists, the coverage audit's answer."""

import pytest

from sixfold.core.models import AuditEvent
from sixfold.services.models import Notice, ServicePoint, ServiceStaff, ServiceType, Venue
from tests import factories
from tests.api.conftest import api  # noqa: F401  (fixture)


@pytest.fixture
def worker(api, services):  # noqa: F811
    return api(services.users["community_worker"])


def test_create_a_point_with_staff(worker, services):
    response = worker.post(
        "/api/v1/services/points/",
        {"region": services.second_grid.code, "opening_hours": "8:30–17:30"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["kind"] == "grid_point" and data["name"] == "第2网格服务点"
    staff = worker.post(
        f"/api/v1/services/points/{data['id']}/staff/",
        {"name": "刘芳", "role": "网格员", "phone": "13700001234"},
        format="json",
    )
    assert staff.status_code == 201 and staff.json()["phone"] == "137****1234"
    member = ServiceStaff.objects.get(pk=staff.json()["id"])
    assert member.plaintext_phone() == "13700001234" and "13700001234" not in member.phone_enc
    event = AuditEvent.objects.filter(object_type="services.servicestaff").first()
    assert "13700001234" not in str(event.after)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "region", "required"),
        ({"region": "370116001999"}, "region", "does_not_exist"),
        ({"region": "370116001002"}, "region", "does_not_exist"),  # community 2: out of scope
        ({"region": "370116001001", "name": "x" * 101}, "name", "max_length"),
        (
            {"region": "370116001001-G02", "service_phone": "12345"},
            "service_phone",
            "invalid_phone",
        ),
        ({"region": "370116001001"}, "region", "exists"),
        ({"region": ["a"]}, "region", "does_not_exist"),
    ],
)
def test_bad_points_are_refused_with_codes(worker, services, body, field, code):
    before = ServicePoint.objects.count()
    response = worker.post("/api/v1/services/points/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and code in data["field_codes"][field]
    assert ServicePoint.objects.count() == before


def test_a_household_cannot_have_a_point(api, services):  # noqa: F811
    admin = api(services.users["street_admin"])
    response = admin.post(
        "/api/v1/services/points/", {"region": services.household.code}, format="json"
    )
    assert response.status_code == 400 and response.json()["field_codes"]["region"] == ["bad_level"]


def test_venue_with_service_types_by_key(worker, services):
    response = worker.post(
        "/api/v1/services/venues/",
        {
            "region": services.community.code,
            "name": "第1社区红工坊",
            "kind": "red_workshop",
            "service_types": ["culture", "party_service"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    venue = Venue.objects.get(pk=response.json()["id"])
    assert {t.slug for t in venue.service_types.all()} == {"culture", "party_service"}
    bad = worker.post(
        "/api/v1/services/venues/",
        {"region": services.community.code, "name": "x", "service_types": ["nope"]},
        format="json",
    )
    assert bad.status_code == 400 and "service_types" in bad.json()["fields"]
    change = worker.patch(
        f"/api/v1/services/venues/{venue.pk}/", {"service_types": ["health"]}, format="json"
    )
    assert change.status_code == 200 and change.json()["service_types"] == ["health"]


def test_notice_publish_cycle(worker, services):
    response = worker.post(
        "/api/v1/services/notices/",
        {"region": services.grid.code, "title": "电梯检修", "body": "周三检修。"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["published"] is False
    pk = response.json()["id"]
    assert worker.post(f"/api/v1/services/notices/{pk}/publish/").json()["published"] is True
    again = worker.post(f"/api/v1/services/notices/{pk}/publish/")
    assert again.status_code == 400 and again.json()["code"] == "invalid"
    assert worker.post(f"/api/v1/services/notices/{pk}/unpublish/").json()["published"] is False
    past = worker.patch(
        f"/api/v1/services/notices/{pk}/", {"expires_on": "2001-01-01"}, format="json"
    )
    assert past.status_code == 400 and past.json()["field_codes"]["expires_on"] == ["past"]
    assert worker.delete(f"/api/v1/services/notices/{pk}/").status_code == 204
    assert not Notice.objects.filter(pk=pk).exists()


def test_service_types_read_by_all_written_by_street_admins(api, services):  # noqa: F811
    resident = api(services.users["resident"])
    assert resident.get("/api/v1/services/types/").status_code == 200
    refused = resident.post("/api/v1/services/types/", {"name": "法律服务"}, format="json")
    assert refused.status_code == 403
    admin = api(services.users["street_admin"])
    created = admin.post(
        "/api/v1/services/types/",
        {"name": "法律服务", "order_category": "policy_consult"},
        format="json",
    )
    assert created.status_code == 201
    clash = admin.post("/api/v1/services/types/", {"name": "法律服务"}, format="json")
    assert clash.json()["field_codes"]["name"] == ["exists"]
    in_use = services.types["health"]
    response = admin.delete(f"/api/v1/services/types/{in_use.pk}/")
    assert response.status_code == 400 and ServiceType.objects.filter(pk=in_use.pk).exists()
    assert admin.delete(f"/api/v1/services/types/{created.json()['id']}/").status_code == 204


def test_coverage_answer_and_bad_parameters(worker, services):
    data = worker.get("/api/v1/services/coverage/", {"region": services.community.code}).json()
    rows = {row["kind"]: row for row in data["levels"]}
    assert (rows["grid_point"]["nodes"], rows["grid_point"]["covered"]) == (2, 1)
    assert [g["code"] for g in rows["grid_point"]["gaps"]] == [services.second_grid.code]
    assert worker.get("/api/v1/services/coverage/").json()["field_codes"]["region"] == ["required"]
    for limit in ("-1", "x", "100000"):
        response = worker.get(
            "/api/v1/services/coverage/", {"region": services.community.code, "limit": limit}
        )
        assert response.status_code == 400
    assert worker.get("/api/v1/services/coverage/", {"region": "nope"}).status_code == 404


def test_list_query_budgets(api, services, django_assert_max_num_queries):  # noqa: F811
    admin = api(services.users["street_admin"])
    for number in range(2, 12):
        building = factories.building(number, services.grid)
        point = ServicePoint.objects.create(
            region=building.region,
            code=building.code,
            level="building",
            kind="building_liaison",
            name=f"{number}号楼联络点",
        )
        ServiceStaff.objects.create(point=point, code=point.code, name="楼长")
        venue = Venue.objects.create(
            region=services.grid, code=services.grid.code, name=f"v{number}"
        )
        venue.service_types.set(ServiceType.objects.all()[:3])
    for url in ("points", "venues", "notices", "types", "staff"):
        with django_assert_max_num_queries(8):
            response = admin.get(f"/api/v1/services/{url}/")
        assert response.status_code == 200


def test_bulk_set_up_through_the_api(api, services, worker):  # noqa: F811
    response = worker.post(
        "/api/v1/services/coverage/bulk/",
        {"region": services.community.code, "level": "grid"},
        format="json",
    )
    assert response.status_code == 200 and response.json() == {"created": 1}
    assert ServicePoint.objects.filter(region=services.second_grid).exists()
    bad = worker.post(
        "/api/v1/services/coverage/bulk/",
        {"region": services.grid.code, "level": "street"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["field_codes"]["level"] == ["bad_level"]
    outside = worker.post(
        "/api/v1/services/coverage/bulk/",
        {"region": services.other_community.code, "level": "unit"},
        format="json",
    )
    assert outside.status_code == 400 and outside.json()["field_codes"]["region"] == [
        "does_not_exist"
    ]
    grid_worker = api(services.users["grid_worker"])
    refused = grid_worker.post(
        "/api/v1/services/coverage/bulk/", {"region": services.grid.code, "level": "unit"}
    )
    assert refused.status_code == 403
