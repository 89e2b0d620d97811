"""The working-day calendar (工作日历): one row per day whose status is known.

Time limits counted in working days follow the Chinese statutory holiday arrangement, with
make-up working days (调休) on weekends. Rows are seeded from the `chinesecalendar` package, which
knows 2004–2026; when the State Council publishes the next year's arrangement (usually in
November) a street admin adds that year's holidays and make-up days here (Django admin, or
`sixfold.core.workdays.set_day`). Days of a year without rows count as Monday–Friday, and
`sixfold.core.workdays.calendar_warning` says so wherever a limit crosses such a year.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day whose working status is known: a holiday, a make-up working day, or any other."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("Statutory calendar package")
        ADMIN = "admin", _("Entered by an administrator")

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday"), max_length=50, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ADMIN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}".strip()
