"""The service network in a real browser (S12, S13): a community worker finds a grid without a
service point in the coverage audit, sets one up with a staff member and posts a notice; a
resident on a phone opens her community's e-page from /services/, reads the notice, sees the
staff member by name (a visitor sees the name masked) and finds the button to ask for help."""

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from sixfold.services.models import Notice, ServicePoint
from sixfold.services.views import order_entry_base
from tests import factories
from tests.services.conftest import ServicesWorld

pytestmark = pytest.mark.e2e


@pytest.fixture
def journey(transactional_db):
    importlib.import_module("sixfold.services.migrations.0002_default_service_types").add_defaults(
        apps, None
    )
    importlib.import_module("sixfold.party.migrations.0002_default_grid_posts").add_defaults(
        apps, None
    )
    return ServicesWorld()


def log_in(page, base_url, username, password=factories.PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-button")
    expect(page.locator("#main")).to_be_visible()


def test_worker_closes_a_gap_and_a_resident_reads_the_e_page(
    live_server, journey, page, phone, browser, console_errors
):
    world = journey
    log_in(page, live_server.url, "t_worker")
    page.click(".sf-pillars a[href='/services/']")
    expect(page).to_have_url(re.compile(r"/services/$"))
    page.click("#nav-coverage")
    gap = page.locator(f".sf-gaps li[data-code='{world.second_grid.code}'] a")
    expect(gap).to_be_visible()
    gap.click()
    expect(page.locator("#id_region")).to_have_value(world.second_grid.code)
    page.fill("#id_opening_hours", "周一至周五 8:30–17:30")
    page.click("#save-button")
    expect(page).to_have_url(re.compile(r"/services/points/\d+/$"))
    page.fill("#staff-form #id_name", "刘芳")
    page.fill("#staff-form #id_role", "网格员")
    page.fill("#staff-form #id_phone", "13700001234")
    page.click("#staff-form button[type=submit]")
    expect(page.locator("#staff")).to_contain_text("137****1234")
    assert ServicePoint.objects.get(region=world.second_grid).staff.get().name == "刘芳"

    page.goto(f"{live_server.url}/services/notices/new/?region={world.community.code}")
    page.fill("#id_title", "社区议事会通知")
    page.fill("#id_body", "本周五晚七点在红立方召开居民议事会。")
    page.check("#id_publish")
    page.click("#save-button")
    expect(page.locator("h1")).to_contain_text("社区议事会通知")
    assert Notice.objects.get(title="社区议事会通知").published

    log_in(phone, live_server.url, "t_resident")
    phone.goto(f"{live_server.url}/services/")
    phone.click(f"#my-pages a[href='/services/e/{world.community.code}/']")
    expect(phone.locator("#notices")).to_contain_text("社区议事会通知")
    expect(phone.locator("#points")).to_contain_text("张建国")
    entry = phone.locator("#order-entry, #order-entry-missing")
    expect(entry).to_be_visible()
    box = entry.bounding_box()
    assert box["width"] <= 390

    request = phone.locator(".sf-request[data-slug='home_elderly_care']").first
    if order_entry_base():
        # With the orders pages in place: the request opens the order form, preset to her home
        # and to the service's category.
        request.click()
        expect(phone).to_have_url(
            re.compile(rf"/orders/new/\?region={re.escape(world.household.code)}&category=")
        )
        expect(phone.locator("form")).not_to_have_count(0)

    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    anonymous = visitor.new_page()
    anonymous.goto(f"{live_server.url}/services/e/{world.community.code}/")
    expect(anonymous.locator("#points")).to_contain_text("张**")
    expect(anonymous.locator("#points")).not_to_contain_text("张建国")
    visitor.close()
    assert console_errors == []
