"""The yearly party-spirit check-up (S7) in a real browser: the secretary opens the check-up
(with a confirmation), the member assesses herself from her party record, a resident rates her
on a phone, the branch secretary gives the organisation's assessment, and once the secretary
closes the check-up the member's sheet shows her total and grade."""

import re

import pytest
from playwright.sync_api import expect

from sixfold.party.checkup.models import Assessment, CheckupResult
from tests import factories
from tests.checkup.conftest import CheckupWorld

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    return CheckupWorld()


def log_in(page, base_url, username, password=factories.PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-button")
    expect(page.locator("#main")).to_be_visible()


def log_out(page):
    page.context.clear_cookies()


def score(page, world, a, b):
    page.fill(f"#id_score_{world.a.pk}", str(a))
    page.fill(f"#id_score_{world.b.pk}", str(b))
    page.click("#save-button")


def test_a_check_up_from_opening_to_grade(live_server, world, page, phone, console_errors):
    url = live_server.url
    cycle = world.cycle

    # The secretary finds the check-up through the party navigation and opens it.
    log_in(page, url, "t_secretary")
    page.goto(f"{url}/party/")
    page.click("#nav-checkup")
    page.click(f"#list tr[data-pk='{cycle.pk}'] a")
    page.click("#open-cycle")
    expect(page.locator("#confirm-button")).to_be_visible()
    page.click("#confirm-button")
    expect(page.locator("#cycle-name [data-status='open']")).to_be_visible()
    log_out(page)

    # The member assesses herself from her party record.
    log_in(page, url, "t_member", factories.PASSWORD + "-long")
    page.goto(f"{url}/party/me/")
    page.click("#my-checkup")
    page.click("#self-assess")
    score(page, world, 11, 5)  # over the maximum: refused, nothing saved
    expect(page.locator("#form-errors")).to_be_visible()
    score(page, world, 10, 5)
    expect(page).to_have_url(re.compile(r"/party/checkup/me/$"))
    expect(page.locator(".alert-success")).to_be_visible()

    # A resident of her community rates her on a phone.
    log_in(phone, url, "t_resident")
    phone.goto(f"{url}/party/checkup/rate/")
    phone.click(f"li[data-pk='{world.member.pk}'] a")
    score(phone, world, 8, 4)
    expect(phone.locator(f"li[data-pk='{world.member.pk}'] .bi-check-circle-fill")).to_be_visible()

    # The branch secretary gives the organisation's assessment on the member's sheet.
    log_out(page)
    log_in(page, url, "t_branch")
    page.goto(f"{url}/party/checkup/{cycle.pk}/members/{world.member.pk}/")
    page.click("#assess-organization")
    score(page, world, 9, 5)
    expect(page.locator("#sheet tr[data-party='organization'] td").nth(2)).to_have_text("1")
    assert Assessment.objects.count() == 3
    log_out(page)

    # The secretary closes the check-up; the sheet shows the frozen total and grade.
    log_in(page, url, "t_secretary")
    page.goto(f"{url}/party/checkup/{cycle.pk}/close/")
    page.click("#confirm-button")
    page.goto(f"{url}/party/checkup/{cycle.pk}/members/{world.member.pk}/")
    result = CheckupResult.objects.get(cycle=cycle, member=world.member)
    expect(page.locator("#total")).to_have_text(str(result.total))
    expect(page.locator("#grade [data-grade]")).to_have_attribute("data-grade", result.grade)
    assert console_errors == []
