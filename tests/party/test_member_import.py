"""Importing party members from Excel: a good file registers every member through the action; a
file with any bad row registers none and says where each problem is; rows outside the uploader's
area, duplicates and files that are not the template are refused with a message, never a 500."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sixfold.core import idcard
from sixfold.core.excel.cells import READERS, CellError
from sixfold.core.models import AuditEvent, ImportJob
from sixfold.party import actions, imports
from sixfold.party.models import PartyMember
from tests import factories

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"
KEYS = [c.key for c in imports.MEMBERS.columns]
COMMITTED = None
UNKNOWN_ID = idcard.make("110101", dt.date(1990, 3, 7), 123)


@pytest.fixture(autouse=True)
def _inline_jobs(settings, django_capture_on_commit_callbacks):
    settings.SIXFOLD_IMPORT_INLINE = True
    global COMMITTED
    COMMITTED = django_capture_on_commit_callbacks


def row(**values) -> list:
    cells = []
    for key in KEYS:
        value = values.get(key)
        if value is True:
            value = "是"
        cells.append(value)
    return cells


def member_file(path, rows, user=None) -> str:
    """The downloadable template with `rows` typed into its 党员 sheet."""
    buffer = io.BytesIO()
    imports.template_workbook(user).save(buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book["党员"]
    for values in rows:
        sheet.append(values)
    book.save(path)
    return str(path)


class People:
    """Two residents of community 1 who are not members yet, and one of community 2."""

    def __init__(self, party):
        self.first_id = factories.valid_id_number(dt.date(1970, 1, 2), "M")
        self.second_id = factories.valid_id_number(dt.date(1985, 6, 7), "F")
        self.other_id = factories.valid_id_number(dt.date(1966, 3, 4), "M")
        self.first = factories.resident(
            party.household,
            name="周建国",
            gender="M",
            birth_date=dt.date(1970, 1, 2),
            id_number=self.first_id,
            relation="spouse",
        )
        self.second = factories.resident(
            party.neighbour_household,
            name="吴丽",
            gender="F",
            birth_date=dt.date(1985, 6, 7),
            id_number=self.second_id,
            relation="spouse",
        )
        self.other = factories.resident(
            party.other_household,
            name="郑伟",
            gender="M",
            birth_date=dt.date(1966, 3, 4),
            id_number=self.other_id,
            relation="spouse",
        )


@pytest.fixture
def people(party):
    return People(party)


def good_rows(party, people) -> list[list]:
    return [
        row(
            id_number=people.first_id,
            name="周建国",
            organization=party.branch.name,
            group=party.group.code,
            standing="正式党员",
            joined_on=dt.date(1995, 7, 1),
            full_on=dt.date(1996, 7, 1),
            elderly=True,
        ),
        row(
            id_number=people.second_id,
            organization=party.committee.code,
            standing="预备党员",
            joined_on="2024/7/1",
        ),
        row(
            name="钱进",
            gender="男",
            phone="13700001234",
            organization=party.committee.name,
            joined_on=dt.date(2010, 5, 4),
            in_service=True,
            employer="市第一医院",
            transferred_from="市卫健委机关党委",
        ),
    ]


def messages(result) -> list[str]:
    return [e.message for e in result.errors]


# --- the importer ----------------------------------------------------------------------------------
def test_a_good_file_registers_every_member_through_the_action(party, people, tmp_path):
    secretary = party.users["community_secretary"]
    before = PartyMember.objects.count()
    path = member_file(tmp_path / "good.xlsx", good_rows(party, people), secretary)
    result = imports.import_members(path, by=secretary)
    assert result.ok, result.errors
    assert result.created == 3
    assert PartyMember.objects.count() == before + 3
    first = PartyMember.objects.get(resident=people.first)
    assert (first.organization, first.group, first.elderly) == (party.branch, party.group, True)
    assert first.full_on == dt.date(1996, 7, 1)
    second = PartyMember.objects.get(resident=people.second)
    assert (second.organization, second.standing) == (party.committee, "probationary")
    assert second.joined_on == dt.date(2024, 7, 1)
    external = PartyMember.objects.get(name="钱进")
    assert external.in_service and external.employer == "市第一医院"
    assert external.phone_masked == "137****1234"
    assert external.transfers.get().from_name == "市卫健委机关党委"
    # One create event per member (the action's), and one for the file.
    creates = AuditEvent.objects.filter(verb="create", object_type="party.partymember")
    assert creates.count() >= 3
    assert AuditEvent.objects.get(pk=result.event_id).after["created"] == 3


def test_a_dry_run_checks_everything_and_writes_nothing(party, people, tmp_path):
    before = PartyMember.objects.count()
    path = member_file(tmp_path / "good.xlsx", good_rows(party, people))
    result = imports.import_members(path, by=party.users["street_admin"], dry_run=True)
    assert result.ok and result.dry_run and result.rows == 3
    assert PartyMember.objects.count() == before
    assert not AuditEvent.objects.filter(verb="import").exists()


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({"id_number": "370116197001020000"}, "身份证号", "check"),
        ({"id_number": UNKNOWN_ID}, "身份证号", "No resident"),
        ({"organization": "不存在的党委"}, "所属党组织", "No party organisation"),
        ({"organization": None}, "所属党组织", "fill in"),
        ({"joined_on": "去年"}, "入党日期", "date"),
        ({"joined_on": None}, "入党日期", "fill in"),
        ({"joined_on": dt.date.today() + dt.timedelta(days=40)}, "入党日期", "future"),
        ({"standing": "积极分子"}, "党员类别", "not one of the choices"),
        ({"elderly": "也许"}, "老党员", "yes"),
        ({"full_on": dt.date(1990, 1, 1)}, "转正日期", "before joining"),
        ({"name": "别人"}, "姓名", "another name"),
        ({"phone": "13800000000"}, "手机号", "register"),
        ({"group": "没有这个党小组"}, "党小组", "group"),
        ({"employer": "单" * 101}, "工作单位", "Too long"),
    ],
)
def test_each_bad_cell_is_reported_and_nothing_is_applied(
    party, people, tmp_path, change, column, fragment
):
    rows = good_rows(party, people)
    values = dict(zip(KEYS, rows[0], strict=True)) | change
    rows[0] = row(**values)
    before = PartyMember.objects.count()
    path = member_file(tmp_path / "bad.xlsx", rows)
    result = imports.import_members(path, by=party.users["community_secretary"])
    assert not result.ok
    assert PartyMember.objects.count() == before
    assert not AuditEvent.objects.filter(verb="import").exists()
    bad = [e for e in result.errors if e.row == 2]
    assert bad, result.errors
    assert any(e.column == column for e in bad), result.errors
    assert any(fragment.lower() in e.message.lower() for e in bad), messages(result)
    # Only row 2 was wrong: the other rows are not blamed.
    assert all(e.row == 2 for e in result.errors)


def test_an_external_member_needs_a_name(party, tmp_path):
    path = member_file(
        tmp_path / "f.xlsx",
        [row(organization=party.committee.name, joined_on=dt.date(2001, 7, 1))],
    )
    result = imports.import_members(path, by=party.users["community_secretary"])
    assert [e.column for e in result.errors] == ["姓名"]


def test_rows_outside_the_uploaders_area_are_refused(party, people, tmp_path):
    rows = [
        *good_rows(party, people),
        # A resident of community 2, and community 2's organisation.
        row(id_number=people.other_id, organization=party.committee.name, joined_on="2001-07-01"),
        row(name="冯某", organization=party.other_committee.name, joined_on="2001-07-01"),
        row(name="陈某", organization=party.other_committee.code, joined_on="2001-07-01"),
    ]
    path = member_file(tmp_path / "scope.xlsx", rows)
    result = imports.import_members(path, by=party.users["community_secretary"])
    assert {(e.row, e.column) for e in result.errors} == {
        (5, "身份证号"),
        (6, "所属党组织"),
        (7, "所属党组织"),
    }
    assert not PartyMember.objects.filter(resident=people.first).exists()
    # The street admin's area holds them all.
    result = imports.import_members(path, by=party.users["street_admin"])
    assert result.ok, result.errors
    assert PartyMember.objects.filter(resident=people.other).exists()


def test_duplicate_members_are_refused(party, people, tmp_path):
    rows = good_rows(party, people)
    rows += [
        rows[0],  # the same resident twice in the file
        row(
            name=party.external.name,  # already registered, same name and phone
            gender="女",
            phone="13900001111",
            organization=party.committee.name,
            joined_on="2001-07-01",
        ),
    ]
    path = member_file(tmp_path / "dup.xlsx", rows)
    before = PartyMember.objects.count()
    result = imports.import_members(path, by=party.users["community_secretary"])
    by_row = {e.row: e.message for e in result.errors}
    assert set(by_row) == {5, 6}
    assert "twice" in by_row[5]
    assert "already registered" in by_row[6]
    assert PartyMember.objects.count() == before
    # A resident who is a member already.
    actions.create_member(
        party.branch, {"resident": people.first, "joined_on": dt.date(2001, 7, 1)}, by=None
    )
    path = member_file(tmp_path / "again.xlsx", good_rows(party, people)[:1])
    result = imports.import_members(path, by=party.users["community_secretary"])
    assert [e.column for e in result.errors] == ["身份证号"]
    assert "already registered" in messages(result)[0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"not a workbook at all", "cannot be read"),
        (b"PK\x03\x04broken zip", "cannot be read"),
    ],
)
def test_files_that_are_no_workbook_get_a_message(party, tmp_path, content, fragment):
    path = tmp_path / "members.xlsx"
    path.write_bytes(content)
    result = imports.import_members(str(path), by=party.users["street_admin"])
    assert fragment in messages(result)[0]


def test_a_register_template_or_an_empty_template_is_refused(party, tmp_path):
    from sixfold.core.excel.template import write_template

    register = tmp_path / "register.xlsx"
    write_template(register)
    result = imports.import_members(str(register), by=party.users["street_admin"])
    assert "not the party member template" in messages(result)[0]
    empty = member_file(tmp_path / "empty.xlsx", [])
    result = imports.import_members(empty, by=party.users["street_admin"])
    assert "no rows" in messages(result)[0]


def test_the_report_marks_the_bad_cells_and_imports_once_corrected(party, people, tmp_path):
    rows = good_rows(party, people)
    rows[1][KEYS.index("organization")] = "不存在的党委"
    path = member_file(tmp_path / "bad.xlsx", rows)
    result = imports.import_members(path, by=party.users["community_secretary"])
    report = tmp_path / "report.xlsx"
    imports.write_report(result, report)
    book = openpyxl.load_workbook(report)
    assert book.sheetnames[0] == "错误清单"
    letter = "ABCDEFGHIJKLMNOPQ"[KEYS.index("organization")]
    cell = book["党员"][f"{letter}3"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "No party organisation" in cell.comment.text
    # Correct the cell in the report and upload the report itself.
    book["党员"][f"{letter}3"] = party.committee.name
    book.save(report)
    result = imports.import_members(str(report), by=party.users["community_secretary"])
    assert result.ok, result.errors
    assert result.created == 3


# --- the pages -----------------------------------------------------------------------------------
def upload(client, path, **extra):
    with open(path, "rb") as handle, COMMITTED(execute=True):
        return client.post(reverse("party:member_import"), {"file": handle, **extra})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("street_admin", 200),
        ("community_secretary", 200),
        ("community_worker", 403),
        ("grid_worker", 403),
        ("branch_secretary", 403),
        ("party_member", 403),
        ("resident", 403),
    ],
)
def test_who_may_import(client, party, role, status):
    client.force_login(party.users[role], backend=BACKEND)
    assert client.get(reverse("party:member_import")).status_code == status
    assert client.get(reverse("party:member_import_template")).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, party):
    response = client.get(reverse("party:member_import"))
    assert response.status_code == 302 and "login" in response.url


def test_the_members_list_links_to_the_import(client, party):
    client.force_login(party.users["community_secretary"], backend=BACKEND)
    page = client.get(reverse("party:member_list")).content.decode()
    assert reverse("party:member_import") in page
    client.force_login(party.users["community_worker"], backend=BACKEND)
    page = client.get(reverse("party:member_list")).content.decode()
    assert reverse("party:member_import") not in page


def test_the_template_has_headers_notes_and_drop_downs(client, party):
    client.force_login(party.users["community_secretary"], backend=BACKEND)
    response = client.get(reverse("party:member_import_template"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:2] == ["说明", "党员"]
    sheet = book["党员"]
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "身份证号" and "所属党组织*" in headers and "入党日期*" in headers
    assert sheet["E1"].comment is not None
    validated = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
    assert {"C2", "G2", "J2"} <= validated  # gender, standing, a flag
    notes = "\n".join(str(c.value) for r in book["说明"].iter_rows() for c in r if c.value)
    assert party.committee.name in notes and party.other_committee.name not in notes


def test_upload_applies_and_the_job_page_says_so(client, party, people, tmp_path):
    secretary = party.users["community_secretary"]
    client.force_login(secretary, backend=BACKEND)
    path = member_file(tmp_path / "good.xlsx", good_rows(party, people))
    response = upload(client, path)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "party:member_import_job", args=[job.pk]
    )
    job.refresh_from_db()
    assert job.status == "applied" and job.summary["members"]["created"] == 3
    page = client.get(response.url)
    assert page.status_code == 200 and 'id="job-done"' in page.content.decode()
    assert client.get(response.url, HTTP_HX_REQUEST="true").status_code == 200
    listing = client.get(reverse("party:member_import")).content.decode()
    assert "good.xlsx" in listing


def test_a_refused_upload_offers_the_report_to_its_uploader_only(client, party, people, tmp_path):
    client.force_login(party.users["community_secretary"], backend=BACKEND)
    rows = good_rows(party, people)
    rows[0][KEYS.index("joined_on")] = "去年"
    response = upload(client, member_file(tmp_path / "bad.xlsx", rows))
    job = ImportJob.objects.get()
    assert job.status == "refused" and job.error_count == 1
    page = client.get(response.url).content.decode()
    assert 'id="job-refused"' in page and "去年" in page
    report = client.get(reverse("party:member_import_report", args=[job.pk]))
    assert report.status_code == 200
    assert PartyMember.objects.filter(resident=people.first).count() == 0
    client.force_login(party.users["street_admin"], backend=BACKEND)
    assert client.get(response.url).status_code == 404
    assert client.get(reverse("party:member_import_report", args=[job.pk])).status_code == 404


def test_a_dry_run_upload_changes_nothing(client, party, people, tmp_path):
    client.force_login(party.users["community_secretary"], backend=BACKEND)
    before = PartyMember.objects.count()
    upload(client, member_file(tmp_path / "good.xlsx", good_rows(party, people)), dry_run="on")
    assert ImportJob.objects.get().status == "checked"
    assert PartyMember.objects.count() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [("members.csv", b"a,b\n1,2\n"), ("members.xlsx", b""), ("members.xlsx", b"\x00junk")],
)
def test_wrong_or_broken_files_get_a_clear_error(client, party, tmp_path, name, content):
    client.force_login(party.users["community_secretary"], backend=BACKEND)
    path = tmp_path / name
    path.write_bytes(content)
    response = upload(client, path)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        job = ImportJob.objects.get()
        assert job.status == "refused"
        assert client.get(response.url).status_code == 200


# --- the command ---------------------------------------------------------------------------------
def test_the_command_imports_and_checks(party, people, tmp_path, capsys):
    path = member_file(tmp_path / "good.xlsx", good_rows(party, people))
    before = PartyMember.objects.count()
    call_command("import_members", path, "--dry-run", "--as", "t_secretary")
    assert PartyMember.objects.count() == before
    call_command("import_members", path, "--as", "t_secretary")
    assert PartyMember.objects.count() == before + 3
    assert "3" in capsys.readouterr().out


def test_the_command_reports_errors_and_exits_1(party, people, tmp_path, capsys):
    rows = good_rows(party, people)
    rows[0][KEYS.index("standing")] = "积极分子"
    path = member_file(tmp_path / "bad.xlsx", rows)
    report = tmp_path / "report.xlsx"
    with pytest.raises(CommandError) as failure:
        call_command("import_members", path, "--as", "t_secretary", "--report", str(report))
    assert failure.value.returncode == 1
    out = capsys.readouterr().out
    assert "党员!G2" in out and report.exists()
    with pytest.raises(CommandError):
        call_command("import_members", path, "--as", "t_worker")
    with pytest.raises(CommandError):
        call_command("import_members", str(tmp_path / "missing.xlsx"))


# --- the cell readers never crash ----------------------------------------------------------------
CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(),
    st.datetimes(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=CELL_VALUES)
def test_every_member_column_reads_a_value_or_says_why_not(value):
    for column in imports.MEMBERS.columns:
        try:
            READERS[column.kind](value, column)
        except CellError as exc:
            assert str(exc)


def test_the_pages_stay_within_a_query_budget(
    client, party, people, tmp_path, django_assert_max_num_queries
):
    client.force_login(party.users["community_secretary"], backend=BACKEND)
    for _ in range(3):
        upload(client, member_file(tmp_path / "good.xlsx", good_rows(party, people)), dry_run="on")
    job = ImportJob.objects.first()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("party:member_import")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("party:member_import_job", args=[job.pk])).status_code == 200


# --- the background job ----------------------------------------------------------------------------
def _queued_job(party, tmp_path, people):
    from sixfold.core.excel import files

    path = member_file(tmp_path / "good.xlsx", good_rows(party, people))
    with open(path, "rb") as handle:
        data = handle.read()
    return ImportJob.objects.create(
        created_by=party.users["community_secretary"],
        file_name="good.xlsx",
        upload_path=files.store(data, ".xlsx"),
        summary={"kind": imports.JOB_KIND},
    )


def test_the_job_runs_in_a_thread_without_a_broker_and_on_celery_with_one(
    party, people, tmp_path, settings, monkeypatch
):
    settings.SIXFOLD_IMPORT_INLINE = False
    started, sent = [], []
    monkeypatch.setattr(imports, "start_thread", started.append)
    monkeypatch.setattr(imports.run_member_import_job, "delay", sent.append)
    job = _queued_job(party, tmp_path, people)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with COMMITTED(execute=True):
        imports.enqueue(job)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with COMMITTED(execute=True):
        imports.enqueue(job)
    assert started == [job.pk] and sent == [str(job.pk)]


def test_the_job_reports_progress_and_keeps_its_outcome(party, people, tmp_path):
    job = _queued_job(party, tmp_path, people)
    imports.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "applied" and job.rows_done == job.rows_total == 3
    assert job.upload_path == "" and job.finished_at is not None
    imports.run_job(job.pk)  # a finished job is not run twice
    assert PartyMember.objects.filter(resident=people.first).count() == 1
