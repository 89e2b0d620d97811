"""Importing register workbooks: round trips, every class of bad input with its message,
idempotence, scope, and the audit events the bulk import writes (equal to the actions')."""

import datetime as dt

import openpyxl
import pytest

from sixfold.core import actions, events, idcard, pii
from sixfold.core.excel.importer import snapshot
from sixfold.core.models import AuditEvent, Building, Household, Region, Resident, Unit
from tests import factories
from tests.core.excel_helpers import (
    edit,
    export_all,
    messages,
    register_state,
    resident_row,
    row,
    run,
    workbook,
)

pytestmark = pytest.mark.django_db

GRID = "370116001001-G01"
NEW_ID = idcard.make("370116", dt.date(1975, 4, 3), 11)  # a man's number
BAD_CHECK = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
MASKED_ID = NEW_ID[:6] + "*" * 8 + NEW_ID[14:]


def per_object_events():
    """Events about register rows (the world's role grants are events too)."""
    return AuditEvent.objects.filter(verb__in=["create", "change", "delete"])


def full_new_place(path, **resident):
    """A workbook that creates building 7, its unit 1, household 502 and one resident."""
    return workbook(
        path,
        buildings=[
            row("buildings", grid=GRID, building=7, compound="新华小区", floors=6, structure="多层")
        ],
        units=[row("units", grid=GRID, building=7, unit=1, floors=6)],
        households=[
            row(
                "households",
                grid=GRID,
                building=7,
                unit=1,
                room=502,
                housing="租住",
                area=88.5,
                tag_rented=True,
            )
        ],
        residents=[
            row(
                "residents",
                grid=GRID,
                building=7,
                unit=1,
                room=502,
                name="孙立新",
                birth_date=dt.date(1975, 4, 3),
                id_number=NEW_ID,
                phone="139 1234 5678",
                relation="户主",
                tag_veteran=True,
                **resident,
            )
        ],
    )


# --- good files ------------------------------------------------------------------------------------
def test_a_hand_filled_workbook_creates_the_place_and_the_resident(world, tmp_path):
    worker = world.users["community_worker"]
    result = run(full_new_place(tmp_path / "new.xlsx"), by=worker)

    assert result.ok, messages(result)
    assert result.summary_dict() == {
        "buildings": {"created": 1, "updated": 0, "unchanged": 0},
        "units": {"created": 1, "updated": 0, "unchanged": 0},
        "households": {"created": 1, "updated": 0, "unchanged": 0},
        "residents": {"created": 1, "updated": 0, "unchanged": 0},
    }
    building = Building.objects.get(code=f"{GRID}-B007")
    assert (building.region.name, building.compound, building.floors) == ("7号楼", "新华小区", 6)
    household = Household.objects.get(code=f"{GRID}-B007-U01-0502")
    assert household.address == "7号楼1单元502"  # built as create_household builds it
    assert (household.housing, str(household.area), household.tags) == (
        "rented",
        "88.50",
        ",rented,",
    )
    resident = Resident.objects.get(id_number_hash=pii.lookup_hash(NEW_ID))
    # Gender and birth date follow the ID number; the phone is normalized; PII encrypted.
    assert (resident.gender, resident.birth_date) == ("M", dt.date(1975, 4, 3))
    assert resident.plaintext_phone() == "13912345678"
    assert resident.phone_masked == "139****5678"
    assert NEW_ID not in resident.id_number_enc
    assert (resident.ethnicity, resident.status, resident.tags) == (
        "汉族",
        "registered",
        ",veteran,",
    )


