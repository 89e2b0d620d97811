"""The import pages: template, upload, the job page (progress, summary, error report), and who
may see what; the import command's output and exit status; no input crashes the importer."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sixfold.core.excel import files
from sixfold.core.models import AuditEvent, ImportJob, Resident
from tests.core.excel_helpers import resident_row, run, workbook

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def _inline_jobs(settings, django_capture_on_commit_callbacks):
    """Jobs start once the upload commits; inside a test's transaction, run them right away."""
    settings.SIXFOLD_IMPORT_INLINE = True
    global COMMITTED
    COMMITTED = django_capture_on_commit_callbacks


COMMITTED = None


@pytest.fixture
def worker_client(client, world):
    client.force_login(world.users["community_worker"], backend=BACKEND)
    return client


def upload(client, path, **extra):
    with open(path, "rb") as handle, COMMITTED(execute=True):
        return client.post(reverse("core:import_upload"), {"file": handle, **extra})


def good_file(world, tmp_path, number=None):
    from sixfold.core import idcard

    number = number or idcard.make("370116", __import__("datetime").date(1975, 4, 3), 11)
    return workbook(
        tmp_path / "good.xlsx", residents=[resident_row(world.household, id_number=number)]
    )


def test_the_template_downloads_for_importers_only(client, world):
    client.force_login(world.users["community_worker"], backend=BACKEND)
    response = client.get(reverse("core:import_template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:5] == ["说明", "楼栋", "单元", "住户", "居民"]
    assert book["_sixfold"].sheet_state == "veryHidden"
    lists = list(book["选项"].iter_rows(values_only=True))
    grid = lists[0].index("grid")  # the grid-code drop-down lists the worker's grids
    assert {r[grid] for r in lists[1:]} - {None} == {world.grid.code, world.second_grid.code}
    assert any(
        dv.formula1.startswith("'选项'!") for dv in book["居民"].data_validations.dataValidation
    )

    client.force_login(world.users["resident"], backend=BACKEND)
    assert client.get(reverse("core:import_template")).status_code == 403
    assert client.get(reverse("core:import_upload")).status_code == 403


def test_an_upload_runs_as_a_job_and_shows_its_summary(worker_client, world, tmp_path):
    response = upload(worker_client, good_file(world, tmp_path))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.APPLIED
    assert job.upload_path == ""  # the uploaded file is gone once imported
    assert job.summary["residents"]["created"] == 1
    page = worker_client.get(response["Location"]).content.decode()
    assert 'id="summary"' in page and "hx-trigger" not in page
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.IMPORT)
    assert (event.object_type, event.object_id) == ("core.importjob", str(job.pk))
    assert event.request_id == job.request_id != ""


def test_a_running_job_polls_for_its_progress(worker_client, world):
    job = ImportJob.objects.create(
        created_by=world.users["community_worker"],
        file_name="大文件.xlsx",
        status=ImportJob.Status.RUNNING,
        stage=ImportJob.Stage.CHECKING,
        rows_done=250,
        rows_total=1000,
    )
    url = reverse("core:import_job", args=[job.pk])
    page = worker_client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "25%" in page
    fragment = worker_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="job"')
    assert "<html" not in fragment


def test_a_job_silent_for_too_long_shows_as_interrupted(worker_client, world):
    job = ImportJob.objects.create(
        created_by=world.users["community_worker"], file_name="x.xlsx", status="running"
    )
    ImportJob.objects.filter(pk=job.pk).update(updated_at="2020-01-01T00:00:00Z")
    page = worker_client.get(reverse("core:import_job", args=[job.pk])).content.decode()
    assert 'data-status="failed"' in page and "hx-trigger" not in page


def test_a_bad_file_is_refused_with_its_errors_and_a_marked_report(worker_client, world, tmp_path):
    path = workbook(
        tmp_path / "bad.xlsx",
        residents=[resident_row(world.household, id_number="370116197504030010", phone="12")],
    )
    response = upload(worker_client, path)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED and job.error_count == 2
    page = worker_client.get(response["Location"]).content.decode()
    assert 'id="errors"' in page and "370116197504030010" not in page
    assert Resident.objects.count() == 3

    report = worker_client.get(reverse("core:import_report", args=[job.pk]))
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert book.sheetnames[0] == "错误清单"
    sheet = book["居民"]
    header = [c.value for c in sheet[1]]
    bad = sheet.cell(row=2, column=header.index("身份证号*") + 1)
    assert bad.value == "370116197504030010"  # the uploader's own value, to correct in place
    assert bad.fill.fgColor.rgb.endswith("FFC7CE") and bad.comment is not None
    # The report on disk is encrypted.
    assert b"370116197504030010" not in files._path(job.report_path).read_bytes()


def test_the_corrected_report_imports(worker_client, world, tmp_path):
    from sixfold.core import idcard

    good = idcard.make("370116", __import__("datetime").date(1975, 4, 3), 11)
    path = workbook(
        tmp_path / "bad.xlsx", residents=[resident_row(world.household, id_number=good, phone="12")]
    )
    upload(worker_client, path)
    job = ImportJob.objects.get()
    report = tmp_path / "report.xlsx"
    report.write_bytes(
        b"".join(worker_client.get(reverse("core:import_report", args=[job.pk])).streaming_content)
    )
    book = openpyxl.load_workbook(report)
    sheet = book["居民"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("手机号") + 1).value = "13912345678"
    book.save(report)
    upload(worker_client, report)
    assert ImportJob.objects.latest("created_at").status == ImportJob.Status.APPLIED


def test_a_job_is_its_uploaders_alone(client, world, tmp_path):
    client.force_login(world.users["community_worker"], backend=BACKEND)
    upload(
        client,
        workbook(tmp_path / "bad.xlsx", residents=[resident_row(world.household, phone="1")]),
    )
    job = ImportJob.objects.get()
    client.force_login(world.users["street_admin"], backend=BACKEND)
    for name in ("core:import_job", "core:import_report"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("core:import_job", args=[missing])).status_code == 404


def test_an_upload_that_is_not_xlsx_is_refused_on_the_form(worker_client, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("a,b\n")
    response = upload(worker_client, path)
    assert response.status_code == 400
    assert "请上传Excel工作簿（.xlsx）。" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_dry_run_upload_changes_nothing(worker_client, world, tmp_path):
    upload(worker_client, good_file(world, tmp_path), dry_run="on")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED
    assert Resident.objects.count() == 3


def test_a_job_that_breaks_is_marked_failed_and_changes_nothing(
    worker_client, world, tmp_path, monkeypatch
):
    from sixfold.core import tasks

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "import_workbook", broken)
    response = upload(worker_client, good_file(world, tmp_path))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.upload_path == ""
    assert "内部错误" in worker_client.get(response["Location"]).content.decode()


# --- the command ---------------------------------------------------------------------------------
def test_import_registry_prints_masked_errors_and_exits_1(world, tmp_path, capsys):
    path = workbook(
        tmp_path / "bad.xlsx",
        residents=[resident_row(world.household, id_number="370116197504030010")],
    )
    report = tmp_path / "report.xlsx"
    with pytest.raises(CommandError) as raised:
        call_command("import_registry", path, "--as", "t_worker", "--report", str(report))
    assert raised.value.returncode == 1
    out = capsys.readouterr().out
    assert "居民!H2 身份证号 “370116********0010”: 身份证号校验码不正确，请逐位核对。" in out
    assert report.exists()


def test_import_registry_imports_and_prints_the_summary(world, tmp_path, capsys):
    call_command("import_registry", good_file(world, tmp_path))
    out = capsys.readouterr().out
    assert "居民：新增1，修改0，未变0" in out
    with pytest.raises(CommandError):
        call_command("import_registry", str(tmp_path / "missing.xlsx"))


# --- no input crashes it ---------------------------------------------------------------------------
CELL = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(CELL, min_size=28, max_size=28))
def test_any_cell_values_give_a_result_never_a_crash(world, tmp_path, cells):
    from tests.core.excel_helpers import columns

    resident = dict(zip(columns("residents"), cells[:21], strict=False))
    household = dict(zip(columns("households"), cells[21:], strict=False))
    rows = {
        "residents": [[resident.get(c) for c in columns("residents")]],
        "households": [[household.get(c) for c in columns("households")]],
    }
    try:
        path = workbook(tmp_path / "any.xlsx", **rows)
    except (ValueError, TypeError, OverflowError):
        return  # openpyxl cannot even write such a cell
    result = run(path, by=world.users["community_worker"])
    assert result.ok or result.errors


