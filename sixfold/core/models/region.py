"""The region tree (S26, S27): street → community / village → grid → building → unit → household.

Each node's `code` is its materialized path. The first digits follow the national statistical
division codes (district 370116, street 370116001, community 370116001001, village
370116001201); lower levels append a fixed-width segment (`-G03`, `-B012`, `-U01`, `-0301`), so
every level has one code length and a prefix never matches a sibling's subtree by accident.
"""

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import RegionCodeField, ScopedQuerySet, TimeStamped, unwrap_tags


class Level(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")
    UNIT = "unit", _("Unit")
    HOUSEHOLD = "household", _("Household")


# How each level's code extends its parent's: (regex of the segment, format of a number).
SEGMENTS = {
    Level.CITY: (r"\d{4}", "{:04d}"),
    Level.DISTRICT: (r"\d{2}", "{:02d}"),
    Level.STREET: (r"\d{3}", "{:03d}"),
    Level.COMMUNITY: (r"\d{3}", "{:03d}"),
    Level.VILLAGE: (r"\d{3}", "{:03d}"),
    Level.GRID: (r"-G\d{2}", "-G{:02d}"),
    Level.BUILDING: (r"-B\d{3}", "-B{:03d}"),
    Level.UNIT: (r"-U\d{2}", "-U{:02d}"),
    Level.HOUSEHOLD: (r"-\d{4}", "-{:04d}"),
}
CODE_LENGTH = {
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.VILLAGE: 12,
    Level.GRID: 16,
    Level.BUILDING: 21,
    Level.UNIT: 25,
    Level.HOUSEHOLD: 30,
}
# Which levels may sit under which.
CHILD_LEVELS = {
    Level.CITY: (Level.DISTRICT,),
    Level.DISTRICT: (Level.STREET,),
    Level.STREET: (Level.COMMUNITY, Level.VILLAGE),
    Level.COMMUNITY: (Level.GRID,),
    Level.VILLAGE: (Level.GRID,),
    Level.GRID: (Level.BUILDING,),
    Level.BUILDING: (Level.UNIT,),
    Level.UNIT: (Level.HOUSEHOLD,),
    Level.HOUSEHOLD: (),
}
# Villages are numbered 2xx under their street (national practice: 1xx/0xx communities).
VILLAGE_NUMBERS = range(200, 400)
# The numbers each level's segment may carry: what its fixed width holds, with the street's
# children split as the national division codes do (居委会 001–199, 村委会 200–399).
NUMBER_RANGES = {
    Level.CITY: range(1, 10_000),
    Level.DISTRICT: range(1, 100),
    Level.STREET: range(1, 1_000),
    Level.COMMUNITY: range(1, 200),
    Level.VILLAGE: VILLAGE_NUMBERS,
    Level.GRID: range(1, 100),
    Level.BUILDING: range(1, 1_000),
    Level.UNIT: range(1, 100),
    Level.HOUSEHOLD: range(1, 10_000),
}


def child_code(parent_code: str, level: str, number: int) -> str:
    return parent_code + SEGMENTS[Level(level)][1].format(number)


def code_matches_level(code: str, level: str) -> bool:
    return len(code) == CODE_LENGTH[Level(level)]


def segment_number(code: str, level: str) -> int:
    """The number a node's own segment carries (`…-B012` → 12)."""
    pattern = SEGMENTS[Level(level)][0]
    match = re.search(f"({pattern})$", code)
    return int(re.sub(r"\D", "", match.group(1))) if match else 0


class RegionQuerySet(ScopedQuerySet):
    def of_level(self, *levels):
        return self.filter(level__in=levels)


class Region(TimeStamped):
    """A node of the region tree."""

    scope_field = "code"

    code = RegionCodeField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID

    def ancestor_codes(self) -> list[str]:
        """Codes of every ancestor, root first, derived from the code itself."""
        return [
            self.code[:length]
            for level, length in CODE_LENGTH.items()
            if length < len(self.code) and level not in (Level.VILLAGE,)
        ]

    def ancestors(self):
        return Region.objects.filter(code__in=self.ancestor_codes()).order_by("code")

    def grid_norm(self) -> tuple[int, int]:
        return settings.SIXFOLD_GRID_HOUSEHOLDS


class Building(TimeStamped):
    """A building (楼栋) in a grid; its region node is level `building`."""

    class Structure(models.TextChoices):
        HIGH_RISE = "high_rise", _("High-rise")
        MID_RISE = "mid_rise", _("Mid-rise")
        LOW_RISE = "low_rise", _("Low-rise")
        BUNGALOW = "bungalow", _("Bungalow / village house")
        OTHER = "other", _("Other")

    scope_field = "code"

    region = models.OneToOneField(
        Region, primary_key=True, on_delete=models.CASCADE, related_name="building"
    )
    code = RegionCodeField(_("code"), max_length=40, unique=True)
    compound = models.CharField(_("compound"), max_length=100, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    structure = models.CharField(
        _("structure"), max_length=12, choices=Structure.choices, default=Structure.MID_RISE
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.region.name


class Unit(TimeStamped):
    """A unit or stairwell (单元/楼道) of a building."""

    scope_field = "code"

    region = models.OneToOneField(
        Region, primary_key=True, on_delete=models.CASCADE, related_name="unit"
    )
    code = RegionCodeField(_("code"), max_length=40, unique=True)
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.building.region.name}{self.region.name}"


class Household(TimeStamped):
    """A household (户) at one address; its members are residents."""

    class Tag(models.TextChoices):
        EMPTY_NEST = "empty_nest", _("Empty-nest")
        HARDSHIP = "hardship", _("Hardship")
        RENTED = "rented", _("Rented out")
        MILITARY = "military", _("Military family")
        FOCUS = "focus", _("Needs attention")

    class Housing(models.TextChoices):
        OWNED = "owned", _("Owned")
        RENTED = "rented", _("Rented")
        PUBLIC = "public", _("Public housing")
        OTHER = "other", _("Other")

    scope_field = "code"

    region = models.OneToOneField(
        Region, primary_key=True, on_delete=models.CASCADE, related_name="household"
    )
    code = RegionCodeField(_("code"), max_length=40, unique=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="households", verbose_name=_("unit")
    )
    room = models.CharField(_("room"), max_length=10)
    address = models.CharField(_("address"), max_length=200)
    housing = models.CharField(
        _("housing"), max_length=10, choices=Housing.choices, default=Housing.OWNED
    )
    area = models.DecimalField(
        _("floor area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.address

    @property
    def tag_list(self) -> list[str]:
        return unwrap_tags(self.tags)

    def tag_labels(self) -> list[str]:
        labels = dict(self.Tag.choices)
        return [labels.get(t, t) for t in self.tag_list]