def test_created_objects_get_the_events_the_actions_would_write(world, tmp_path):
    worker = world.users["community_worker"]
    result = run(full_new_place(tmp_path / "new.xlsx"), by=worker)
    assert result.ok

    for model in (Building, Unit, Household, Resident):
        obj = model.objects.get(code__startswith=f"{GRID}-B007")
        event = AuditEvent.objects.for_object(obj).get()
        assert event.verb == AuditEvent.Verb.CREATE
        assert event.after == events.snapshot(obj)
        assert (event.actor, event.actor_name, event.scope_code) == (worker, "t_worker", obj.code)
        assert event.object_repr == str(obj)
    file_event = AuditEvent.objects.get(verb=AuditEvent.Verb.IMPORT)
    assert file_event.after["file"] == "new.xlsx"
    assert len(file_event.after["sha256"]) == 64
    assert file_event.after["residents"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert file_event.scope_code == f"{GRID}-B007"  # where every imported row lies
    assert result.event_id == file_event.pk


def test_the_fast_snapshot_equals_the_events_snapshot(world):
    for obj in (
        world.household.unit.building,
        world.household.unit,
        world.household,
        world.resident,
    ):
        assert snapshot(obj) == events.snapshot(obj)


def test_an_unmasked_export_imports_back_with_no_change_at_all(world, tmp_path):
    before = register_state()
    path = export_all(tmp_path / "all.xlsx")

    result = run(path, by=world.users["street_admin"])

    assert result.ok, messages(result)
    summary = result.summary_dict()
    assert all(c["created"] == c["updated"] == 0 for c in summary.values())
    assert summary["residents"]["unchanged"] == Resident.objects.count() == 3
    assert register_state() == before
    assert not per_object_events().exists()
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.IMPORT).count() == 1


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world, tmp_path):
    path = full_new_place(tmp_path / "new.xlsx")
    assert run(path, by=world.users["community_worker"]).ok
    state, event_count = register_state(), per_object_events().count()

    again = run(path, by=world.users["community_worker"])

    assert again.ok
    assert {c["unchanged"] for c in again.summary_dict().values()} == {1}
    assert register_state() == state
    assert per_object_events().count() == event_count


def test_a_changed_row_updates_the_record_with_one_change_event(world, tmp_path):
    path = export_all(tmp_path / "all.xlsx", scope=world.grid.code)
    book = openpyxl.load_workbook(path)
    sheet = book["居民"]
    header = [c.value for c in sheet[1]]
    note, living_alone = header.index("备注") + 1, header.index("独居") + 1
    sheet.cell(row=2, column=note).value = "走访：身体良好"
    sheet.cell(row=2, column=living_alone).value = "是"
    book.save(path)

    result = run(path, by=world.users["community_worker"])

    assert result.ok, messages(result)
    assert result.summary_dict()["residents"] == {"created": 0, "updated": 1, "unchanged": 0}
    world.resident.refresh_from_db()
    assert (world.resident.note, world.resident.tags) == ("走访：身体良好", ",living_alone,")
    event = AuditEvent.objects.for_object(world.resident).get(verb=AuditEvent.Verb.CHANGE)
    assert event.after == events.snapshot(world.resident)
    assert event.before["note"] == "" and event.after["note"] == "走访：身体良好"


def test_a_new_phone_with_the_old_mask_is_logged_as_changed(world, tmp_path):
    actions.change_resident(world.resident, {"phone": "13800001234"}, by=None)
    household = world.household
    path = workbook(
        tmp_path / "phone.xlsx",
        residents=[
            resident_row(
                household,
                name="李秀英",
                gender="女",
                birth_date=world.resident.birth_date,
                id_number=world.resident.plaintext_id_number(),
                phone="13811111234",  # 138****1234, as before
                relation="户主",
            )
        ],
    )
    result = run(path, by=world.users["community_worker"])
    assert result.ok, messages(result)
    event = AuditEvent.objects.for_object(world.resident).filter(verb="change").first()
    assert event.after["personal_data_changed"] == ["phone"]
    world.resident.refresh_from_db()
    assert world.resident.plaintext_phone() == "13811111234"


def test_a_resident_moves_to_a_household_created_in_the_same_file(world, tmp_path):
    number = world.resident.plaintext_id_number()
    path = workbook(
        tmp_path / "move.xlsx",
        households=[row("households", grid=world.grid.code, building=1, unit=1, room=901)],
        residents=[
            row(
                "residents",
                grid=world.grid.code,
                building=1,
                unit=1,
                room=901,
                name="李秀英",
                id_number=number,
                relation="户主",
            )
        ],
    )
    result = run(path, by=world.users["community_worker"])
    assert result.ok, messages(result)
    world.resident.refresh_from_db()
    assert world.resident.code.endswith("-0901")
    assert world.resident.household.code == world.resident.code
    event = AuditEvent.objects.for_object(world.resident).get(verb="change")
    assert event.after["household"] == world.resident.household_id
    assert event.before["code"] != event.after["code"]


