"""Excel (.xlsx) lists of dual reporting (S22): registrations, the quarter's summary of every
member (for the employers' feedback), and the two lists of who is missing. Written in openpyxl's
write-only mode with the party registers' sheet helpers; personal data leaves only masked."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from sixfold.party.exports import _response, _sheet

from .models import QuarterlyAssessment


def _grade(value: str | None) -> str:
    return str(QuarterlyAssessment.Grade(value).label) if value else ""


def registrations_workbook(queryset) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Member registrations"),
        [
            pgettext("person", "Name"),
            _("Party organisation"),
            _("Community"),
            _("Employer"),
            _("Employer's party organisation"),
            _("Phone"),
            _("Skills"),
            _("Preferred posts"),
            _("Registered on"),
            _("Status"),
        ],
        [10, 28, 14, 18, 24, 14, 20, 36, 12, 10],
    )
    for reg in queryset:
        sheet.append(
            [
                reg.member.display_name,
                reg.member.organization.name,
                reg.community.name,
                reg.employer,
                reg.employer_party_org,
                reg.phone_masked or reg.member.display_phone,
                reg.skills,
                "、".join(c.name for c in reg.categories.all()),
                reg.registered_on,
                reg.get_status_display(),
            ]
        )
    return _response(workbook, "dual-report-registrations")


def quarter_workbook(queryset, label: str) -> HttpResponse:
    """One row per member: the quarter's hours, records, posts and assessment."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Quarter %(quarter)s") % {"quarter": label},
        [
            pgettext("person", "Name"),
            _("Community"),
            _("Employer"),
            _("Employer's party organisation"),
            _("Posts held"),
            _("Service records"),
            _("Hours in the quarter"),
            _("Hours this year"),
            _("Assessment"),
            _("Comment"),
        ],
        [10, 14, 18, 24, 8, 8, 10, 10, 10, 40],
    )
    for reg in queryset:
        sheet.append(
            [
                reg.member.display_name,
                reg.community.name,
                reg.employer,
                reg.employer_party_org,
                reg.quarter_posts,
                reg.quarter_records,
                float(reg.quarter_hours),
                float(reg.year_hours),
                _grade(reg.grade),
                reg.assessment_comment or "",
            ]
        )
    return _response(workbook, f"dual-report-{label}")


def idle_workbook(queryset, label: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("No service in %(quarter)s") % {"quarter": label},
        [
            pgettext("person", "Name"),
            _("Party organisation"),
            _("Community"),
            _("Employer"),
            _("Registered on"),
        ],
        [10, 28, 14, 18, 12],
    )
    for reg in queryset:
        sheet.append(
            [
                reg.member.display_name,
                reg.member.organization.name,
                reg.community.name,
                reg.employer,
                reg.registered_on,
            ]
        )
    return _response(workbook, f"dual-report-idle-{label}")


def unregistered_workbook(queryset) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("Not reported"),
        [pgettext("person", "Name"), _("Party organisation"), _("Employer"), _("Phone")],
        [10, 28, 18, 14],
    )
    for member in queryset:
        sheet.append(
            [
                member.display_name,
                member.organization.name,
                member.employer,
                member.display_phone,
            ]
        )
    return _response(workbook, "dual-report-not-reported")
