"""Working days (工作日) on the statutory holiday calendar, for time limits in working days.

The calendar is the table `CalendarDay`, seeded by a data migration from the `chinesecalendar`
package (2004–2026; it raises NotImplementedError for later years) — so tests and production never
need the network and the lookup is one indexed query per computation. A year is *known* when it
has any row; a street admin enters a new year's holidays and make-up days (调休) in the Django
admin or with `set_day`. For a year without rows, Monday–Friday count as working days and
`calendar_warning(date)` returns a message pages show next to the limit.

A limit of N working days from a moment ends on the N-th working day after that moment's local
date, at the same local time of day (a request filed on Friday 10:00 with 1 working day is due
on Monday 10:00; one filed on a holiday counts from the next working day in the same way).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent, CalendarDay

# The longest stretch a limit may search (a year of working days is far beyond any limit).
MAX_DAYS = 800

# Holiday names of the package (English) as the calendar shows them.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def package_days() -> list[tuple[dt.date, bool, str]]:
    """Every day the package marks: holidays (not working) and make-up days (working)."""
    from chinese_calendar import constants

    days = [(d, False, HOLIDAY_NAMES.get(str(n), str(n))) for d, n in constants.holidays.items()]
    days += [
        (d, True, HOLIDAY_NAMES.get(str(n), str(n)) + "调休") for d, n in constants.workdays.items()
    ]
    return sorted(days)


def seed_from_package(model=CalendarDay) -> int:
    """Insert the package's days missing from the table (admins' rows win); return how many."""
    have = set(model.objects.values_list("date", flat=True))
    rows = [
        model(date=d, is_workday=w, name=n, source="package")
        for d, w, n in package_days()
        if d not in have
    ]
    model.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def known_years() -> set[int]:
    return {d.year for d in CalendarDay.objects.dates("date", "year")}


def calendar_warning(day: dt.date | dt.datetime | None = None) -> str | None:
    """A message when `day`'s year has no holiday calendar yet (None when it has one)."""
    if day is None:
        day = timezone.localdate()
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    if CalendarDay.objects.filter(date__year=day.year).exists():
        return None
    return _(
        "The holiday calendar for %(year)s has not been entered yet; working days in %(year)s "
        "count Monday to Friday until an administrator adds the holidays."
    ) % {"year": day.year}


def exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The table's days from `start` to `end`: date → working or not (others: Monday–Friday)."""
    return _exceptions(start, end)


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(
        CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday")
    )


def is_workday(day: dt.date) -> bool:
    row = CalendarDay.objects.filter(date=day).values_list("is_workday", flat=True).first()
    return row if row is not None else day.weekday() < 5


def workdays_after(day: dt.date, count: int, marks: dict[dt.date, bool] | None = None) -> dt.date:
    """The `count`-th working day after `day` (count ≥ 1); `day` itself is not counted.

    `marks` (from `exceptions`) spares the query when many limits are computed at once."""
    if count < 1:
        return day
    end = day + dt.timedelta(days=max(count * 3, 60))
    while True:
        if marks is None or (end - day).days > 60:
            marks = _exceptions(day, end)
        current, left = day, count
        while current < end:
            current += dt.timedelta(days=1)
            working = marks.get(current, current.weekday() < 5)
            if working:
                left -= 1
                if left == 0:
                    return current
        if (end - day).days > MAX_DAYS:
            raise ValueError("working-day limit out of range")
        end = day + dt.timedelta(days=(end - day).days * 2)


def add_workdays(
    moment: dt.datetime, count: int, marks: dict[dt.date, bool] | None = None
) -> dt.datetime:
    """`moment` moved `count` working days on, same local time of day (see module docstring)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(zone)
    day = workdays_after(local.date(), count, marks)
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    marks = _exceptions(start, end)
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if marks.get(current, current.weekday() < 5):
            count += 1
    return count


@transaction.atomic
def set_day(day: dt.date, *, is_workday: bool, name: str = "", by) -> CalendarDay:
    """Enter or change one day of the calendar (a street admin adding next year's holidays)."""
    from .actions import ensure_perm

    if by is not None and not getattr(by, "is_superuser", False):
        ensure_perm(by, "calendar.manage", by.home_scope() or "-")
    if not isinstance(day, dt.date):
        raise ValidationError({"date": [_("Please enter a valid date.")]}, code="invalid")
    name = (name or "").strip()
    if len(name) > 50:
        raise ValidationError({"name": [_("The name is too long (at most 50 characters).")]})
    row = CalendarDay.objects.filter(date=day).first()
    before = {"is_workday": row.is_workday, "name": row.name} if row else None
    if row is None:
        row = CalendarDay(date=day)
    row.is_workday, row.name, row.source = bool(is_workday), name, CalendarDay.Source.ADMIN
    row.save()
    from . import events

    events.record(
        AuditEvent.Verb.CHANGE if before else AuditEvent.Verb.CREATE,
        by=by,
        obj=row,
        scope_code=by.home_scope() if by is not None else "",
        before=before,
        after={"is_workday": row.is_workday, "name": row.name},
    )
    return row
