"""Excel (.xlsx) export of the rectification list (整改清单), written row by row in write-only
mode like the party registers' exports; names as the staff pages show them."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from sixfold.party.exports import _response, _sheet

CHUNK = 2000


def rectifications_workbook(queryset):
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Rectification list"),
        [
            _("Year"),
            _("Name"),
            _("Region code"),
            _("Check-up grade"),
            _("Current grade"),
            _("Problem found"),
            _("Measure"),
            _("Responsible"),
            _("Due on"),
            _("Status"),
            _("Overdue"),
            _("Done on"),
            _("Outcome"),
        ],
        [8, 10, 20, 10, 10, 40, 40, 10, 12, 8, 8, 12, 30],
    )
    today = timezone.localdate()
    rows = queryset.select_related("member__resident", "result__cycle").order_by("code", "id")
    for item in rows.iterator(chunk_size=CHUNK):
        sheet.append(
            [
                item.result.cycle.year,
                item.member.display_name,
                item.code,
                item.result.get_initial_grade_display(),
                item.result.get_grade_display(),
                item.problem,
                item.measure,
                item.owner,
                item.due_on,
                item.get_status_display(),
                _("yes") if item.is_overdue(today) else "",
                item.done_on,
                item.outcome,
            ]
        )
    return _response(workbook, "rectifications")
