from .audit import AuditEvent
from .calendar import CalendarDay
from .imports import ImportJob
from .region import Building, Household, Level, Region, Unit
from .resident import Resident

__all__ = [
    "AuditEvent",
    "Building",
    "CalendarDay",
    "Household",
    "ImportJob",
    "Level",
    "Region",
    "Resident",
    "Unit",
]
