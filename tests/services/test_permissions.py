"""The services permission matrix: every role × in-scope / out-of-scope object × operation, on
the pages and the API. Out of scope is a 404 (the same as "does not exist"); in scope without
the permission a 403 and nothing changes. Expectations are written out by hand, not read from
the role table, so a change that widens access fails here."""

import pytest
from django.urls import reverse

from sixfold.services.models import Notice, ServicePoint, ServiceType, Venue
from tests.api.conftest import api  # noqa: F401  (fixture)

BACKEND = "django.contrib.auth.backends.ModelBackend"
ROLES = [
    "street_admin",
    "community_secretary",
    "community_worker",
    "grid_worker",
    "branch_secretary",
    "party_member",
    "resident",
]
MAY = {
    "street_admin": {"view", "manage", "configure"},
    "community_secretary": {"view", "manage"},
    "community_worker": {"view", "manage"},
    "grid_worker": {"view"},
    "branch_secretary": set(),
    "party_member": set(),
    "resident": set(),
}
SCOPE = {
    "street_admin": "street",
    "community_secretary": "community",
    "community_worker": "community",
    "grid_worker": "grid",
    "branch_secretary": "grid",
    "party_member": "community",
    "resident": "household",
}


def expected(world, role, code, may) -> str:
    if not code.startswith(getattr(world, SCOPE[role]).code) or "view" not in MAY[role]:
        return "404"
    return "ok" if may in MAY[role] else "403"


def points(world):
    return {"grid": world.grid_point, "community": world.station, "other": world.other_station}


def login(client, world, role):
    client.force_login(world.users[role], backend=BACKEND)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", ["grid", "community", "other"])
def test_point_page_and_edit(client, services, role, where):
    login(client, services, role)
    point = points(services)[where]
    outcome = expected(services, role, point.code, "view")
    response = client.get(reverse("services:point_detail", args=[point.pk]))
    assert response.status_code == (200 if outcome == "ok" else 404)
    outcome = expected(services, role, point.code, "manage")
    response = client.post(
        reverse("services:point_edit", args=[point.pk]), {"name": point.name, "note": "改过"}
    )
    point.refresh_from_db()
    if outcome == "ok":
        assert response.status_code == 302 and point.note == "改过"
    else:
        assert response.status_code == int(outcome) and point.note == ""


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", ["community", "other"])
def test_deleting_a_venue_asks_first(client, services, role, where):
    login(client, services, role)
    venue = services.cube if where == "community" else services.other_venue
    outcome = expected(services, role, venue.code, "manage")
    url = reverse("services:venue_delete", args=[venue.pk])
    first = client.get(url)
    assert first.status_code == (200 if outcome == "ok" else int(outcome))
    assert Venue.objects.filter(pk=venue.pk).exists()
    response = client.post(url)
    gone = not Venue.objects.filter(pk=venue.pk).exists()
    if outcome == "ok":
        assert response.status_code == 302 and gone
    else:
        assert response.status_code == int(outcome) and not gone


@pytest.mark.parametrize("role", ROLES)
def test_publishing_a_notice(client, services, role):
    login(client, services, role)
    outcome = expected(services, role, services.draft.code, "manage")
    response = client.post(reverse("services:notice_publish", args=[services.draft.pk]))
    published = Notice.objects.get(pk=services.draft.pk).published
    if outcome == "ok":
        assert response.status_code == 302 and published
    else:
        assert response.status_code == int(outcome) and not published


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_point_in_and_out_of_scope(client, services, role):
    login(client, services, role)
    for node, where in ((services.second_grid, "community"), (services.other_grid, "other")):
        response = client.post(reverse("services:point_create"), {"region": node.code})
        created = ServicePoint.objects.filter(region=node).exists()
        if "manage" not in MAY[role]:
            assert response.status_code == 403 and not created
        elif where == "other" and SCOPE[role] != "street":
            assert response.status_code == 200 and not created  # "no node with this code"
            assert "region" in response.context["form"].errors
        else:
            assert response.status_code == 302 and created


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name", ["point_list", "venue_list", "notice_list", "type_list", "point_export"]
)
def test_lists_need_the_view_permission(client, services, role, name):
    login(client, services, role)
    response = client.get(reverse(f"services:{name}"))
    assert response.status_code == (200 if "view" in MAY[role] else 403)


@pytest.mark.parametrize("role", ROLES)
def test_configuring_service_types(client, services, role):
    login(client, services, role)
    response = client.post(reverse("services:type_create"), {"name": "法律服务", "order": "80"})
    created = ServiceType.objects.filter(name="法律服务").exists()
    if "configure" in MAY[role]:
        assert response.status_code == 302 and created
    else:
        assert response.status_code == 403 and not created


def test_anonymous_visitors_are_sent_to_log_in(client, services):
    for name in ("point_list", "coverage", "venue_list", "notice_list"):
        response = client.get(reverse(f"services:{name}"))
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", ["grid", "community", "other"])
def test_api_point_detail_and_change(api, services, role, where):  # noqa: F811
    client = api(services.users[role])
    point = points(services)[where]
    url = f"/api/v1/services/points/{point.pk}/"
    outcome = expected(services, role, point.code, "view")
    assert client.get(url).status_code == (200 if outcome == "ok" else 404)
    outcome = expected(services, role, point.code, "manage")
    response = client.patch(url, {"note": "接口改"}, format="json")
    assert response.status_code == (200 if outcome == "ok" else int(outcome))
    assert ServicePoint.objects.get(pk=point.pk).note == ("接口改" if outcome == "ok" else "")


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_only_what_is_in_scope(api, services, role):  # noqa: F811
    listed = {
        row["id"]
        for row in api(services.users[role]).get("/api/v1/services/points/").json()["results"]
    }
    visible = {
        p.pk for p in points(services).values() if expected(services, role, p.code, "view") == "ok"
    }
    assert {p.pk for p in points(services).values()} & listed == visible


@pytest.mark.parametrize("role", ROLES)
def test_api_coverage(api, services, role):  # noqa: F811
    response = api(services.users[role]).get(
        "/api/v1/services/coverage/", {"region": services.community.code}
    )
    if "view" not in MAY[role]:
        assert response.status_code == 403
    elif services.community.code.startswith(getattr(services, SCOPE[role]).code):
        assert response.status_code == 200
    else:
        assert response.status_code == 404