def test_without_a_broker_the_job_runs_in_a_thread_off_the_request(
    transactional_db, world, tmp_path, settings, monkeypatch
):
    from sixfold.core import tasks

    settings.SIXFOLD_IMPORT_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no broker, as in the embedded default
    started = []
    real_thread = tasks.threading.Thread

    def thread(*args, **kwargs):
        started.append(real_thread(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(tasks.threading, "Thread", thread)
    client = __import__("django.test", fromlist=["Client"]).Client()
    client.force_login(world.users["community_worker"], backend=BACKEND)
    with open(good_file(world, tmp_path), "rb") as handle:
        response = client.post(reverse("core:import_upload"), {"file": handle})
    assert response.status_code == 302  # answered before the job ran
    [worker] = started
    worker.join(timeout=60)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.APPLIED and job.summary["residents"]["created"] == 1


def test_with_a_broker_the_job_goes_to_celery(
    worker_client, world, tmp_path, settings, monkeypatch
):
    from sixfold.core import tasks

    settings.SIXFOLD_IMPORT_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(tasks.run_import_job, "delay", lambda job_id: sent.append(job_id))
    upload(worker_client, good_file(world, tmp_path))
    job = ImportJob.objects.get()
    assert sent == [str(job.pk)] and job.status == ImportJob.Status.QUEUED
    tasks.run_import_job(str(job.pk))  # what the worker runs
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED


@pytest.mark.parametrize("role", ["grid_worker", "resident"])
def test_import_is_for_community_workers_and_above(client, world, role, tmp_path):
    """Given a grid worker (who may edit single rows in her grid) or a resident, the import
    pages answer 403 and a file run in their name is refused row by row, saving nothing."""
    client.force_login(world.users[role], backend=BACKEND)
    assert client.get(reverse("core:import_template")).status_code == 403
    assert client.get(reverse("core:import_upload")).status_code == 403

    before = Resident.objects.count()
    path = workbook(tmp_path / "one.xlsx", residents=[resident_row(world.household)])
    result = run(path, by=world.users[role])
    assert not result.ok
    assert Resident.objects.count() == before
