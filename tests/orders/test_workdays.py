"""Working days on the statutory calendar: holidays, make-up days (调休), unknown years."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from sixfold.core import workdays
from sixfold.core.models import CalendarDay

from .conftest import at

D = dt.date


@pytest.mark.django_db
def test_the_table_is_seeded_from_the_package():
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).is_workday  # a working Saturday
    assert {2004, 2026} <= workdays.known_years() and 2027 not in workdays.known_years()
    assert workdays.seed_from_package() == 0  # seeding again adds nothing


@pytest.mark.django_db
def test_national_day_2026():
    # Wednesday 30 September: 1 Oct–7 Oct off; Thu 8 and Fri 9 work, Sat 10 is a make-up day.
    assert workdays.workdays_after(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.workdays_after(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert workdays.workdays_after(D(2026, 9, 30), 4) == D(2026, 10, 12)
    assert workdays.is_workday(D(2026, 10, 10)) and not workdays.is_workday(D(2026, 10, 5))
    # 7 working days from 30 Sep, at the same time of day
    due = workdays.add_workdays(at(2026, 9, 30, 15), 7)
    assert due == at(2026, 10, 15, 15)
    # Sunday 20 September is a make-up working day too
    assert workdays.workdays_after(D(2026, 9, 19), 1) == D(2026, 9, 20)


@pytest.mark.django_db
def test_spring_festival_2026():
    # Off 15–23 Feb; Saturday 14 Feb and Saturday 28 Feb are working days.
    assert workdays.workdays_after(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert workdays.workdays_after(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert workdays.workdays_between(D(2026, 2, 13), D(2026, 2, 28)) == 6


@pytest.mark.django_db
def test_2027_falls_back_to_monday_to_friday_with_a_warning():
    assert workdays.calendar_warning(D(2026, 12, 31)) is None
    assert "2027" in workdays.calendar_warning(D(2027, 1, 4))
    # Thursday 31 Dec 2026 + 2 working days: Fri 1 Jan 2027 counts (no calendar yet), Mon 4 Jan
    assert workdays.workdays_after(D(2026, 12, 31), 2) == D(2027, 1, 4)


@pytest.mark.django_db
def test_an_admin_enters_next_years_holidays(world):
    admin = world.users["street_admin"]
    workdays.set_day(D(2027, 1, 1), is_workday=False, name="元旦", by=admin)
    assert workdays.calendar_warning(D(2027, 6, 1)) is None
    assert workdays.workdays_after(D(2026, 12, 31), 2) == D(2027, 1, 5)
    with pytest.raises(PermissionDenied):
        workdays.set_day(D(2027, 2, 6), is_workday=True, by=world.users["community_worker"])
