from .audit import AuditEvent
from .imports import ImportJob
from .region import Building, Household, Level, Region, Unit
from .resident import Resident

__all__ = [
    "AuditEvent",
    "Building",
    "Household",
    "ImportJob",
    "Level",
    "Region",
    "Resident",
    "Unit",
]
