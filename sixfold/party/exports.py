"""Excel (.xlsx) exports of the party registers (S1, S2): members, the chain and its gaps.

Written with openpyxl's write-only mode, row by row from an iterator, so a city's hundreds of
thousands of links never sit in memory as cells. Personal data leaves only masked.
"""

import io

from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import CHAIN_ROLES, ChainLevel, ResponsibilityLink

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


def _response(workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response


def _yes(value: bool) -> str:
    return _("yes") if value else ""


def members_workbook(queryset) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Party members"),
        [
            pgettext("person", "Name"),
            _("Gender"),
            _("ID number"),
            _("Phone"),
            _("Address"),
            _("Party organisation"),
            _("Party group"),
            _("Standing"),
            _("Joined"),
            _("Full membership"),
            _("Status"),
            _("In-service"),
            _("Employer"),
            _("Elderly member"),
            _("In difficulty"),
            _("Mobile member"),
            _("Households in contact"),
        ],
        [10, 6, 20, 14, 36, 28, 24, 12, 12, 12, 10, 8, 16, 8, 8, 8, 8],
    )
    rows = (
        queryset.select_related("resident__household", "organization", "group")
        .annotate(households=Count("links", filter=Q(links__level=ChainLevel.HOUSEHOLD)))
        .order_by("code", "id")
    )
    for member in rows.iterator(chunk_size=CHUNK):
        resident = member.resident
        sheet.append(
            [
                member.display_name,
                member.display_gender,
                resident.id_number_masked if resident else "",
                member.display_phone,
                resident.household.address if resident else "",
                member.organization.name,
                member.group.name if member.group_id else "",
                member.get_standing_display(),
                member.joined_on,
                member.full_on,
                member.get_status_display(),
                _yes(member.in_service),
                member.employer,
                _yes(member.elderly),
                _yes(member.in_difficulty),
                _yes(member.mobile),
                member.households,
            ]
        )
    return _response(workbook, "party-members")


def _node_label(region) -> str:
    """A household by its address, other nodes by their parent's name and their own."""
    if region.address:
        return region.address
    parent = region.parent
    return f"{parent.name} {region.name}" if parent is not None else region.name


def chain_workbook(region) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Responsibility chain"),
        [_("Level"), _("Who answers"), _("Code"), _("Node"), _("Member"), _("Organisation")],
        [10, 16, 32, 40, 10, 28],
    )
    links = (
        ResponsibilityLink.objects.within(region.code)
        .select_related("region__parent", "member__resident", "member__organization")
        .order_by("code")
    )
    for link in links.iterator(chunk_size=CHUNK):
        level = ChainLevel(link.level)
        sheet.append(
            [
                str(level.label),
                str(CHAIN_ROLES[level]),
                link.code,
                _node_label(link.region),
                link.member.display_name,
                link.member.organization.name,
            ]
        )
    return _response(workbook, f"chain-{region.code}")


def gaps_workbook(report, gap_queries) -> HttpResponse:
    """The summary of a coverage report, then every gap (not only the first ones on the page).

    `gap_queries` is `[(section, level label, iterable of Region)]`."""
    workbook = Workbook(write_only=True)
    summary = _sheet(
        workbook,
        _("Coverage"),
        [_("Section"), _("Level"), _("Nodes"), _("Covered"), _("Uncovered"), _("Coverage %")],
        [26, 40, 10, 10, 10, 10],
    )
    sections = [(_("Party organisations"), row) for row in report.organisations]
    sections += [(_("Responsibility chain"), row) for row in report.chain]
    if report.posts is not None:
        sections.append((_("Grid posts"), report.posts))
    for section, row in sections:
        summary.append([section, row.label, row.nodes, row.covered, row.uncovered, row.percent])
    gaps = _sheet(
        workbook,
        _("Gaps"),
        [_("Section"), _("Level"), _("Code"), _("Node"), _("Missing")],
        [26, 40, 32, 40, 40],
    )
    for section, label, queryset in gap_queries:
        for node in queryset:
            gaps.append([section, label, node.code, _node_label(node), ""])
    if report.posts is not None:
        for gap in report.posts.gaps:
            gaps.append(
                [
                    _("Grid posts"),
                    report.posts.label,
                    gap.grid.code,
                    f"{gap.grid.parent.name}{gap.grid.name}",
                    "、".join(kind.name for kind in gap.missing),
                ]
            )
    return _response(workbook, f"coverage-gaps-{report.region.code}")
