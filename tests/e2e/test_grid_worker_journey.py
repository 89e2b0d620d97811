"""A grid worker's day, in a real browser: log in, find a household, open a resident, edit the
record, and see the change in the resident's history; then reveal the ID number for a stated
purpose. A second journey checks the same pages on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def journey_world(transactional_db, world):
    return world


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("#login-button")
    expect(page.locator("#summary")).to_be_visible()


def test_grid_worker_edits_a_resident_and_sees_the_history(
    live_server, journey_world, page, console_errors
):
    world = journey_world
    log_in(page, live_server.url, "t_grid")

    # The overview draws its charts from the server's data.
    expect(page.locator("#chart-tags canvas")).to_have_count(1)

    # Registers → Households, then search by a member's name (results swap in place).
    page.click("#registers-menu")
    page.click("#main-nav a[href='/households/']")
    expect(page).to_have_url(re.compile(r"/households/$"))
    page.fill("input[name=search]", "李秀英")
    page.keyboard.press("Enter")
    row = page.locator(f"#results tr[data-pk='{world.household.pk}']")
    expect(row).to_be_visible()
    expect(page.locator("#results tbody tr")).to_have_count(1)
    row.locator("a").first.click()

    # The household page lists its members; open the resident.
    expect(page).to_have_url(re.compile(rf"/households/{world.household.pk}/$"))
    page.click(f"#members a[href='/residents/{world.resident.pk}/']")
    expect(page.locator("#resident-name")).to_contain_text("李秀英")
    expect(page.locator("#pii-id-number")).to_have_text(world.resident.id_number_masked)
    expect(page.locator("#delete-button")).to_have_count(0)  # grid workers do not delete

    # Edit: new note and residence status.
    page.click("#edit-button")
    page.fill("#id_note", "网格员走访：身体良好")
    page.select_option("#id_status", "non_registered")
    page.click("#save-button")

    expect(page).to_have_url(re.compile(rf"/residents/{world.resident.pk}/$"))
    expect(page.locator("#resident-note")).to_contain_text("网格员走访：身体良好")
    change = page.locator("#history li[data-verb='change']").first
    expect(change).to_contain_text("t_grid")
    expect(change.locator(".sf-after", has_text="网格员走访：身体良好")).to_be_visible()
    expect(change.locator("dt[data-field='status']")).to_be_visible()

    # Reveal the ID number with a purpose: an HTMX form, then the plaintext in place.
    page.click("#reveal-button")
    page.fill("#id_purpose", "核对高龄补贴申请")
    page.click("#reveal-form button[type=submit]")
    expect(page.locator("#pii-id-number")).to_have_text(world.resident.plaintext_id_number())
    expect(page.locator("#reveal-done")).to_be_visible()
    page.reload()
    expect(page.locator("#pii-id-number")).to_have_text(world.resident.id_number_masked)
    expect(page.locator("#history li[data-verb='reveal']")).to_contain_text("核对高龄补贴申请")

    # Log out from the user menu.
    page.click("#user-menu")
    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    assert console_errors == []


def test_phone_layout(live_server, journey_world, phone, console_errors):
    log_in(phone, live_server.url, "t_grid")
    # The menu folds behind the toggler and opens on a tap.
    expect(phone.locator("#main-nav")).to_be_hidden()
    phone.click(".navbar-toggler")
    expect(phone.locator("#main-nav")).to_be_visible()
    # Lists turn into one card per row: no table header, each cell labelled.
    phone.goto(f"{live_server.url}/residents/")
    expect(phone.locator("#list thead")).to_be_hidden()
    cell = phone.locator("#list tbody tr td").first
    label = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label.strip('"')
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    assert console_errors == []
