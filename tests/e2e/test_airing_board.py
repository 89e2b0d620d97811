"""An anonymous visitor opens the party members' airing board (晾晒, S8) in a real browser: from
the index of communities to her community's board, where the members are ranked by stars with
their names shortened (李**), grouped into the red and yellow lists; the printable version
opens from there. On a phone the board reads as stacked rows."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sixfold.points import actions, ledger
from tests.party.conftest import PartyWorld
from tests.points.star_items import ensure_default_items

pytestmark = pytest.mark.e2e

Q3_DAY = dt.date(2026, 8, 15)


@pytest.fixture
def published(transactional_db, settings):
    settings.SIXFOLD_AIRING_RED_MIN_STARS = 2
    settings.SIXFOLD_AIRING_YELLOW_MAX_STARS = 0
    ensure_default_items()
    party = PartyWorld()
    for kind in ("activity.study", "activity.patrol", "activity.visit"):
        ledger.credit(party.member, points=5, source="activity", kind=kind, on=Q3_DAY)
    ledger.credit(
        party.neighbour_member, points=4, source="activity", kind="activity.study", on=Q3_DAY
    )
    period = actions.compute_period("2026Q3", by=None, subject_type="party.partymember")
    actions.publish_period(period, by=None)
    return party


def test_anonymous_visitor_sees_masked_names_and_the_ranking(
    live_server, published, page, console_errors
):
    page.goto(f"{live_server.url}/party/airing/")
    card = page.locator(f"#communities a[data-code='{published.community.code}']")
    expect(card).to_be_visible()
    card.click()
    expect(page).to_have_url(re.compile(rf"/party/airing/{published.community.code}/$"))
    expect(page.locator("#board-period")).to_have_text("2026Q3")

    names = page.locator("#ranking tbody .sf-name")
    expect(names).to_have_text(["李**", "王*", "孙*"])
    ranks = page.locator("#ranking tbody td:first-child")
    expect(ranks).to_have_text(["1", "2", "3"])
    expect(page.locator("#red-list [data-name]")).to_have_text([re.compile(r"李\*\* ★3")])
    expect(page.locator("#yellow-list [data-name]")).to_have_count(1)
    content = page.content()
    assert "李秀英" not in content and "王强" not in content and "孙红" not in content

    page.click("#print-version")
    expect(page).to_have_url(re.compile(r"print=1"))
    expect(page.locator("#print-now")).to_be_visible()
    expect(page.locator("nav.sf-navbar")).to_be_hidden()  # the print layout on screen
    assert console_errors == []


def test_the_board_on_a_phone(live_server, published, phone, console_errors):
    phone.goto(f"{live_server.url}/party/airing/{published.community.code}/")
    expect(phone.locator("#ranking tbody .sf-name").first).to_have_text("李**")
    # stacked rows: the table is no wider than the screen
    width = phone.evaluate("document.querySelector('#ranking').getBoundingClientRect().width")
    assert width <= 390
    assert console_errors == []
