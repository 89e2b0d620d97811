"""Quarterly summaries of dual-reported members (S22): the feedback letter (反馈函) to each
member's employer, the community's list of all members' quarters, and the two lists of who is
missing — in-service members who have not reported, and reported members with no service in the
quarter.

A quarter is written `2026-Q1` in URLs and exports. Only confirmed hours count.
"""

import re
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from sixfold.party.models import PartyMember

from .models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServiceRecord,
    Status,
    quarter_bounds,
    quarter_of,
)

QUARTER_PATTERN = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
CONFIRMED = ServiceRecord.RecordStatus.CONFIRMED
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=9, decimal_places=1))


def current_quarter() -> tuple[int, int]:
    return quarter_of(timezone.localdate())


def parse_quarter(value: str | None) -> tuple[int, int] | None:
    """`2026-Q1` → (2026, 1); None for anything else or a quarter that has not begun."""
    match = QUARTER_PATTERN.fullmatch((value or "").strip())
    if not match:
        return None
    year, quarter = int(match[1]), int(match[2])
    if not 2000 <= year <= 2100 or quarter_bounds(year, quarter)[0] > timezone.localdate():
        return None
    return year, quarter


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def recent_quarters(count: int = 8) -> list[tuple[str, str]]:
    """(value, label) of the current quarter and the ones before it, newest first."""
    year, quarter = current_quarter()
    options = []
    for _index in range(count):
        options.append((quarter_label(year, quarter), f"{year}年第{quarter}季度"))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return options


def with_quarter(registrations, year: int, quarter: int):
    """Registrations annotated with the quarter's confirmed hours and records, the year's
    hours, the posts held in the quarter and the quarter's assessment — one query."""
    start, end = quarter_bounds(year, quarter)
    in_quarter = Q(
        records__status=CONFIRMED, records__served_on__gte=start, records__served_on__lte=end
    )
    in_year = Q(
        records__status=CONFIRMED,
        records__served_on__gte=start.replace(month=1, day=1),
        records__served_on__lte=end,
    )
    assessment = QuarterlyAssessment.objects.filter(
        registration=OuterRef("pk"), year=year, quarter=quarter
    )
    # Claims held at some time in the quarter: made before it ended, not ended before it began.
    posts = (
        PostClaim.objects.filter(registration=OuterRef("pk"), claimed_on__lte=end)
        .exclude(released_on__lt=start)
        .order_by()
        .values("registration")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return registrations.annotate(
        quarter_hours=Coalesce(
            Sum("records__hours", filter=in_quarter), ZERO, output_field=ZERO.output_field
        ),
        quarter_records=Count("records", filter=in_quarter),
        year_hours=Coalesce(
            Sum("records__hours", filter=in_year), ZERO, output_field=ZERO.output_field
        ),
        quarter_posts=Coalesce(Subquery(posts), 0),
        grade=Subquery(assessment.values("grade")[:1]),
        assessment_comment=Subquery(assessment.values("comment")[:1]),
    )


def reported_by(registrations, year: int, quarter: int):
    """Registrations that were in force during the quarter."""
    start, end = quarter_bounds(year, quarter)
    return registrations.filter(registered_on__lte=end).exclude(withdrawn_on__lt=start)


def idle(registrations, year: int, quarter: int):
    """Active registrations made before the quarter ended with no confirmed service in it."""
    start, end = quarter_bounds(year, quarter)
    served = ServiceRecord.objects.filter(
        registration=OuterRef("pk"), status=CONFIRMED, served_on__gte=start, served_on__lte=end
    )
    return registrations.filter(status=Status.ACTIVE, registered_on__lte=end).exclude(
        Exists(served)
    )


def unregistered(members):
    """Active in-service members without an active registration."""
    registered = MemberRegistration.objects.filter(member=OuterRef("pk"), status=Status.ACTIVE)
    return members.filter(status=PartyMember.Status.ACTIVE, in_service=True).exclude(
        Exists(registered)
    )


def letter(registration: MemberRegistration, year: int, quarter: int) -> dict:
    """What the feedback letter says for one member and quarter."""
    start, end = quarter_bounds(year, quarter)
    records = list(
        registration.records.filter(status=CONFIRMED, served_on__gte=start, served_on__lte=end)
        .select_related("post__category")
        .order_by("served_on", "id")
    )
    claims = list(
        registration.claims.filter(claimed_on__lte=end)
        .exclude(released_on__lt=start)
        .select_related("post__category")
        .order_by("claimed_on", "id")
    )
    year_hours = registration.records.filter(
        status=CONFIRMED, served_on__gte=start.replace(month=1, day=1), served_on__lte=end
    ).aggregate(total=Sum("hours"))["total"] or Decimal("0")
    assessment = registration.assessments.filter(year=year, quarter=quarter).first()
    return {
        "year": year,
        "quarter": quarter,
        "start": start,
        "end": end,
        "records": records,
        "claims": claims,
        "hours": sum((r.hours for r in records), Decimal("0")),
        "points": sum((r.points for r in records), Decimal("0")),
        "year_hours": year_hours,
        "assessment": assessment,
    }


def letters_for(registrations, year: int, quarter: int) -> list[tuple]:
    """(registration, letter) for many members at once — the batch print of a quarter's
    letters — in a fixed number of queries, whatever the number of members."""
    start, end = quarter_bounds(year, quarter)
    rows = with_quarter(registrations, year, quarter).prefetch_related(
        "categories",
        Prefetch(
            "records",
            queryset=ServiceRecord.objects.filter(
                status=CONFIRMED, served_on__gte=start, served_on__lte=end
            )
            .select_related("post")
            .order_by("served_on", "id"),
            to_attr="quarter_record_list",
        ),
        Prefetch(
            "claims",
            queryset=PostClaim.objects.filter(claimed_on__lte=end)
            .exclude(released_on__lt=start)
            .select_related("post__category")
            .order_by("claimed_on", "id"),
            to_attr="quarter_claim_list",
        ),
        Prefetch(
            "assessments",
            queryset=QuarterlyAssessment.objects.filter(year=year, quarter=quarter),
            to_attr="quarter_assessment_list",
        ),
    )
    result = []
    for registration in rows:
        records = registration.quarter_record_list
        assessments = registration.quarter_assessment_list
        result.append(
            (
                registration,
                {
                    "year": year,
                    "quarter": quarter,
                    "start": start,
                    "end": end,
                    "records": records,
                    "claims": registration.quarter_claim_list,
                    "hours": registration.quarter_hours,
                    "points": sum((r.points for r in records), Decimal("0")),
                    "year_hours": registration.year_hours,
                    "assessment": assessments[0] if assessments else None,
                },
            )
        )
    return result