def test_a_dry_run_checks_and_counts_but_writes_nothing(world, tmp_path):
    result = run(
        full_new_place(tmp_path / "new.xlsx"), by=world.users["community_worker"], dry_run=True
    )
    assert result.ok and result.dry_run
    assert result.summary_dict()["residents"]["created"] == 1
    assert not Building.objects.filter(code=f"{GRID}-B007").exists()
    assert not AuditEvent.objects.filter(verb__in=["import", "create"]).exists()


def test_progress_is_reported_up_to_the_total(world, tmp_path):
    seen = []
    run(full_new_place(tmp_path / "new.xlsx"), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (4, 4)


# --- scope -----------------------------------------------------------------------------------------
def test_one_row_in_another_community_refuses_the_whole_file(world, tmp_path):
    other = world.other_household
    path = workbook(
        tmp_path / "mixed.xlsx",
        buildings=[row("buildings", grid=GRID, building=8)],
        residents=[resident_row(other, id_number=NEW_ID, relation="户主")],
    )
    result = run(path, by=world.users["community_worker"])

    assert not result.ok
    [error] = result.errors
    assert (error.sheet, error.row, error.column) == ("居民", 2, "网格编码")
    assert error.message == "不在您的管理范围内，不能导入到这里。"
    assert not Building.objects.filter(code=f"{GRID}-B008").exists()  # the good row neither
    assert not AuditEvent.objects.filter(verb__in=["import", "create"]).exists()


def test_a_grid_code_outside_the_scope_is_refused_without_saying_whether_it_exists(world, tmp_path):
    path = workbook(
        tmp_path / "far.xlsx",
        buildings=[row("buildings", grid="370116001002-G07", building=1)],
    )
    result = run(path, by=world.users["community_worker"])
    assert messages(result) == ["不在您的管理范围内，不能导入到这里。"]


def test_an_id_number_registered_outside_the_scope_is_refused(world, tmp_path):
    path = workbook(
        tmp_path / "dup.xlsx",
        residents=[
            resident_row(
                world.household,
                name="赵敏",
                gender="女",
                birth_date=world.other_resident.birth_date,
                id_number=world.other_resident.plaintext_id_number(),
                relation="户主",
            )
        ],
    )
    result = run(path, by=world.users["community_worker"])
    assert messages(result) == ["该身份证号的居民已在您管理范围以外登记。"]
    assert result.errors[0].value == world.other_resident.id_number_masked


# --- bad cells and rows ----------------------------------------------------------------------------
BAD_RESIDENT_CELLS = [
    ("name", "", "姓名", "此项必填。"),
    ("id_number", BAD_CHECK, "身份证号", "身份证号校验码不正确，请逐位核对。"),
    ("id_number", NEW_ID[:17], "身份证号", "身份证号应为17位数字加1位数字或X。"),
    ("id_number", int(NEW_ID), "身份证号", "EXCEL"),
    ("id_number", MASKED_ID, "身份证号", "这是脱敏后的值"),
    ("birth_date", dt.date(1975, 4, 4), "身份证号", "不一致"),
    ("birth_date", "1975年2月30日", "出生日期", "日期不存在。"),
    ("birth_date", "去年", "出生日期", "无法识别的日期"),
    ("gender", "女", "身份证号", "性别位"),
    ("gender", "男性", "性别", "不是可选的值"),
    ("phone", "1391234567", "手机号", "11位手机号"),
    ("relation", "", "与户主关系", "此项必填。"),
    ("tag_veteran", "可能", "退役军人", "“是”"),
    ("room", "三零一", "房号", "之间"),
]


@pytest.mark.parametrize(
    "field,value,column,message",
    BAD_RESIDENT_CELLS,
    ids=[f"{c[0]}={c[1]!s}" for c in BAD_RESIDENT_CELLS],
)
def test_a_bad_resident_cell_is_reported_where_it_is(
    world, tmp_path, field, value, column, message
):
    overrides = {"id_number": NEW_ID, field: value}
    path = workbook(tmp_path / "bad.xlsx", residents=[resident_row(world.household, **overrides)])
    count = Resident.objects.count()

    result = run(path, by=world.users["community_worker"])

    assert not result.ok
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("居民", 2, column)]
    text = result.errors[0].message
    assert message.lower() in text.lower(), text
    assert Resident.objects.count() == count


