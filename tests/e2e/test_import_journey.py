"""A community worker imports a register workbook in a real browser: the file has one bad row,
so the job page shows the report and nothing is imported; she downloads the report with the bad
cell marked, corrects that cell, uploads the corrected file and sees the summary.

The job runs inside the upload request here: the test database is SQLite in shared-cache memory,
where a job thread writing its progress and the page reading it lock each other's tables at
once (a real database file waits instead). The page still polls the job until it is done; the
thread itself is tested in tests/core/test_excel_web.py."""

import datetime as dt
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from sixfold.core import idcard
from sixfold.core.models import Resident
from tests import factories
from tests.core.excel_helpers import resident_row, workbook

pytestmark = pytest.mark.e2e
# Gender and birth date left blank: the importer reads them from the ID number.
DERIVED = {"gender": None, "birth_date": None}


@pytest.fixture
def journey_world(transactional_db, world, settings):
    settings.SIXFOLD_IMPORT_INLINE = True
    return world


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("#login-button")
    expect(page.locator("#summary")).to_be_visible()


def test_upload_see_the_report_fix_the_row_and_import(
    live_server, journey_world, page, console_errors, tmp_path
):
    world = journey_world
    good = idcard.make("370116", dt.date(1988, 6, 1), 21)
    also_good = idcard.make("370116", dt.date(1990, 2, 14), 22)
    path = workbook(
        tmp_path / "走访登记.xlsx",
        residents=[
            resident_row(
                world.household, name="周明", id_number=good, phone="13912345678", **DERIVED
            ),
            resident_row(
                world.household, name="周亮", id_number=also_good, phone="1391234", **DERIVED
            ),
        ],
    )
    log_in(page, live_server.url, "t_worker")

    # From the residents list to the import page.
    page.goto(f"{live_server.url}/residents/")
    page.click("#import-button")
    expect(page).to_have_url(re.compile(r"/registers/import/$"))
    page.set_input_files("#id_file", str(path))
    page.click("#upload-button")

    # The job page polls until the job is done: refused, with the bad cell listed.
    expect(page.locator("#job-refused")).to_be_visible()
    errors = page.locator("#errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("居民")
    expect(errors.first).to_contain_text("手机号")
    assert not Resident.objects.filter(name__in=["周明", "周亮"]).exists()

    # The report: the uploaded rows again, the bad cell red with a comment.
    with page.expect_download() as download:
        page.click("#report-button")
    report = tmp_path / "report.xlsx"
    download.value.save_as(report)
    book = openpyxl.load_workbook(report)
    sheet = book["居民"]
    header = [cell.value for cell in sheet[1]]
    phone = sheet.cell(row=3, column=header.index("手机号") + 1)
    assert phone.fill.fgColor.rgb.endswith("FFC7CE") and phone.comment is not None
    phone.value = "13912345670"
    book.save(report)

    # Upload the corrected report: both residents imported.
    page.click("#again-button")
    page.set_input_files("#id_file", str(report))
    page.click("#upload-button")
    expect(page.locator("#job-done")).to_be_visible()
    created = page.locator("#summary tr[data-sheet='居民'] [data-count='created']")
    expect(created).to_have_text("2")
    assert set(
        Resident.objects.filter(name__in=["周明", "周亮"]).values_list("name", flat=True)
    ) == {
        "周明",
        "周亮",
    }
    assert console_errors == []
