"""Regressions found by walking the service-network pages: a new point, venue or notice starts
on the only area its author manages, so a community worker need not look up her own code."""

import pytest
from django.urls import reverse

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.mark.parametrize("name", ["point_create", "venue_create", "notice_create"])
def test_new_rows_start_on_the_authors_only_area(client, services, name):
    client.force_login(services.users["community_worker"], backend=BACKEND)
    url = reverse(f"services:{name}")
    content = client.get(url).content.decode()
    assert f'value="{services.community.code}"' in content
    # a link naming a node still wins
    content = client.get(url, {"region": services.grid.code}).content.decode()
    assert f'value="{services.grid.code}"' in content
    # a street admin manages one area too: the street
    client.force_login(services.users["street_admin"], backend=BACKEND)
    assert f'value="{services.street.code}"' in client.get(url).content.decode()


def test_a_notices_posting_time_is_not_called_the_boards_time():
    # "published at" is the work orders' 晒单时间; a notice is posted (发布), not aired.
    from sixfold.orders.models import Order
    from sixfold.services.models import Notice

    notice_label = Notice._meta.get_field("published_at").verbose_name
    assert str(notice_label) != str(Order._meta.get_field("published_at").verbose_name)
    assert notice_label == "posted at"


def test_a_request_for_a_venues_service_names_the_service_and_the_venue(client, services):
    from urllib.parse import quote

    from sixfold.services.views import order_entry_url

    client.force_login(services.users["community_worker"], backend=BACKEND)
    content = client.get(reverse("services:venue_detail", args=[services.cube.pk])).content.decode()
    service = services.cube.service_types.get(order_category="elderly_disability")
    title = quote(f"{service.name} · {services.cube.name}".replace(" ", "+"), safe="+")
    assert f"category=elderly_disability&amp;title={title}" in content
    # the order form takes the title and shows it
    url = order_entry_url(services.community.code, "elderly_disability", "居家养老 · 红立方")
    content = client.get(url).content.decode()
    assert 'value="居家养老 · 红立方"' in content


def test_service_types_show_the_name_of_their_order_category(client, services):
    client.force_login(services.users["community_worker"], backend=BACKEND)
    content = client.get(reverse("services:type_list")).content.decode()
    from sixfold.orders.models import Category

    name = Category.objects.get(slug="elderly_disability").name
    assert f'{name} <code class="small">elderly_disability</code>' in content