def test_personal_values_are_masked_in_the_report(world, tmp_path):
    path = workbook(
        tmp_path / "bad.xlsx",
        residents=[resident_row(world.household, id_number=NEW_ID, phone="1391234567x")],
    )
    [error] = run(path, by=world.users["community_worker"]).errors
    assert error.column == "手机号"
    assert "1391234567" not in error.value


def test_dates_in_every_usual_form_are_read(world, tmp_path):
    born = dt.date(1975, 4, 3)
    serial = (born - dt.date(1899, 12, 30)).days
    forms = [born, dt.datetime(1975, 4, 3, 0, 0), serial, "1975-04-03", "1975/4/3", "1975.4.3",
             "1975年4月3日", "19750403", "１９７５-０４-０３"]  # fmt: skip
    for index, value in enumerate(forms):
        number = idcard.make("370116", born, 101 + 2 * index)
        path = workbook(
            tmp_path / f"d{index}.xlsx",
            residents=[resident_row(world.household, birth_date=value, id_number=number, phone="")],
        )
        result = run(path, by=world.users["community_worker"], dry_run=True)
        assert result.ok, (value, messages(result))


def test_the_same_id_number_twice_in_the_file(world, tmp_path):
    rows = [resident_row(world.household, id_number=NEW_ID, name=n) for n in ("甲", "乙")]
    result = run(
        workbook(tmp_path / "twice.xlsx", residents=rows), by=world.users["community_worker"]
    )
    assert messages(result) == ["文件中身份证号重复（另见第2行）。"]
    assert result.errors[0].row == 3


def test_the_same_place_twice_on_a_sheet(world, tmp_path):
    rows = [row("buildings", grid=GRID, building=9), row("buildings", grid=GRID, building="9号楼")]
    result = run(workbook(tmp_path / "b.xlsx", buildings=rows), by=world.users["community_worker"])
    assert messages(result) == ["同一位置在本表中出现了两次（另见第2行）。"]


def test_unknown_grid_and_unknown_building(world, tmp_path):
    path = workbook(
        tmp_path / "unknown.xlsx",
        buildings=[row("buildings", grid="370116001001-G09", building=1)],
        units=[row("units", grid=GRID, building=42, unit=1)],
    )
    result = run(path, by=world.users["community_worker"])
    assert [(e.sheet, e.column, e.message) for e in result.errors] == [
        ("楼栋", "网格编码", "网格370116001001-G09不存在。"),
        (
            "单元",
            "楼栋号",
            "台账中没有370116001001-G01-B042，请在“楼栋”表中列出，或核对编号。",
        ),
    ]


def test_wrong_types_and_ranges_in_building_and_household_rows(world, tmp_path):
    path = workbook(
        tmp_path / "types.xlsx",
        buildings=[row("buildings", grid=GRID, building=7, floors="六", structure=True)],
        households=[
            row("households", grid=GRID, building=1, unit=1, room=301, area="很大"),
            row("households", grid=GRID, building=1, unit=1, room=302, area=-5),
            row("households", grid="G01", building=1, unit=1, room=303),
        ],
    )
    result = run(path, by=world.users["community_worker"])
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [
        ("楼栋", 2, "层数"),
        ("楼栋", 2, "结构"),
        ("住户", 2, "面积（平方米）"),
        ("住户", 3, "面积（平方米）"),
        ("住户", 4, "网格编码"),
    ]
    assert "整数" in result.errors[0].message


