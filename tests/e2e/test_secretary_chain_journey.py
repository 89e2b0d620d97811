"""A community secretary closes a gap in the five-level responsibility chain (S2), in a real
browser: party pillar → coverage audit → a household nobody contacts → assign a member → back at
the audit, the household coverage has risen and the gap is gone. Then a member logs in and finds
the household among her own."""

import re

import pytest
from playwright.sync_api import expect

from sixfold.party.models import ResponsibilityLink
from tests import factories
from tests.party.conftest import PartyWorld

pytestmark = pytest.mark.e2e


@pytest.fixture
def journey_party(transactional_db):
    return PartyWorld()


def log_in(page, base_url, username, password=factories.PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-button")
    expect(page.locator("#main")).to_be_visible()


def household_coverage(page):
    return page.locator("#chain-coverage tr[data-level='household'] td[data-percent]")


def test_secretary_finds_a_gap_assigns_a_member_and_coverage_rises(
    live_server, journey_party, page, console_errors
):
    party = journey_party
    log_in(page, live_server.url, "t_secretary")

    # The party pillar leads to the party's overview, and from there to the audit.
    page.click(".sf-pillars a[href='/party/']")
    expect(page).to_have_url(re.compile(r"/party/$"))
    page.click("#nav-coverage")
    expect(page).to_have_url(re.compile(r"/party/coverage/"))
    expect(household_coverage(page)).to_have_attribute("data-percent", "0.0")

    # The household of 李秀英 is listed as a gap; open it.
    gap = page.locator(f"[data-gaps='chain-household'] a[data-gap='{party.household.code}']")
    expect(gap).to_be_visible()
    gap.click()
    expect(page).to_have_url(re.compile(rf"/party/chain/{re.escape(party.household.code)}/"))
    expect(page.locator("#current-holder")).to_have_attribute("data-member", "")

    # Assign 李秀英 herself (a member of grid 1's branch) to contact her household.
    page.select_option("#id_member", str(party.member.pk))
    page.click("#assign-button")

    # Back at the audit: the gap is closed and the coverage has risen (1 of 2 households).
    expect(page).to_have_url(re.compile(r"/party/coverage/"))
    expect(page.locator(".alert-success")).to_contain_text("李秀英")
    expect(household_coverage(page)).to_have_attribute("data-percent", "50.0")
    expect(page.locator(f"a[data-gap='{party.household.code}']")).to_have_count(0)
    assert ResponsibilityLink.objects.get(region=party.household.region).member == party.member
    assert console_errors == []


def test_a_member_sees_the_households_she_contacts(
    live_server, journey_party, page, console_errors
):
    party = journey_party
    ResponsibilityLink.objects.create(
        region=party.household.region,
        code=party.household.code,
        level="household",
        member=party.member,
    )
    log_in(page, live_server.url, "t_member", factories.PASSWORD + "-long")
    page.click(".sf-pillars a[href='/party/']")
    expect(page).to_have_url(re.compile(r"/party/me/$"))
    expect(page.locator("#member-name")).to_contain_text("李秀英")
    # (the test's household node carries no address, so the list shows its room)
    expect(page.locator("#my-households")).to_contain_text(party.household.room)
    expect(page.locator("#pii-id-number")).to_have_text(party.resident.id_number_masked)
    assert console_errors == []
