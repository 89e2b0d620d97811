"""What the pages show: overview, pillars, region browser, search and pagination, history,
language, error pages, and the rules every page keeps (no inline scripts, masked data)."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from sixfold.core import actions
from sixfold.core.context_processors import PILLAR_HOMES, PILLARS
from sixfold.core.models import Resident
from tests import factories

BACKEND = "django.contrib.auth.backends.ModelBackend"


def as_role(client, world, role):
    client.force_login(world.users[role], backend=BACKEND)
    return world.users[role]


# --- home -----------------------------------------------------------------------------------------
def test_home_counts_the_users_scope(client, world):
    as_role(client, world, "street_admin")
    response = client.get(reverse("core:home"))
    tree = response.context["tree"]
    assert (tree["communities"], tree["grids"], tree["households"]) == (2, 3, 3)
    assert response.context["residents"] == 3
    tags = {tag: count for tag, _label, count in response.context["tags"]}
    assert tags["elderly"] == 1  # 李秀英, born 1950
    assert set(tags) == {
        "elderly",
        "living_alone",
        "disabled",
        "low_income",
        "veteran",
        "special_care",
    }


def test_home_for_a_grid_worker(client, world):
    as_role(client, world, "grid_worker")
    response = client.get(reverse("core:home"))
    assert response.context["tree"]["households"] == 1
    assert response.context["residents"] == 1
    assert [r.code for r in response.context["roots"]] == [world.grid.code]


def test_home_shows_numbers_only_for_levels_below_the_scope(client, world):
    as_role(client, world, "street_admin")
    keys = [card[0] for card in client.get(reverse("core:home")).context["cards"]]
    assert keys == ["communities", "grids", "buildings", "households", "residents"]
    as_role(client, world, "grid_worker")
    keys = [card[0] for card in client.get(reverse("core:home")).context["cards"]]
    assert keys == ["buildings", "households", "residents"]
    as_role(client, world, "resident")
    keys = [card[0] for card in client.get(reverse("core:home")).context["cards"]]
    assert keys == ["households", "residents"]


def test_menu_offers_only_registers_the_scope_holds(client, world):
    as_role(client, world, "resident")
    content = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("core:household_list")}"' in content
    assert f'href="{reverse("core:building_list")}"' not in content
    as_role(client, world, "grid_worker")
    content = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("core:building_list")}"' in content


def test_home_tags_follow_the_register(client, world):
    as_role(client, world, "community_worker")
    actions.change_resident(world.neighbour, {"tags": ["veteran", "low_income"]}, by=None)
    actions.change_resident(world.resident, {"status": "deceased"}, by=None)
    tags = {t: n for t, _l, n in client.get(reverse("core:home")).context["tags"]}
    assert tags["veteran"] == tags["low_income"] == 1
    assert tags["elderly"] == 0  # the deceased are not counted


def test_home_chart_data_comes_in_a_json_script(client, world):
    as_role(client, world, "street_admin")
    content = client.get(reverse("core:home")).content.decode()
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', content)
    data = json.loads(match.group(1))
    assert len(data["tags"]["values"]) == 6
    assert data["breakdown"]["labels"] == ["第1社区", "第2社区"]
    assert data["breakdown"]["values"] == [2, 1]
    assert "/static/js/charts.js" in content
    assert "/static/vendor/echarts/echarts.min.js" in content


# --- the rules every page keeps -------------------------------------------------------------------
def page_urls(world):
    return [
        reverse("core:home"),
        reverse("core:region_detail", args=[world.grid.code]),
        reverse("core:building_list"),
        reverse("core:unit_list"),
        reverse("core:household_list"),
        reverse("core:resident_list"),
        reverse("core:resident_detail", args=[world.resident.pk]),
        reverse("core:household_detail", args=[world.household.pk]),
        reverse("core:resident_edit", args=[world.resident.pk]),
        reverse("core:resident_reveal", args=[world.resident.pk]),
        reverse("core:audit_log"),
        reverse("core:pillar", args=["selfgov"]),
        reverse("accounts:password_change"),
    ]


def test_pages_have_no_inline_scripts_and_no_plaintext(client, world):
    as_role(client, world, "street_admin")
    secrets = [world.resident.plaintext_id_number(), world.resident.plaintext_phone()]
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", content):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", content), url  # no inline event handlers
        for secret in secrets:
            assert secret not in content, url
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert 'name="viewport"' in content


def test_static_assets_are_vendored(client, world):
    as_role(client, world, "grid_worker")
    content = client.get(reverse("core:home")).content.decode()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', content):
        assert asset.startswith("/static/"), asset
    assert "http://" not in content and "https://" not in content


# --- pillars --------------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", [p[0] for p in PILLARS if p[0] not in PILLAR_HOMES])
def test_each_pillar_says_it_is_not_available(client, world, slug):
    as_role(client, world, "resident")
    home = client.get(reverse("core:home")).content.decode()
    assert reverse("core:pillar", args=[slug]) in home
    response = client.get(reverse("core:pillar", args=[slug]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="pillar-unavailable"' in content
    main = re.search(r"<main.*</main>", content, re.S).group(0)
    assert not re.search(r"<table|<canvas|sf-stat-value", main)


@pytest.mark.parametrize("slug", list(PILLAR_HOMES))
def test_a_pillar_with_pages_links_to_its_home(client, world, slug):
    as_role(client, world, "community_secretary")
    home = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse(PILLAR_HOMES[slug])}"' in home
    response = client.get(reverse("core:pillar", args=[slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse(PILLAR_HOMES[slug])


def test_unknown_pillar_is_404(client, world):
    as_role(client, world, "resident")
    assert client.get(reverse("core:pillar", args=["finance"])).status_code == 404


# --- region browser -------------------------------------------------------------------------------
def test_region_browser_starts_at_the_users_root(client, world):
    as_role(client, world, "community_secretary")
    response = client.get(reverse("core:region_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:region_detail", args=[world.community.code])


def test_region_browser_rows_counts_and_breadcrumb(client, world):
    as_role(client, world, "street_admin")
    response = client.get(reverse("core:region_detail", args=[world.community.code]))
    rows = {row["node"].code: row for row in response.context["rows"]}
    assert set(rows) == {world.grid.code, world.second_grid.code}
    assert rows[world.grid.code]["households"] == 1
    assert rows[world.grid.code]["residents"] == 1
    assert rows[world.grid.code]["norm"] == "under"
    content = response.content.decode()
    assert 'data-norm="under"' in content
    assert 'id="party-note"' in content  # the party-member column says what it counts
    assert [a.code for a in response.context["ancestors"]] == [world.street.code]


def test_breadcrumb_stops_at_the_users_scope(client, world):
    as_role(client, world, "grid_worker")
    unit = world.household.unit
    response = client.get(reverse("core:region_detail", args=[unit.code]))
    codes = [a.code for a in response.context["ancestors"]]
    assert codes[0] == world.grid.code
    assert world.community.code not in codes
    # At unit level the page lists the unit's households.
    assert [h.pk for h, _n in response.context["households"]] == [world.household.pk]


@pytest.mark.parametrize(
    "norm, expected", [((1, 2), "within"), ((0, 0), "over"), ((500, 800), "under")]
)
def test_grid_norm_badge(client, world, settings, norm, expected):
    settings.SIXFOLD_GRID_HOUSEHOLDS = norm
    as_role(client, world, "community_worker")
    response = client.get(reverse("core:region_detail", args=[world.grid.code]))
    assert response.context["own"]["norm"] == expected
    assert f'data-norm="{expected}"' in response.content.decode()


def test_household_level_node_opens_the_household(client, world):
    as_role(client, world, "resident")
    response = client.get(reverse("core:region_detail", args=[world.household.code]))
    assert response["Location"] == reverse("core:household_detail", args=[world.household.pk])


# --- search, filters, pagination, empty states ----------------------------------------------------
def listed(response):
    return [obj.pk for obj in response.context["page"].object_list]


def test_resident_search(client, world):
    as_role(client, world, "street_admin")
    url = reverse("core:resident_list")
    assert listed(client.get(url, {"search": "秀英"})) == [world.resident.pk]
    number = world.neighbour.plaintext_id_number()
    assert listed(client.get(url, {"search": number})) == [world.neighbour.pk]
    phone = world.other_resident.plaintext_phone()
    assert listed(client.get(url, {"search": phone})) == [world.other_resident.pk]
    assert listed(client.get(url, {"tag": "elderly"})) == [world.resident.pk]
    assert set(listed(client.get(url, {"gender": "F"}))) == {
        world.resident.pk,
        world.other_resident.pk,
    }
    assert listed(client.get(url, {"region": world.second_grid.code})) == [world.neighbour.pk]


def test_household_search_by_member_name(client, world):
    as_role(client, world, "grid_worker")
    response = client.get(reverse("core:household_list"), {"search": "李秀英"})
    assert listed(response) == [world.household.pk]


def test_bad_filter_values_do_not_break_the_list(client, world):
    as_role(client, world, "street_admin")
    response = client.get(
        reverse("core:resident_list"),
        {"gender": "Q", "tag": "nonsense", "status": "x", "household": "abc", "page": "zz"},
    )
    assert response.status_code == 200
    assert response.context["filter"].form.errors


def test_pagination_fifty_per_page(client, world):
    as_role(client, world, "grid_worker")
    for index in range(55):
        factories.resident(world.household, name=f"居民{index:02d}")
    url = reverse("core:resident_list")
    first = client.get(url)
    assert len(listed(first)) == 50
    assert first.context["page"].paginator.num_pages == 2
    assert 'rel="next"' in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(listed(second)) == 6
    assert not set(listed(first)) & set(listed(second))
    # The page links keep the filters.
    filtered = client.get(url, {"search": "居民"})
    assert "search=%E5%B1%85%E6%B0%91&amp;page=2" in filtered.content.decode()
    # A page past the end shows the last page rather than an error.
    assert listed(client.get(url, {"page": 99})) == listed(second)


def test_empty_states(client, world):
    as_role(client, world, "grid_worker")
    response = client.get(reverse("core:resident_list"), {"search": "不存在的人"})
    assert listed(response) == []
    assert 'id="empty"' in response.content.decode()
    Resident.objects.all().delete()
    response = client.get(reverse("core:resident_list"))
    assert 'id="empty"' in response.content.decode()


def test_live_search_swaps_only_the_results(client, world):
    as_role(client, world, "grid_worker")
    content = client.get(reverse("core:resident_list")).content.decode()
    assert 'hx-select="#results"' in content
    assert 'id="results"' in content


# --- history --------------------------------------------------------------------------------------
def test_history_shows_verbose_names_before_and_after(client, world):
    admin = as_role(client, world, "community_worker")
    actions.change_resident(world.resident, {"status": "non_registered", "note": "租住"}, by=admin)
    response = client.get(reverse("core:resident_detail", args=[world.resident.pk]))
    content = response.content.decode()
    history = content[content.index('id="history"') :]
    assert 'data-verb="change"' in history
    status_label = str(Resident._meta.get_field("status").verbose_name)
    assert status_label.capitalize() in history or status_label in history
    registered = str(dict(Resident.Status.choices)["registered"])
    non_registered = str(dict(Resident.Status.choices)["non_registered"])
    assert f'<span class="sf-before">{registered}</span>' in history
    assert f'<span class="sf-after">{non_registered}</span>' in history
    assert '<span class="sf-after">租住</span>' in history
    assert admin.username in history
    # Masked values only, never the stored ciphertext or hashes.
    assert "id_number_hash" not in history and "_enc" not in history


def test_history_of_buildings_units_and_households(client, world):
    worker = as_role(client, world, "community_worker")
    unit = world.household.unit
    actions.change_building(unit.building, {"name": "甲栋"}, by=worker)
    actions.change_unit(unit, {"floors": 12}, by=worker)
    actions.change_household(world.household, {"tags": ["focus"]}, by=worker)
    building_page = client.get(reverse("core:building_detail", args=[unit.building.pk]))
    assert '<span class="sf-after">甲栋</span>' in building_page.content.decode()
    unit_page = client.get(reverse("core:unit_detail", args=[unit.pk]))
    assert '<span class="sf-after">12</span>' in unit_page.content.decode()
    household_page = client.get(reverse("core:household_detail", args=[world.household.pk]))
    focus = str(dict(world.household.Tag.choices)["focus"])
    assert f'<span class="sf-after">{focus}</span>' in household_page.content.decode()


def test_history_of_a_region_node(client, world):
    worker = as_role(client, world, "community_worker")
    actions.change_region(world.grid, {"name": "幸福网格"}, by=worker)
    response = client.get(reverse("core:region_detail", args=[world.grid.code]))
    assert '<span class="sf-after">幸福网格</span>' in response.content.decode()
    unit_page = client.get(reverse("core:region_detail", args=[world.household.unit.code]))
    assert unit_page.context["events"] is None  # the unit's record page carries it


def test_history_records_reveals_with_their_purpose(client, world):
    as_role(client, world, "grid_worker")
    url = reverse("core:resident_reveal", args=[world.resident.pk])
    client.post(url, {"purpose": "社区核查"})
    page = client.get(reverse("core:resident_detail", args=[world.resident.pk]))
    content = page.content.decode()
    assert 'data-verb="reveal"' in content
    assert "社区核查" in content


# --- audit log ------------------------------------------------------------------------------------
def test_audit_log_filters(client, world):
    admin = as_role(client, world, "street_admin")
    actions.change_resident(world.resident, {"note": "甲"}, by=admin)
    actions.change_household(world.other_household, {"note": "乙"}, by=admin)
    url = reverse("core:audit_log")

    def types(**params):
        return {e.object_type for e in client.get(url, params).context["page"].object_list}

    assert types(object_type="core.household") == {"core.household"}
    assert types(verb="change", region=world.community.code) == {"core.resident"}
    assert types(actor="t_street") >= {"core.resident", "core.household"}
    assert types(actor="nobody") == set()
    event = client.get(url, {"verb": "change"}).context["page"].object_list[0]
    by_request = client.get(url, {"request_id": event.request_id or "none"})
    assert all(e.request_id == event.request_id for e in by_request.context["page"].object_list)
    response = client.get(url, {"date_from": "2030-01-02", "date_to": "2030-01-01"})
    assert "date_to" in response.context["form"].errors
    assert client.get(url, {"date_from": "not a date"}).status_code == 200


# --- language and errors --------------------------------------------------------------------------
def test_language_switch(client, world):
    as_role(client, world, "grid_worker")
    home = reverse("core:home")
    assert b'<html lang="zh-hans">' in client.get(home).content
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    assert b'<html lang="en">' in client.get(home).content
    client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    assert b'<html lang="zh-hans">' in client.get(home).content


def test_error_pages_use_the_sites_templates(client, world):
    as_role(client, world, "resident")
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    assert "404.html" in [t.name for t in missing.templates]
    assert b'data-status="404"' in missing.content
    forbidden = client.get(reverse("core:resident_edit", args=[world.resident.pk]))
    assert forbidden.status_code == 403
    assert "403.html" in [t.name for t in forbidden.templates]


def test_server_error_page(world, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type(
        "urls", (), {"urlpatterns": [path("boom/", boom)], "handler500": None}
    )
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert b"500" in response.content
    assert b"/static/vendor/bootstrap/bootstrap.min.css" in response.content


def test_csrf_failure_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["grid_worker"], backend=BACKEND)
    response = client.post(reverse("core:resident_edit", args=[world.resident.pk]), {})
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