def test_merged_cells_are_refused(world, tmp_path):
    path = workbook(
        tmp_path / "merged.xlsx", residents=[resident_row(world.household, id_number=NEW_ID)]
    )
    book = openpyxl.load_workbook(path)
    book["居民"].merge_cells("A2:A3")
    book.save(path)
    result = run(path, by=world.users["community_worker"])
    assert any("合并单元格（A2:A3）" in m for m in messages(result))


def test_unknown_and_missing_columns(world, tmp_path):
    path = workbook(
        tmp_path / "cols.xlsx", residents=[resident_row(world.household, id_number=NEW_ID)]
    )
    book = openpyxl.load_workbook(path)
    sheet = book["居民"]
    for cell in sheet[1]:
        if cell.value == "手机号":
            cell.value = "手机"
        elif cell.value == "姓名*":
            cell.value = None
    book.save(path)
    found = messages(run(path, by=world.users["community_worker"]))
    assert "未知的列“手机”：模板中没有这一列。" in found
    assert "缺少必填列“姓名”。" in found


def test_a_left_out_optional_column_keeps_what_the_register_has(world, tmp_path):
    path = export_all(tmp_path / "all.xlsx", scope=world.grid.code)
    book = openpyxl.load_workbook(path)
    sheet = book["居民"]
    phone = next(c.column for c in sheet[1] if c.value == "手机号")
    sheet.delete_cols(phone)
    book.save(path)
    before = world.resident.phone_hash
    result = run(path, by=world.users["community_worker"])
    assert result.ok, messages(result)
    world.resident.refresh_from_db()
    assert world.resident.phone_hash == before
    assert result.summary_dict()["residents"]["unchanged"] == 1


# --- bad files -------------------------------------------------------------------------------------
def test_an_empty_template_has_nothing_to_import(world, tmp_path):
    result = run(workbook(tmp_path / "empty.xlsx"), by=world.users["community_worker"])
    assert messages(result) == ["工作簿中没有可导入的数据。"]


def test_a_workbook_that_is_not_the_template(world, tmp_path):
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["姓名", "身份证号"])
    book.active.append(["张三", NEW_ID])
    book.save(path)
    result = run(path, by=world.users["community_worker"])
    assert messages(result) == ["这不是六位一体台账模板，请下载模板后在模板中填写。"]


def test_a_file_that_is_no_workbook(world, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("姓名,身份证号\n")
    assert messages(run(path, by=None)) == ["无法读取该文件，请上传Excel工作簿（.xlsx）。"]


def test_a_masked_export_is_refused_as_a_whole(world, tmp_path):
    path = export_all(tmp_path / "masked.xlsx", unmasked=False)
    result = run(path, by=world.users["street_admin"])
    assert messages(result) == ["脱敏导出的文件不能导入，请使用明文导出。"]


def test_a_workbook_of_another_format_version(world, tmp_path):
    path = workbook(tmp_path / "v.xlsx")
    edit(path, "_sixfold", {"B2": 99})
    assert "99" in messages(run(path, by=None))[0]


def test_an_unknown_sheet_and_a_missing_sheet(world, tmp_path):
    path = workbook(
        tmp_path / "sheets.xlsx", residents=[resident_row(world.household, id_number=NEW_ID)]
    )
    book = openpyxl.load_workbook(path)
    book["楼栋"].title = "楼栋信息"
    book.save(path)
    found = messages(run(path, by=world.users["community_worker"]))
    assert (
        "未知的工作表“楼栋信息”：模板中没有这张表；请删除它，或把其中的行移到对应的表中。" in found
    )
    assert "缺少工作表“楼栋”。" in found


def test_the_register_changing_under_an_import_refuses_it(world, tmp_path, monkeypatch):
    from sixfold.core.excel import importer

    path = full_new_place(tmp_path / "new.xlsx")
    original = importer.Writer.write

    def racing(self):
        factories.building(7, grid_region=world.grid)  # someone else adds building 7 first
        original(self)

    monkeypatch.setattr(importer.Writer, "write", racing)
    result = run(path, by=world.users["community_worker"])
    assert "请重新导入" in messages(result)[-1]
    assert not Region.objects.filter(code=f"{GRID}-B007-U01").exists()
