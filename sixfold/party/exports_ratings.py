"""Excel (.xlsx) export of a rating period's results (S6): rank, member, points, stars and
each star item (earned, points, evaluation score). Written row by row (write-only)."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sixfold.core import events
from sixfold.core.models import AuditEvent
from sixfold.points.actions import period_scope
from sixfold.points.models import StarItem

from .exports import _response

CHUNK = 2000


def ratings_workbook(period, queryset, *, by):
    items = list(StarItem.objects.filter(subject_type=period.subject_type, active=True))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(period.code)[:31])
    headers = [
        _("Rank in the street"),
        pgettext("person", "Name"),
        _("Region code"),
        _("Points"),
        _("Stars"),
        _("Disqualified"),
    ]
    for item in items:
        headers.append(item.name)
        headers.append(_("%(item)s points") % {"item": item.name})
        if item.evaluation_min is not None:
            headers.append(_("%(item)s evaluation") % {"item": item.name})
    widths = [6, 12, 22, 10, 8, 8]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    count = 0
    for result in queryset.order_by("rank", "subject_name", "id").iterator(chunk_size=CHUNK):
        count += 1
        values = [
            result.rank,
            result.subject_name,
            result.code,
            float(result.points),
            result.stars,
            _("yes") if result.disqualified else "",
        ]
        for item in items:
            data = (result.items or {}).get(item.code) or {}
            values.append("★" if data.get("earned") and not result.disqualified else "")
            values.append(float(data.get("points") or 0))
            if item.evaluation_min is not None:
                score = data.get("score")
                values.append(float(score) if score is not None else None)
        sheet.append(values)
    events.record(
        AuditEvent.Verb.EXPORT,
        by=by,
        obj=period,
        scope_code=period_scope(period),
        after={"rows": count},
        purpose=_("Rating results (Excel)"),
    )
    return _response(workbook, f"ratings-{period.code}")
