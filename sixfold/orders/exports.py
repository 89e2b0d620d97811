"""Excel (.xlsx) export of the desk's order list (工单台账), exactly the rows its filters show.

Written with openpyxl's write-only mode from `values_list(...).iterator()`: one query however
many rows, no model instance per row. The requester's phone leaves only as its stored mask; an
anonymous requester's name not at all.
"""

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sixfold.core.excel.workbook import data_cell

from .models import Channel, Urgency
from .states import State

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
COLUMNS = [
    ("number", 18),
    ("submitted_at", 17),
    ("category__name", 12),
    ("title", 30),
    ("address", 30),
    ("code", 18),
    ("state", 10),
    ("urgency", 8),
    ("channel", 10),
    ("requester_name", 10),
    ("requester_phone_masked", 14),
    ("anonymous", 6),
    ("claimant_name", 12),
    ("resolve_due", 17),
    ("overdue", 6),
    ("rework_count", 6),
    ("rating", 6),
    ("rating_comment", 24),
    ("resolution", 30),
]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def orders_workbook(queryset) -> HttpResponse:
    headers = [
        _("Number"),
        _("Submitted at"),
        _("Category"),
        _("Title"),
        _("Address"),
        _("Region code"),
        _("State"),
        _("Urgency"),
        _("Channel"),
        _("Requester"),
        _("Phone"),
        _("Anonymous"),
        _("Handled by"),
        _("Resolve by"),
        _("Overdue"),
        _("Times sent back"),
        _("Rating"),
        _("Comment"),
        _("What was done"),
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Work orders")[:31])
    for index, (_name, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    states = dict(State.choices)
    urgencies = dict(Urgency.choices)
    channels = dict(Channel.choices)
    yes = _("yes")
    fields = [
        "number",
        "submitted_at",
        "category__name",
        "title",
        "address",
        "code",
        "state",
        "urgency",
        "channel",
        "requester_name",
        "requester_phone_masked",
        "anonymous",
        "claimant_name",
        "resolve_due",
        "accept_overdue",
        "claim_overdue",
        "resolve_overdue",
        "rework_count",
        "rating",
        "rating_comment",
        "resolution",
    ]
    for values in (
        queryset.order_by("-submitted_at", "-id").values_list(*fields).iterator(chunk_size=CHUNK)
    ):
        data = dict(zip(fields, values, strict=True))
        row = [
            data["number"],
            _when(data["submitted_at"]),
            data["category__name"],
            data["title"],
            data["address"],
            data["code"],
            str(states.get(data["state"], data["state"])),
            str(urgencies.get(data["urgency"], data["urgency"])),
            str(channels.get(data["channel"], data["channel"])),
            "" if data["anonymous"] else data["requester_name"],
            data["requester_phone_masked"],
            yes if data["anonymous"] else "",
            data["claimant_name"],
            _when(data["resolve_due"]),
            yes
            if data["accept_overdue"] or data["claim_overdue"] or data["resolve_overdue"]
            else "",
            data["rework_count"] or "",
            data["rating"] or "",
            data["rating_comment"],
            data["resolution"],
        ]
        # What residents typed stays text: no control character the file format forbids (one
        # made the whole export fail), no formula from a title such as '=HYPERLINK(…)'.
        sheet.append([data_cell(sheet, None, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.xlsx"'
    return response
