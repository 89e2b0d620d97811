"""Excel (.xlsx) export of the rectification list (整改清单), written row by row in write-only
mode like the party registers' exports; names as the staff pages show them."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from sixfold.party.exports import _response, _sheet

from .models import Party

CHUNK = 2000


def rectifications_workbook(queryset):
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Rectification list"),
        [
            _("Year"),
            pgettext("person", "Name"),
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


def sheets_workbook(cycle, members, sheet_rows, chunk: int = 500):
    """Every member's party scores, total and grade; read in chunks of members so a street's
    thousands of sheets are summed a chunk at a time."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Check-up sheets"),
        [
            pgettext("person", "Name"),
            _("Party organisation"),
            _("Self-assessment"),
            _("Peer assessment"),
            _("Resident assessment"),
            _("Organisation assessment"),
            _("Total"),
            _("Check-up grade"),
            _("Current grade"),
            _("Not assessed by"),
        ],
        [10, 28, 10, 10, 10, 10, 10, 10, 10, 24],
    )
    labels = dict(Party.choices)
    members = list(members)
    for start in range(0, len(members), chunk):
        for member, live, result in sheet_rows(cycle, members[start : start + chunk]):
            if result is not None:
                scores = [
                    result.self_score,
                    result.peer_score,
                    result.resident_score,
                    result.organization_score,
                ]
                grades = [result.get_initial_grade_display(), result.get_grade_display()]
                total, missing = result.total, result.missing_labels()
            elif live is not None:
                scores = [live.party_scores[p] for p in Party.values]
                grades = [live.grade_label(), live.grade_label()]
                total, missing = live.total, [str(labels[p]) for p in live.missing]
            else:
                scores, grades, total, missing = [None] * 4, ["", ""], None, []
            sheet.append(
                [
                    member.display_name,
                    member.organization.name,
                    *scores,
                    total,
                    *grades,
                    "、".join(missing),
                ]
            )
    return _response(workbook, f"checkup-{cycle.year}")
