"""The management pages: lists with search, filters and empty states under a query budget, the
Excel exports (masked phones, text never a formula), forms that return field errors and save
nothing, confirmation of destructive steps, and the audit trail of every change."""

import io

import openpyxl
import pytest
from django.urls import reverse

from sixfold.core.models import AuditEvent
from sixfold.services import actions
from sixfold.services.models import Notice, ServicePoint, ServiceStaff, Venue
from tests import factories

from .conftest import STATION_PHONE

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def worker(client, services):
    client.force_login(services.users["community_worker"], backend=BACKEND)
    return client


def rows(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


@pytest.mark.parametrize(
    "name", ["point_list", "venue_list", "notice_list", "type_list", "home", "coverage"]
)
def test_pages_within_budget(worker, services, name, django_assert_max_num_queries):
    for number in range(2, 14):
        building = factories.building(number, services.grid)
        point = actions.create_point(building.region, {}, by=None)
        actions.add_staff(point, {"name": f"楼长{number}"}, by=None)
        actions.create_venue(services.grid, {"name": f"场所{number}"}, by=None)
        actions.create_notice(services.grid, {"title": f"通知{number}", "body": "内容"}, by=None)
    with django_assert_max_num_queries(16):
        response = worker.get(reverse(f"services:{name}"))
    assert response.status_code == 200


def test_search_filters_and_empty_state(worker, services):
    response = worker.get(reverse("services:point_list"), {"search": "张建国"})
    assert list(response.context["page"]) == [services.station]
    response = worker.get(reverse("services:point_list"), {"kind": "grid_point"})
    assert list(response.context["page"]) == [services.grid_point]
    response = worker.get(
        reverse("services:venue_list"), {"service_type": services.types["health"].pk}
    )
    assert list(response.context["page"]) == [services.cube]
    response = worker.get(reverse("services:notice_list"), {"search": "没有这个"})
    assert 'id="empty"' in response.content.decode()
    response = worker.get(reverse("services:point_list"), {"page": "x", "kind": "nonsense"})
    assert response.status_code == 200


def test_exports_mask_phones_and_keep_text(worker, services):
    actions.add_staff(
        services.station, {"name": '=HYPERLINK("x")', "phone": "13800000000"}, by=None
    )
    response = worker.get(reverse("services:point_export"))
    assert response.status_code == 200
    table = rows(response)
    text = str(table)
    assert "139****2222" in text and STATION_PHONE not in text and "13800000000" not in text
    assert {r[0] for r in table[1:]} == {
        services.station.code,
        services.grid_point.code,
        services.liaison.code,
    }  # the street's centre and community 2's station are outside the worker's scope
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cell = next(
        c for row in book.worksheets[0].iter_rows() for c in row if "HYPERLINK" in str(c.value)
    )
    assert cell.data_type == "s"
    venues = rows(worker.get(reverse("services:venue_export")))
    assert [r[2] for r in venues[1:]] == ["第1社区红立方"]
    notices = rows(worker.get(reverse("services:notice_export"), {"published": "true"}))
    assert sorted(r[1] for r in notices[1:]) == ["停水通知", "过期通知"]
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORT).count() == 3


def test_bad_forms_save_nothing(worker, services):
    before = (ServicePoint.objects.count(), Venue.objects.count(), Notice.objects.count())
    response = worker.post(reverse("services:point_create"), {"region": "nope"})
    assert response.status_code == 200 and "region" in response.context["form"].errors
    response = worker.post(
        reverse("services:point_create"),
        {"region": services.second_grid.code, "service_phone": "abc"},
    )
    assert "service_phone" in response.context["form"].errors
    response = worker.post(
        reverse("services:venue_create"), {"region": services.community.code, "name": ""}
    )
    assert "name" in response.context["form"].errors
    response = worker.post(
        reverse("services:notice_create"),
        {"region": services.household.code, "title": "t", "body": "b"},
    )
    assert "region" in response.context["form"].errors  # a household has no e-page
    response = worker.post(
        reverse("services:notice_create"),
        {"region": services.grid.code, "title": "t", "body": "b", "expires_on": "2001-01-01"},
    )
    assert "expires_on" in response.context["form"].errors
    response = worker.post(
        reverse("services:staff_add", args=[services.station.pk]), {"name": "", "phone": "1"}
    )
    assert response.status_code == 400
    assert (ServicePoint.objects.count(), Venue.objects.count(), Notice.objects.count()) == before
    assert ServiceStaff.objects.count() == 1


