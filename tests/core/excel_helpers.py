"""Building register workbooks for the Excel tests: rows in the spec's column order, or raw."""

import datetime as dt
import io

import openpyxl
from django.utils import translation

from sixfold.core.excel import exporter
from sixfold.core.excel.importer import import_workbook
from sixfold.core.excel.spec import SHEETS_BY_KEY
from sixfold.core.excel.workbook import register_workbook
from sixfold.core.models import Building, Household, Resident, Unit


def columns(key: str) -> list[str]:
    return [c.key for c in SHEETS_BY_KEY[key].columns]


def row(key: str, **values) -> list:
    """A row of sheet `key` in column order; tags as tag_living_alone=True → 是."""
    cells = []
    for name in columns(key):
        value = values.get(name.replace(":", "_"), values.get(name))
        if name.startswith("tag:") and value is True:
            value = "是"
        cells.append(value)
    return cells


def workbook(path, *, masked=False, **sheets) -> str:
    """Write a register workbook with the given rows per sheet key; returns its path."""
    rows = {key: (list(SHEETS_BY_KEY[key].columns), rows) for key, rows in sheets.items()}
    book, _counts = register_workbook(title="测试", kind="template", masked=masked, rows=rows)
    book.save(path)
    return str(path)


def resident_row(household, **overrides) -> list:
    """A resident row for an existing household."""
    code = household.code
    values = {
        "grid": code[:16],
        "building": int(code[18:21]),
        "unit": int(code[23:25]),
        "room": int(code[26:30]),
        "name": "孙立新",
        "gender": "男",
        "birth_date": dt.date(1975, 4, 3),
        "id_number": "370116197504030011",
        "phone": "13912345678",
        "relation": "子女",
        "ethnicity": "汉族",
        "status": "户籍人口",
        "note": "",
    }
    values.update(overrides)
    return row("residents", **values)


def edit(path, sheet: str, changes: dict[str, object]) -> None:
    """Set cells ('F2': value) of a sheet in place (openpyxl, normal mode)."""
    book = openpyxl.load_workbook(path)
    for ref, value in changes.items():
        book[sheet][ref] = value
    book.save(path)


def export_all(path, *, unmasked=True, scope=None) -> str:
    querysets = {
        "buildings": Building.objects.all(),
        "units": Unit.objects.all(),
        "households": Household.objects.all(),
        "residents": Resident.objects.all(),
    }
    if scope:
        querysets = {k: q.within(scope) for k, q in querysets.items()}
    exporter.export_workbook(path, querysets, unmasked=unmasked)
    return str(path)


def messages(result) -> list[str]:
    return [e.message for e in result.errors]


def run(path, by=None, **kwargs):
    """Import as the pages do for a Chinese user: the messages are the ones staff read."""
    with translation.override("zh-hans"):
        return import_workbook(path, by=by, **kwargs)


def as_bytes(path) -> io.BytesIO:
    with open(path, "rb") as handle:
        return io.BytesIO(handle.read())


def register_state() -> dict:
    """Everything the registers hold, for comparing before and after an import."""
    from sixfold.core.excel.importer import snapshot

    return {
        model.__name__: sorted(
            (sorted((k, str(v)) for k, v in snapshot(obj).items()) for obj in model.objects.all()),
        )
        for model in (Building, Unit, Household, Resident)
    } | {
        "phones": sorted(Resident.objects.values_list("phone_hash", flat=True)),
        "names": sorted(Building.objects.values_list("region__name", "region__address")),
    }
