"""The coverage audit: 党建网格全覆盖 (S1), 五级负责制 (S2) and 格中有人 (S26) for any region node.

For the subtree of one node it answers, per level: how many nodes there are, how many are
covered, which are not (the first `limit`, in code order) — for party organisations (every
community a committee, every grid a branch, every building where members live a group), for the
responsibility chain (community, grid, building, stairwell, household), and for the required
grid posts; and which members contact more households than the threshold.

It must answer for a city of a million households in seconds, so nothing here runs a query per
node: codes have one length per level, and every count is one query grouped by the first
characters of the code (the child of the audited node a row lies under) and the level. The
number of queries is the same for a household as for a city (`tests/party/test_coverage.py`
holds it to that).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.db.models.lookups import Exact, In
from django.utils.translation import gettext_lazy as _

from sixfold.core.lookups import Unindexed
from sixfold.core.models import Level, Region
from sixfold.core.models.region import CHILD_LEVELS, CODE_LENGTH

from .actions import uncovered_nodes
from .models import (
    CHAIN_LENGTH,
    CHAIN_ROLES,
    ChainLevel,
    GridPost,
    GridPostKind,
    PartyMember,
    PartyOrganization,
    ResponsibilityLink,
    chain_level_of,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
BUILDING_LENGTH = CODE_LENGTH[Level.BUILDING]
COMMUNITY_LENGTH = CODE_LENGTH[Level.COMMUNITY]

# The organisation levels the audit checks, with the label of what each node should have.
ORG_LEVELS = (
    (ChainLevel.COMMUNITY, _("Communities with a party committee (or branch)")),
    (ChainLevel.GRID, _("Grids with a party branch")),
    (ChainLevel.BUILDING, _("Buildings where members live, with a party group")),
)


# Active members, written so that SQLite narrows by the code range, not the `status` index.
ACTIVE = Exact(Unindexed("status"), PartyMember.Status.ACTIVE)


def node_label(region) -> str:
    """A household by its address; a grid, building or stairwell with the node above it, so
    "第一网格" or "1单元" can be told apart in a list of gaps."""
    if region.level == Level.HOUSEHOLD and region.address:
        return region.address
    parent = region.parent if region.parent_id else None
    if region.level in (Level.GRID, Level.BUILDING, Level.UNIT, Level.HOUSEHOLD) and parent:
        return f"{parent.name} {region.name}"
    return region.name


def threshold_households() -> int:
    return settings.SIXFOLD_PARTY_HOUSEHOLDS_PER_MEMBER


@dataclass
class LevelCoverage:
    """One level of one audit: nodes, covered nodes and the first gaps."""

    level: str
    label: str
    nodes: int = 0
    covered: int = 0
    gaps: list = field(default_factory=list)
    role: str = ""
    # Every gap's code where the audit computes them in memory (buildings without a group).
    gap_codes: set = field(default_factory=set)

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
class PostGap:
    grid: Region
    missing: list[GridPostKind]


@dataclass
class Overload:
    member: PartyMember
    households: int


@dataclass
class ChildRow:
    node: Region
    org: bool | None
    chain: dict[str, LevelCoverage]
    posts: LevelCoverage | None


@dataclass
class CoverageReport:
    region: Region
    organisations: list[LevelCoverage]
    chain: list[LevelCoverage]
    posts: LevelCoverage | None
    required_posts: list[GridPostKind]
    overloaded: list[Overload]
    overloaded_count: int
    threshold: int
    children: list[ChildRow]

    @property
    def post_rows(self) -> list[LevelCoverage]:
        return [self.posts] if self.posts is not None else []

    @property
    def households(self) -> LevelCoverage | None:
        return next((c for c in self.chain if c.level == ChainLevel.HOUSEHOLD), None)


def _levels_under(region: Region) -> list[str]:
    """The chain levels at or below the node (a grid's audit has no community level)."""
    return [level for level, length in CHAIN_LENGTH.items() if length >= len(region.code)]


def _child_length(region: Region) -> int | None:
    children = CHILD_LEVELS.get(Level(region.level), ())
    return CODE_LENGTH[children[0]] if children else None


def _grouped(queryset, region: Region, length: int | None, level_field: str = "level"):
    """`{(part, chain level): count}` where part is the child of `region` a row lies under (the
    region's own code for the node itself) — one query."""
    part = Substr(queryset.model.scope_field, 1, length) if length else Substr("code", 1, 0)
    rows = (
        queryset.within(region.code)
        .order_by()
        .annotate(part=part)
        .values_list("part", level_field)
        .annotate(n=Count("pk"))
    )
    result: dict[tuple[str, str], int] = defaultdict(int)
    for part_code, level, n in rows:
        chain = chain_level_of(level)
        if chain is not None:
            result[(part_code, chain)] += n
    return result


def _sum(grouped: dict, level: str) -> int:
    return sum(n for (_part, lvl), n in grouped.items() if lvl == level)


def _gap_rows(queryset, limit: int) -> list[Region]:
    if limit <= 0:
        return []
    return list(queryset.select_related("parent__parent")[:limit])


def coverage_report(
    region: Region,
    *,
    limit: int = DEFAULT_LIMIT,
    threshold: int | None = None,
    children: bool = True,
) -> CoverageReport:
    """The audit of `region`'s subtree. The caller has checked the user may see `region`."""
    threshold = threshold_households() if threshold is None else threshold
    limit = max(0, min(limit, MAX_LIMIT))
    levels = _levels_under(region)
    length = _child_length(region) if children else None

    nodes = _grouped(Region.objects.all(), region, length)
    links = _grouped(ResponsibilityLink.objects.all(), region, length)
    orgs = _grouped(PartyOrganization.objects.all(), region, length)

    # --- organisations (S1) -----------------------------------------------------------------------
    organisations = []
    member_buildings: set[str] = set()
    group_buildings: set[str] = set()
    for level, label in ORG_LEVELS:
        if level not in levels:
            continue
        row = LevelCoverage(level, str(label))
        if level == ChainLevel.BUILDING:
            member_buildings = set(
                PartyMember.objects.filter(ACTIVE)
                .filter(resident__code__prefix=region.code)
                .order_by()
                .annotate(building=Substr("resident__code", 1, BUILDING_LENGTH))
                .values_list("building", flat=True)
                .distinct()
            )
            group_buildings = set(
                PartyOrganization.objects.within(region.code)
                .filter(level=Level.BUILDING)
                .values_list("code", flat=True)
            )
            row.gap_codes = member_buildings - group_buildings
            gaps = sorted(row.gap_codes)
            row.nodes = len(member_buildings)
            row.covered = len(member_buildings & group_buildings)
            if limit and gaps:
                row.gaps = list(
                    Region.objects.filter(code__in=gaps[:limit])
                    .select_related("parent__parent")
                    .order_by("code")
                )
        else:
            region_levels = (
                (Level.COMMUNITY, Level.VILLAGE) if level == ChainLevel.COMMUNITY else (level,)
            )
            row.nodes = _sum(nodes, level)
            row.covered = _sum(orgs, level)
            row.gaps = _gap_rows(
                Region.objects.within(region.code)
                .filter(In(Unindexed("level"), region_levels))
                .filter(~Exists(PartyOrganization.objects.filter(region_id=OuterRef("pk"))))
                .order_by("code"),
                limit,
            )
        organisations.append(row)

    # --- the responsibility chain (S2) ------------------------------------------------------------
    chain = []
    for level in levels:
        row = LevelCoverage(
            level,
            str(ChainLevel(level).label),
            nodes=_sum(nodes, level),
            covered=_sum(links, level),
            role=str(CHAIN_ROLES[ChainLevel(level)]),
        )
        if row.uncovered:
            row.gaps = _gap_rows(uncovered_nodes(region.code, level), limit)
        chain.append(row)

    # --- grid posts (S26) -------------------------------------------------------------------------
    posts, required, post_rows = None, [], {}
    if ChainLevel.GRID in levels:
        required = list(GridPostKind.objects.filter(active=True, required=True))
        grids = list(
            Region.objects.within(region.code)
            .filter(level=Level.GRID)
            .select_related("parent")
            .order_by("code")
        )
        filled: dict[int, set[int]] = defaultdict(set)
        if required:
            for grid_id, kind_id in (
                GridPost.objects.within(region.code)
                .filter(kind__in=required)
                .values_list("grid_id", "kind_id")
            ):
                filled[grid_id].add(kind_id)
        posts = LevelCoverage(Level.GRID, str(_("Grids with every required post filled")))
        post_gaps = []
        for grid in grids:
            missing = [kind for kind in required if kind.pk not in filled[grid.pk]]
            posts.nodes += 1
            part = grid.code[:length] if length else ""
            tally = post_rows.setdefault(part, [0, 0])
            tally[0] += 1
            if missing:
                post_gaps.append(PostGap(grid, missing))
            else:
                posts.covered += 1
                tally[1] += 1
        posts.gaps = post_gaps[:limit]

    # --- members beyond the threshold -----------------------------------------------------------
    households = ResponsibilityLink.objects.filter(Exact(Unindexed("level"), ChainLevel.HOUSEHOLD))
    if len(region.code) <= COMMUNITY_LENGTH:
        # A member answers only for nodes of her own community (the actions see to it), so at
        # community level and above her households inside the node are all she has.
        households = households.within(region.code)
    else:
        holders = households.within(region.code).values("member_id")
        households = households.filter(member_id__in=holders)
    loads = list(
        households.order_by()
        .values("member_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=threshold)
        .order_by("-n", "member_id")
        .values_list("member_id", "n")
    )
    shown = dict(loads[:limit]) if limit else {}
    members = PartyMember.objects.filter(pk__in=list(shown)).select_related(
        "resident", "organization"
    )
    by_pk = {member.pk: member for member in members} if shown else {}
    overloaded = [Overload(by_pk[pk], n) for pk, n in shown.items() if pk in by_pk]

    # --- one row per child node ------------------------------------------------------------------
    rows = []
    if length:
        children_nodes = Region.objects.filter(parent=region).select_related("parent")
        for child in children_nodes.order_by("code"):
            child_levels = _levels_under(child)
            chain_cells = {
                level: LevelCoverage(
                    level,
                    str(ChainLevel(level).label),
                    nodes=nodes.get((child.code, level), 0),
                    covered=links.get((child.code, level), 0),
                )
                for level in child_levels
            }
            own_level = chain_level_of(child.level)
            has_org = None
            if own_level in (ChainLevel.COMMUNITY, ChainLevel.GRID):
                has_org = bool(orgs.get((child.code, own_level)))
            elif own_level == ChainLevel.BUILDING and child.code in member_buildings:
                has_org = child.code in group_buildings
            tally = post_rows.get(child.code)
            child_posts = None
            if tally:
                child_posts = LevelCoverage(Level.GRID, "", nodes=tally[0], covered=tally[1])
            rows.append(ChildRow(child, has_org, chain_cells, child_posts))

    return CoverageReport(
        region=region,
        organisations=organisations,
        chain=chain,
        posts=posts,
        required_posts=required,
        overloaded=overloaded,
        overloaded_count=len(loads),
        threshold=threshold,
        children=rows,
    )


# --- the region browser's party column ---------------------------------------------------------------
def members_living_under(codes) -> dict[str, int]:
    """Active members of the register living under each node: one grouped query per level."""
    codes = list(codes)
    by_length: dict[int, list[str]] = defaultdict(list)
    for code in set(codes):
        by_length[len(code)].append(code)
    result = dict.fromkeys(codes, 0)
    for length, group in by_length.items():
        condition = Q()
        for code in group:
            condition |= Q(resident__code__prefix=code)
        rows = (
            PartyMember.objects.filter(ACTIVE)
            .filter(condition)
            .order_by()
            .annotate(node=Substr("resident__code", 1, length))
            .values("node")
            .annotate(n=Count("pk"))
            .values_list("node", "n")
        )
        result.update(dict(rows))
    return result
