"""A work order's whole loop in a real browser (S9: 群众下单 → 党员领单 → 社区督单 → 公开晒单): a
resident on a phone files an order, the community accepts it, a party member claims it from the
pool (HTMX), starts and resolves it, the community verifies it, the resident rates it on her
phone, and the order appears on the community's public board for an anonymous visitor."""

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from sixfold.orders.models import Order
from tests import factories
from tests.orders.conftest import OrdersWorld

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def journey(transactional_db):
    # A browser test before this one may have flushed the tables the migrations fill.
    importlib.import_module("sixfold.orders.migrations.0002_default_categories_departments").seed(
        apps, None
    )
    return OrdersWorld()


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/?next=/orders/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("#login-button")
    expect(page.locator("#orders-nav")).to_be_visible()


def new_page(browser, console_errors):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    return context, page


def test_resident_member_community_and_the_board(
    live_server, journey, phone, browser, console_errors
):
    world = journey
    base = live_server.url

    # The resident files an order on her phone: category, text, her home is preset.
    log_in(phone, base, "t_resident")
    phone.goto(f"{base}/orders/new/")
    phone.click("label[for='id_category_0']")
    phone.fill("#id_text", "3单元楼道灯坏了一周，晚上看不见路。")
    expect(phone.locator("#id_region")).to_have_value(world.household.code)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the submit page must not scroll sideways on a phone"
    phone.click("#submit-button")
    expect(phone).to_have_url(re.compile(r"/orders/\d+/$"))
    number = phone.locator("#order-number").inner_text()
    order = Order.objects.get(number=number)
    expect(phone.locator("#timeline li[data-step='submit']")).to_be_visible()

    # The community accepts it.
    context, desk = new_page(browser, console_errors)
    log_in(desk, base, "t_worker")
    desk.goto(f"{base}/orders/desk/")
    desk.locator(f"#list tr[data-number='{number}'] a").first.click()
    desk.click("#step-accept")
    desk.click("#confirm-button")
    expect(desk.locator("[data-state='accepted']").first).to_be_visible()

    # A party member claims it from the pool (the row turns into a confirmation in place).
    member_context, member = new_page(browser, console_errors)
    log_in(member, base, "t_member")
    member.goto(f"{base}/orders/pool/")
    member.click(f"button[data-claim='{order.pk}']")
    expect(member.locator(f"#claim-result-{order.pk}")).to_contain_text(number)
    member.goto(f"{base}/orders/{order.pk}/")
    member.click("#step-start")
    expect(member.locator("[data-state='in_progress']").first).to_be_visible()
    member.click("#step-resolve")
    member.fill("#id_resolution", "已更换感应灯，并检查了线路。")
    member.click("#confirm-button")
    expect(member.locator("[data-state='resolved']").first).to_be_visible()

    # The community verifies the work (督单).
    desk.goto(f"{base}/orders/{order.pk}/")
    desk.click("#step-verify")
    expect(desk.locator("[data-state='verified']").first).to_be_visible()

    # The resident rates it on her phone; a public order goes on the board.
    phone.goto(f"{base}/orders/{order.pk}/")
    phone.click("#step-close")
    phone.click("label[for='id_rating_0']")  # the first star from the right: 5
    phone.fill("#id_comment", "修得很快，谢谢！")
    phone.click("#confirm-button")
    expect(phone.locator("[data-state='published']").first).to_be_visible()
    order.refresh_from_db()
    assert order.rating == 5

    # Anyone sees it on the community's board, the requester's name masked.
    visitor_context, visitor = new_page(browser, console_errors)
    visitor.goto(f"{base}/orders/board/{world.community.code}/")
    item = visitor.locator(f"#board article[data-number='{number}']")
    expect(item).to_contain_text("已更换感应灯")
    expect(item.locator(".sf-requester")).to_have_text(order.requester_masked)
    expect(item.locator(".sf-claimant")).to_have_text(order.claimant_name)

    for ctx in (context, member_context, visitor_context):
        ctx.close()
    assert console_errors == []
