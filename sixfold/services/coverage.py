"""The coverage audit of the service network (S12): which streets, communities, grids, buildings
and stairwells of a subtree have no service point.

Like the party's audit it must answer for a city in seconds, so nothing runs a query per node:
codes have one length per level, so the nodes and the points under the audited node are each
counted in one query grouped by level and by the child of the audited node they lie under (the
first characters of the code). The gap lists are one query per level, cut at `limit`. The number
of queries is the same for a stairwell as for a city (`tests/services/test_coverage.py`).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Substr

from sixfold.core.models import Level, Region
from sixfold.core.models.region import CHILD_LEVELS, CODE_LENGTH

from .models import KIND_BY_LEVEL, PointKind, ServicePoint

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000

# The network's levels, top down, with the region levels each covers.
AUDIT_LEVELS = (
    (PointKind.CENTRE, (Level.STREET,)),
    (PointKind.STATION, (Level.COMMUNITY, Level.VILLAGE)),
    (PointKind.GRID_POINT, (Level.GRID,)),
    (PointKind.BUILDING_LIAISON, (Level.BUILDING,)),
    (PointKind.UNIT_LIAISON, (Level.UNIT,)),
)
NETWORK_LEVELS = tuple(level for _kind, levels in AUDIT_LEVELS for level in levels)


@dataclass
class KindCoverage:
    """One level of the network in one audit: nodes, nodes with a point, the first gaps."""

    kind: str
    label: str
    region_levels: tuple
    nodes: int = 0
    covered: int = 0
    gaps: list = field(default_factory=list)

    @property
    def uncovered(self) -> int:
        return self.nodes - self.covered

    @property
    def percent(self) -> float | None:
        return round(self.covered * 100 / self.nodes, 1) if self.nodes else None

    @property
    def more_gaps(self) -> int:
        return max(self.uncovered - len(self.gaps), 0)


@dataclass
class ChildRow:
    node: Region
    has_point: bool
    cells: dict  # kind → KindCoverage (counts only)


@dataclass
class ServiceCoverage:
    region: Region
    levels: list[KindCoverage]
    children: list[ChildRow]

    @property
    def total_gaps(self) -> int:
        return sum(row.uncovered for row in self.levels)


def audit_kinds(region: Region) -> list[tuple[str, tuple]]:
    """The network levels at or below the node (a grid's audit has no station level)."""
    length = len(region.code)
    return [(kind, levels) for kind, levels in AUDIT_LEVELS if CODE_LENGTH[levels[0]] >= length]


def _child_length(region: Region) -> int | None:
    children = [c for c in CHILD_LEVELS.get(Level(region.level), ()) if c in NETWORK_LEVELS]
    return CODE_LENGTH[children[0]] if children else None


def _grouped(queryset, region: Region, length: int | None) -> dict[tuple[str, str], int]:
    """`{(child code, point kind): count}` of rows at the network's levels under `region`."""
    part = Substr("code", 1, length) if length else Substr("code", 1, 0)
    rows = (
        queryset.within(region.code)
        .filter(level__in=NETWORK_LEVELS)
        .order_by()
        .annotate(part=part)
        .values_list("part", "level")
        .annotate(n=Count("pk"))
    )
    result: dict[tuple[str, str], int] = defaultdict(int)
    for part_code, level, n in rows:
        result[(part_code, KIND_BY_LEVEL[level])] += n
    return result


def uncovered_nodes(scope_code: str, region_levels):
    """Nodes of the given levels under `scope_code` without a service point, in code order."""
    return (
        Region.objects.within(scope_code)
        .filter(level__in=region_levels)
        .filter(~Exists(ServicePoint.objects.filter(region_id=OuterRef("pk"))))
        .select_related("parent")
        .order_by("code")
    )


def coverage_report(
    region: Region, *, limit: int = DEFAULT_LIMIT, children: bool = True
) -> ServiceCoverage:
    """The audit of `region`'s subtree. The caller has checked the user may see `region`."""
    limit = max(0, min(limit, MAX_LIMIT))
    length = _child_length(region) if children else None
    nodes = _grouped(Region.objects.all(), region, length)
    points = _grouped(ServicePoint.objects.all(), region, length)

    levels = []
    for kind, region_levels in audit_kinds(region):
        row = KindCoverage(kind, str(PointKind(kind).label), region_levels)
        row.nodes = sum(n for (_p, k), n in nodes.items() if k == kind)
        row.covered = sum(n for (_p, k), n in points.items() if k == kind)
        if row.uncovered and limit:
            row.gaps = list(uncovered_nodes(region.code, region_levels)[:limit])
        levels.append(row)

    rows = []
    if length:
        child_nodes = list(
            Region.objects.filter(parent=region, level__in=NETWORK_LEVELS)
            .annotate(has_point=Exists(ServicePoint.objects.filter(region_id=OuterRef("pk"))))
            .order_by("code")
        )
        for child in child_nodes:
            cells = {}
            for kind, _levels in audit_kinds(child):
                cells[kind] = KindCoverage(
                    kind,
                    str(PointKind(kind).label),
                    _levels,
                    nodes=nodes.get((child.code, kind), 0),
                    covered=points.get((child.code, kind), 0),
                )
            rows.append(ChildRow(child, child.has_point, cells))
    return ServiceCoverage(region=region, levels=levels, children=rows)


def node_label(region: Region) -> str:
    """A grid, building or stairwell with the node above it ("1号楼" alone is ambiguous)."""
    if region.level in (Level.GRID, Level.BUILDING, Level.UNIT) and region.parent_id:
        return f"{region.parent.name} {region.name}"
    return region.name
