"""Excel (.xlsx) exports of the service network (S12, S15, S13): points with their staff, venues,
notices and the coverage audit's gaps.

Written in openpyxl's write-only mode from iterators; every text cell is written as text (a name
starting with '=' never becomes a formula); phones leave only masked.
"""

import io

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sixfold.core.excel.workbook import text_cell

from .coverage import audit_kinds, node_label, uncovered_nodes
from .models import PointKind, ServiceStaff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000


def _sheet(workbook, title: str, headers: list[str], widths: list[int]):
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    return sheet


def _row(sheet, values) -> None:
    sheet.append([text_cell(sheet, str(v)) if isinstance(v, str) else v for v in values])


def _response(workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response


def _yes(value: bool) -> str:
    return _("yes") if value else ""


def points_workbook(queryset) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Service points"),
        [
            _("Region code"),
            _("Kind"),
            _("Name"),
            _("Address"),
            _("Opening hours"),
            _("Service phone"),
            _("Staff"),
        ],
        [26, 16, 28, 36, 24, 16, 48],
    )
    rows = queryset.order_by("code").prefetch_related(
        Prefetch("staff", queryset=ServiceStaff.objects.order_by("id"))
    )
    for point in rows.iterator(chunk_size=CHUNK):
        staff = "；".join(
            " ".join(p for p in (m.name, m.role, m.phone_masked) if p) for m in point.staff.all()
        )
        _row(
            sheet,
            [
                point.code,
                point.get_kind_display(),
                point.name,
                point.address,
                point.opening_hours,
                point.service_phone,
                staff,
            ],
        )
    return _response(workbook, "service-points")


def venues_workbook(queryset) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Service venues"),
        [
            _("Region code"),
            _("Kind"),
            _("Name"),
            _("Address"),
            _("Opening hours"),
            _("Service phone"),
            _("Services offered"),
            _("Open"),
        ],
        [26, 20, 28, 36, 24, 16, 40, 6],
    )
    for venue in (
        queryset.order_by("code", "id").prefetch_related("service_types").iterator(chunk_size=CHUNK)
    ):
        _row(
            sheet,
            [
                venue.code,
                venue.get_kind_display(),
                venue.name,
                venue.address,
                venue.opening_hours,
                venue.service_phone,
                "、".join(t.name for t in venue.service_types.all()),
                _yes(venue.active),
            ],
        )
    return _response(workbook, "service-venues")


def notices_workbook(queryset) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Notices"),
        [
            _("Region code"),
            _("Title"),
            _("Published"),
            _("Published at"),
            _("Pinned"),
            _("Expires on"),
            _("Text"),
        ],
        [26, 30, 8, 18, 6, 12, 60],
    )
    for notice in queryset.iterator(chunk_size=CHUNK):
        published_at = (
            timezone.localtime(notice.published_at).strftime("%Y-%m-%d %H:%M")
            if notice.published_at
            else ""
        )
        _row(
            sheet,
            [
                notice.code,
                notice.title,
                _yes(notice.published),
                published_at,
                _yes(notice.pinned),
                notice.expires_on.isoformat() if notice.expires_on else "",
                notice.body,
            ],
        )
    return _response(workbook, "notices")


def gaps_workbook(region) -> HttpResponse:
    """Every node without a service point under `region`, one sheet per level."""
    workbook = Workbook(write_only=True)
    for kind, levels in audit_kinds(region):
        sheet = _sheet(
            workbook,
            str(PointKind(kind).label),
            [_("Region code"), _("Node"), _("Level")],
            [28, 40, 12],
        )
        for node in uncovered_nodes(region.code, levels).iterator(chunk_size=CHUNK):
            _row(sheet, [node.code, node_label(node), node.get_level_display()])
    return _response(workbook, f"service-gaps-{region.code}")