def test_every_change_is_in_the_history(worker, services):
    url = reverse("services:point_create")
    response = worker.post(url, {"region": services.second_grid.code, "opening_hours": "全天"})
    point = ServicePoint.objects.get(region=services.second_grid)
    assert response.status_code == 302
    worker.post(reverse("services:staff_add", args=[point.pk]), {"name": "刘芳", "role": "网格员"})
    member = ServiceStaff.objects.get(point=point)
    page = worker.get(reverse("services:staff_remove", args=[member.pk]))
    assert page.status_code == 200 and ServiceStaff.objects.filter(pk=member.pk).exists()
    worker.post(reverse("services:staff_remove", args=[member.pk]))
    worker.post(reverse("services:point_delete", args=[point.pk]))
    verbs = list(
        AuditEvent.objects.filter(scope_code=services.second_grid.code)
        .order_by("id")
        .values_list("object_type", "verb")
    )
    assert verbs == [
        ("services.servicepoint", "create"),
        ("services.servicestaff", "create"),
        ("services.servicestaff", "delete"),
        ("services.servicepoint", "delete"),
    ]


def test_service_type_in_use_is_not_deleted(client, services):
    client.force_login(services.users["street_admin"], backend=BACKEND)
    health = services.types["health"]
    response = client.post(reverse("services:type_delete", args=[health.pk]))
    assert response.status_code == 400 and "confirm-errors" in response.content.decode()
    response = client.post(
        reverse("services:type_edit", args=[health.pk]),
        {"name": health.name, "order_category": "bad code!", "order": "1"},
    )
    assert "order_category" in response.context["form"].errors


def test_venue_page_offers_requests(worker, services, monkeypatch):
    from sixfold.services import views

    monkeypatch.setattr(views, "order_entry_base", lambda: "/orders/new/")
    content = worker.get(reverse("services:venue_detail", args=[services.cube.pk])).content.decode()
    assert (
        f"/orders/new/?region={services.community.code}&amp;category=elderly_disability" in content
    )
    monkeypatch.setattr(views, "order_entry_base", lambda: "")
    content = worker.get(reverse("services:venue_detail", args=[services.cube.pk])).content.decode()
    assert "sf-request" not in content


def test_the_orders_entry_page_is_reversed_when_it_exists(db):
    from django.urls import NoReverseMatch
    from django.urls import reverse as django_reverse

    from sixfold.services.views import order_entry_base, order_entry_url

    try:
        expected = django_reverse("orders:submit")
    except NoReverseMatch:
        expected = ""
    assert order_entry_base() == expected
    if expected:
        assert order_entry_url("370116001001", "health") == (
            f"{expected}?region=370116001001&category=health"
        )


def test_default_service_types_name_existing_order_categories(db):
    from django.apps import apps as django_apps

    from sixfold.services.models import ServiceType

    category = django_apps.get_model("orders", "Category")
    codes = {t.order_category for t in ServiceType.objects.all()} - {""}
    assert codes and codes <= set(category.objects.values_list("slug", flat=True))


def test_editing_a_staff_member_keeps_the_phone_unless_given(worker, services):
    member = services.station_head
    url = reverse("services:staff_edit", args=[member.pk])
    page = worker.get(url).content.decode()
    assert "139****2222" in page and STATION_PHONE not in page
    assert worker.post(url, {"name": "张建国", "role": "副站长", "phone": ""}).status_code == 302
    member.refresh_from_db()
    assert member.role == "副站长" and member.plaintext_phone() == STATION_PHONE
    worker.post(url, {"name": "张建国", "role": "副站长", "phone": "13911113333"})
    member.refresh_from_db()
    assert member.plaintext_phone() == "13911113333"
    event = AuditEvent.objects.filter(object_id=str(member.pk), verb="change").last()
    assert "13911113333" not in str(event.after)
    response = worker.post(url, {"name": "", "phone": "13911114444"})
    assert set(response.context["form"].errors) == {"name"}
    response = worker.post(url, {"name": "张建国", "phone": "abc"})
    assert set(response.context["form"].errors) == {"phone"}
    member.refresh_from_db()
    assert member.plaintext_phone() == "13911113333"
