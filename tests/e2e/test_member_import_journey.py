"""A community secretary imports party members in a real browser: from the members list to the
import page, a file with one bad row is refused with the bad cell listed and nothing registered;
the corrected file registers every member, and they appear in the list.

The job runs inside the upload request here (shared-cache SQLite in memory, as in the registers'
import journey); the page still polls the job until it is done."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sixfold.party.models import PartyMember
from tests import factories
from tests.party.conftest import PartyWorld
from tests.party.test_member_import import KEYS, member_file, row

pytestmark = pytest.mark.e2e


@pytest.fixture
def journey_party(transactional_db, settings):
    settings.SIXFOLD_IMPORT_INLINE = True
    return PartyWorld()


def test_secretary_imports_members_after_fixing_a_bad_row(
    live_server, journey_party, page, console_errors, tmp_path
):
    party = journey_party
    number = factories.valid_id_number(dt.date(1972, 8, 9), "M")
    factories.resident(
        party.household,
        name="冯志刚",
        gender="M",
        birth_date=dt.date(1972, 8, 9),
        id_number=number,
        relation="spouse",
    )
    rows = [
        row(id_number=number, organization=party.branch.name, joined_on="1998-07-01"),
        row(
            name="褚红梅",
            gender="女",
            phone="13600001111",
            organization=party.committee.name,
            joined_on="明年",
            in_service=True,
        ),
    ]
    bad = member_file(tmp_path / "党员名单.xlsx", rows)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "t_secretary")
    page.fill("#id_password", factories.PASSWORD)
    page.click("#login-button")
    expect(page.locator("#main")).to_be_visible()

    page.goto(f"{live_server.url}/party/members/")
    page.click("#import-members")
    expect(page).to_have_url(re.compile(r"/party/members/import/$"))
    page.set_input_files("#id_file", bad)
    page.click("#upload-button")

    expect(page.locator("#job-refused")).to_be_visible()
    errors = page.locator("#errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("入党日期")
    expect(errors.first).to_contain_text("明年")
    assert not PartyMember.objects.filter(name="褚红梅").exists()

    rows[1][KEYS.index("joined_on")] = "2012-07-01"
    good = member_file(tmp_path / "党员名单.xlsx", rows)
    page.click("#again-button")
    page.set_input_files("#id_file", good)
    page.click("#upload-button")
    expect(page.locator("#job-done")).to_be_visible()
    page.click("#members-button")
    expect(page.locator("#results")).to_contain_text("冯志刚")
    expect(page.locator("#results")).to_contain_text("褚红梅")
    assert console_errors == []
