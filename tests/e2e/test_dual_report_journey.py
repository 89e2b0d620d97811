"""Dual reporting (S22) in a real browser: an in-service member on her phone claims a post of her
community and logs the hours she served; the community secretary confirms them (the points reach
the ledger), then opens the quarter's feedback letter and switches quarters with the picker."""

import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from sixfold.party.dualreport.letters import current_quarter, quarter_label
from sixfold.party.dualreport.models import PostClaim, ServicePost, ServiceRecord
from sixfold.points.models import LedgerEntry
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def journey(transactional_db):
    importlib.import_module(
        "sixfold.party.dualreport.migrations.0002_default_categories"
    ).add_defaults(apps, None)
    from tests.dualreport.conftest import DualWorld, category

    dual = DualWorld()
    dual.health = ServicePost.objects.create(
        community=dual.community,
        code=dual.community.code,
        category=category("health"),
        title="义诊志愿岗",
        place="社区卫生服务站",
        schedule="每月最后一个周六",
        capacity=3,
    )
    return dual


def log_in(page, base_url, username, password=factories.PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-button")
    expect(page.locator("#main")).to_be_visible()


def test_member_claims_and_logs_then_secretary_confirms(
    live_server, journey, phone, page, console_errors
):
    dual = journey
    # --- the member, on her phone
    log_in(phone, live_server.url, "t_member", factories.PASSWORD + "-long")
    phone.goto(f"{live_server.url}/party/dual-report/")
    expect(phone).to_have_url(re.compile(r"/party/dual-report/me/$"))
    offer = phone.locator(f"#open-posts [data-pk='{dual.health.pk}']")
    expect(offer).to_contain_text("义诊志愿岗")
    offer.locator("button[type=submit]").click()
    expect(phone.locator("#claims")).to_have_count(0)  # the post's page, member view
    expect(phone.locator("#release-post")).to_be_visible()
    assert PostClaim.objects.filter(post=dual.health, registration=dual.registration).exists()

    phone.goto(f"{live_server.url}/party/dual-report/me/")
    phone.click("#log-hours")
    today = timezone.localdate().isoformat()
    phone.fill("#id_served_on", today)
    phone.fill("#id_hours", "2.5")
    phone.select_option("#id_post", str(dual.health.pk))
    phone.fill("#id_description", "为老人测量血压")
    phone.click("#save-button")
    expect(phone).to_have_url(re.compile(r"/party/dual-report/me/$"))
    expect(phone.locator("#my-records")).to_contain_text("为老人测量血压")
    record = ServiceRecord.objects.get(description="为老人测量血压")
    assert record.status == "pending" and not LedgerEntry.objects.exists()

    # --- the secretary, at her desk
    log_in(page, live_server.url, "t_secretary")
    page.goto(f"{live_server.url}/party/")
    page.click("#nav-dual-report")
    expect(page).to_have_url(re.compile(r"/party/dual-report/$"))
    expect(page.locator("[data-count='pending']")).to_have_text("1")
    page.click("a[href$='?status=pending'] >> nth=0")
    page.click(f"[data-confirm-record='{record.pk}']")
    expect(page.locator(".alert-success")).to_be_visible()
    record.refresh_from_db()
    assert record.status == "confirmed"
    assert LedgerEntry.objects.get(key=f"dualreport:service:{record.pk}").points == 2.5

    # --- the quarter's letter, and the picker moving to the quarter before
    quarter = quarter_label(*current_quarter())
    page.goto(f"{live_server.url}/party/dual-report/letters/?quarter={quarter}")
    row = page.locator(f"#list tr[data-pk='{dual.registration.pk}']")
    expect(row).to_contain_text("2.5")
    row.locator("a[href*='/letter/']").click()
    expect(page.locator("#letter")).to_contain_text("为老人测量血压")
    expect(page.locator("#letter-hours")).to_have_text("2.5")
    expect(page.locator("#print-letter")).to_be_visible()
    options = page.locator("#quarter-select option")
    previous = options.nth(1).get_attribute("value")
    page.select_option("#quarter-select", previous)
    expect(page).to_have_url(re.compile(rf"quarter={previous}"))
    expect(page.locator("#letter")).not_to_contain_text("为老人测量血压")
    assert console_errors == []
