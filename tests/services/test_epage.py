"""The e-pages (S13): what anonymous visitors, residents of the community, residents elsewhere
and staff see of the people on them; notices shown and hidden; the request buttons preset to the
resident's household and the service's category; the query budget; the resident's landing page."""

import pytest
from django.urls import reverse

from sixfold.core.models import AuditEvent
from sixfold.services import views
from tests import factories

from .conftest import STATION_PHONE

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def orders_page(monkeypatch):
    monkeypatch.setattr(views, "order_entry_base", lambda: "/orders/new/")


def page(client, code):
    response = client.get(reverse("services:epage", args=[code]))
    assert response.status_code == 200
    return response.content.decode()


def reveals():
    return AuditEvent.objects.filter(verb=AuditEvent.Verb.REVEAL).count()


def test_anonymous_visitors_see_masked_names_and_phones(client, services):
    content = page(client, services.community.code)
    assert "停水通知" in content
    assert "张**" in content and "张建国" not in content
    assert "王*" in content and "王强" not in content
    assert "139****2222" in content and STATION_PHONE not in content
    assert services.neighbour.plaintext_phone() not in content
    assert reveals() == 0


def test_residents_of_the_community_see_names_not_phones(client, services):
    client.force_login(services.users["resident"], backend=BACKEND)
    content = page(client, services.community.code)
    assert "张建国" in content and "王强" in content
    assert STATION_PHONE not in content and "139****2222" in content
    assert reveals() == 0


def test_residents_elsewhere_see_masked_names(client, services):
    outsider = factories.user_with_role("resident", services.other_household.region)
    client.force_login(outsider, backend=BACKEND)
    content = page(client, services.community.code)
    assert "张建国" not in content and "张**" in content


@pytest.mark.parametrize("role", ["community_worker", "community_secretary", "street_admin"])
def test_staff_see_phones_and_the_view_is_logged(client, services, role):
    client.force_login(services.users[role], backend=BACKEND)
    content = page(client, services.community.code)
    assert "张建国" in content and STATION_PHONE in content
    assert services.neighbour.plaintext_phone() in content
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.REVEAL)
    assert event.scope_code == services.community.code and event.actor == services.users[role]


def test_staff_of_another_community_are_visitors_there(client, services):
    other = factories.user_with_role("community_worker", services.other_community)
    client.force_login(other, backend=BACKEND)
    content = page(client, services.community.code)
    assert "张建国" not in content and STATION_PHONE not in content and reveals() == 0


def test_only_current_notices_of_the_node_and_above(client, services):
    content = page(client, services.community.code)
    assert "停水通知" in content
    for hidden in ("草稿通知", "过期通知", "第2社区通知"):
        assert hidden not in content
    # a building's page shows its community's notices and its own chain
    content = page(client, services.building.code)
    assert "停水通知" in content and services.liaison.name in content
    assert "李**" in content  # the grid's branch member answers for grid 1


def test_points_and_venues_near_the_node(client, services):
    content = page(client, services.grid.code)
    assert services.grid_point.name in content and services.station.name in content
    assert services.liaison.name in content  # the building below
    assert "第1社区红立方" in content and "第2社区红工坊" not in content
    assert 'id="compounds"' in content and "幸福小区" in content


def test_request_buttons_without_the_orders_page(client, services, monkeypatch):
    monkeypatch.setattr(views, "order_entry_base", lambda: "")
    content = page(client, services.community.code)
    assert 'id="order-entry-missing"' in content and "/orders/new/" not in content


def test_request_buttons_preset_place_and_category(client, services, orders_page):
    content = page(client, services.community.code)
    assert f"/orders/new/?region={services.community.code}" in content
    assert "category=elderly_disability" in content
    client.force_login(services.users["resident"], backend=BACKEND)
    content = page(client, services.community.code)
    assert (
        f"/orders/new/?region={services.household.code}&amp;category=elderly_disability" in content
    )


def test_unknown_nodes_and_other_levels_are_not_found(client, services):
    for code in ("370116001999", services.household.code, services.unit.code, "x" * 300):
        response = client.get(reverse("services:epage", args=[code]))
        assert response.status_code == 404


def test_query_budget(client, services, django_assert_max_num_queries):
    for number in range(3, 12):
        factories.building(number, services.grid)
    client.force_login(services.users["resident"], backend=BACKEND)
    with django_assert_max_num_queries(16):
        page(client, services.grid.code)


def test_residents_land_on_their_own_pages(client, services):
    client.force_login(services.users["resident"], backend=BACKEND)
    response = client.get(reverse("services:home"))
    assert response.context["region"] == services.building.region  # her building's page
    content = response.content.decode()
    assert 'id="my-pages"' in content and "停水通知" in content
    for code in (services.community.code, services.grid.code, services.building.code):
        assert reverse("services:epage", args=[code]) in content
    anonymous = client.__class__().get(reverse("services:home"))
    assert anonymous.status_code == 200 and services.community.code in anonymous.content.decode()


def test_api_epage_masks_like_the_page(client, services):
    data = client.get(f"/api/v1/services/e/{services.community.code}/").json()
    names = {c["name"] for c in data["contacts"]}
    assert "王*" in names and "王强" not in names
    staff = [s for p in data["points"] for s in p["staff"]]
    assert staff == [{"name": "张**", "phone": "139****2222", "role": "站长"}]
    assert [n["title"] for n in data["notices"]] == ["停水通知"]
    assert client.get("/api/v1/services/e/nonsense/").status_code == 404
