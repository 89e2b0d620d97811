from .audit import AuditEvent
from .region import Building, Household, Level, Region, Unit
from .resident import Resident

__all__ = ["AuditEvent", "Building", "Household", "Level", "Region", "Resident", "Unit"]
