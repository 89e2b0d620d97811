"""No input gives a 500: odd codes, parameters and bodies on every page and endpoint of the
services pillar answer with a field error, a 400 or a 404."""

import pytest
from django.urls import reverse

from tests.api.conftest import api  # noqa: F401  (fixture)

BACKEND = "django.contrib.auth.backends.ModelBackend"
ODD = ["\x00", "370116001\x00", "x" * 500, "'; drop table core_region; --", "３７０１１６", "%"]


@pytest.mark.parametrize("value", ODD)
def test_pages_with_odd_codes(client, services, value):
    client.force_login(services.users["street_admin"], backend=BACKEND)
    for name in ("coverage", "coverage_export", "coverage_bulk"):
        response = client.get(reverse(f"services:{name}"), {"region": value, "level": "unit"})
        assert response.status_code in (302, 404)
    for name in ("point_list", "venue_list", "notice_list", "point_export", "notice_export"):
        response = client.get(
            reverse(f"services:{name}"), {"region": value, "search": value, "page": value}
        )
        assert response.status_code == 200
    response = client.get(reverse("services:epage", args=["x" * 300]))
    assert response.status_code == 404
    response = client.post(reverse("services:point_create"), {"region": value, "name": value})
    assert response.status_code == 200 and response.context["form"].errors


@pytest.mark.parametrize("value", ODD)
def test_api_with_odd_codes(api, services, value):  # noqa: F811
    client = api(services.users["street_admin"])
    response = client.get("/api/v1/services/coverage/", {"region": value})
    assert response.status_code in (400, 404)
    response = client.get(f"/api/v1/services/e/{value.replace('%', '%25')}/")
    assert response.status_code == 404
    for kind in ("points", "venues", "notices"):
        assert client.get(f"/api/v1/services/{kind}/", {"region": value}).status_code in (200, 400)
        response = client.post(
            f"/api/v1/services/{kind}/", {"region": value, "name": value}, format="json"
        )
        assert response.status_code == 400


def test_api_bodies_of_the_wrong_shape(api, services):  # noqa: F811
    client = api(services.users["community_worker"])
    for body in ([], "text", {"region": None}, {"region": 5}, {"region": {"a": 1}}):
        response = client.post("/api/v1/services/points/", body, format="json")
        assert response.status_code == 400
    response = client.post(
        "/api/v1/services/notices/",
        {"region": services.community.code, "title": "t", "body": "b", "expires_on": "not"},
        format="json",
    )
    assert response.json()["field_codes"]["expires_on"] == ["invalid"]
    response = client.post(
        f"/api/v1/services/points/{services.station.pk}/staff/", {"name": ""}, format="json"
    )
    assert response.status_code == 400
    for pk in ("0", "99999999999999999999", "abc"):
        assert client.get(f"/api/v1/services/points/{pk}/").status_code == 404
