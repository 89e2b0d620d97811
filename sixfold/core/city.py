"""A synthetic city for scale (S26, S27 at city size): 济南市 with its twelve districts.

`build_city(households=N, seed=S)` fills a database with a city whose every level looks like the
demo street: districts (the national codes of Jinan's districts and counties) → streets (街道, or
镇 where villages dominate) → communities and villages → grids of 500–800 households → buildings →
units → households → residents. Below the street it *is* the demo street's generator
(`demo.StreetBuilder`): the same compounds, flats, village rows, families, names, tags and bulk
writer (COPY on PostgreSQL, executemany on SQLite), one community per write. The city adds what a
street alone never needs:

* a plan: grid sizes chosen so the city holds exactly N households, grouped into communities
  (1–4 grids; villages 1–2), streets (about a demo street's size) and districts (by a rough share
  of the city's households, more villages in the outer districts and counties);
* ID numbers and phones that stay unique across millions of people without remembering each one:
  a counter per (address code, birth date, gender) and per mobile prefix, walked through a fixed
  permutation so the numbers do not look sequential. Residents carry their district's address
  code, the code the district had when they were born (章丘 370181 before 2016, 莱芜 371202
  before 2019 …), or now and then the code of a place elsewhere;
* `append`: a database that already holds regions (the demo street, an earlier city) is extended
  with new streets numbered after the existing ones; nothing that exists is changed, and no ID
  number or phone already in the register is handed out again.

The same seed gives the same city (only ciphertexts differ, as in the demo). The whole city is
written in one transaction: an interrupted run leaves the database as it was. One `import` audit
event on the city node records it.
"""

import array
import contextlib
import datetime as dt
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections, router, transaction

from . import demo, events, idcard, pii
from .models import AuditEvent, Building, Household, Level, Region, Resident, Unit
from .models.region import NUMBER_RANGES, VILLAGE_NUMBERS, child_code

CITY_CODE, CITY_NAME = "3701", "济南市"
PROVINCE = "山东省"


@dataclass(frozen=True)
class District:
    """A district or county of the city. `share`: rough part of the city's households;
    `rural`: part of its communities that are villages; `former`: the address code its residents
    born up to a year were given before the district was re-coded."""

    code: str
    name: str
    share: float
    rural: float
    former: tuple[str, int] | None = None


DISTRICTS = (
    District("370102", "历下区", 8, 0.0),
    District("370103", "市中区", 9, 0.05),
    District("370104", "槐荫区", 7, 0.1),
    District("370105", "天桥区", 7, 0.1),
    District("370112", "历城区", 13, 0.3),
    District("370113", "长清区", 6, 0.55, ("370123", 2001)),
    District("370114", "章丘区", 10, 0.5, ("370181", 2016)),
    District("370115", "济阳区", 5, 0.6, ("370125", 2018)),
    District("370116", "莱芜区", 10, 0.45, ("371202", 2019)),
    District("370117", "钢城区", 3, 0.45, ("371203", 2019)),
    District("370124", "平阴县", 3, 0.65),
    District("370126", "商河县", 5, 0.7),
)
# Where residents born outside the city come from: the rest of Shandong and a few provinces.
ELSEWHERE = (
    "370303", "370902", "371402", "371502", "371602", "370811", "371302", "370702", "370602",
    "371102", "410102", "130102", "320106", "340102",
)  # fmt: skip
ELSEWHERE_SHARE = 0.12

# A street holds about as many grids as the demo street does.
GRIDS_PER_STREET = (40, 80)
GRIDS_PER_COMMUNITY = (1, 4)
GRIDS_PER_VILLAGE = (1, 2)

# Place-name syllables for streets and communities (泉城 + 社区, 华山 + 街道 …).
PLACE_FIRST = "泉华文明舜千龙凤兴仁福安和德顺永清康金玉东西南北新盛平乐长丰汇锦英宏振祥云翠绿佛"
PLACE_SECOND = "山水河泉湖林园城桥门源苑阳庄岭坡峪馨里营关店坊屯亭堂泽洲"
VILLAGE_SUFFIXES = ("家庄村", "家村", "官庄村", "家峪村", "家洼村", "庄村", "家店村", "家屯村")
PHASE_NUMERALS = "二三四五六七八九"

# ID numbers: the birth date as a day count from here, for the counters' index.
ID_EPOCH = dt.date(1900, 1, 1)
ID_DAYS = (demo.REFERENCE_DATE - ID_EPOCH).days + 1
ID_SEQUENCES = 500  # per gender: the three-digit sequence's last digit carries the gender
ID_STEP = 197  # coprime with 500: k → (k·197 + offset) mod 500 visits every sequence once
PHONE_SPACE = 10**8
PHONE_STEP = 61_803_399  # coprime with 10⁸


# --- the plan ------------------------------------------------------------------------------------
@dataclass
class CommunityPlan:
    level: str
    grid_sizes: list[int]


@dataclass
class StreetPlan:
    district: District
    communities: list[CommunityPlan] = field(default_factory=list)

    @property
    def households(self) -> int:
        return sum(sum(c.grid_sizes) for c in self.communities)


def grid_sizes(households: int, rng: random.Random) -> list[int]:
    """Sizes of grids, each 500–800 (aiming at 520–780 as the demo does), summing to exactly
    `households`."""
    low, high = demo.GRID_TARGET
    floor_, ceiling = (500, 800)
    count = max(1, round(households / ((low + high) / 2)))
    count = min(max(count, math.ceil(households / high)), max(1, households // low))
    if not count * floor_ <= households <= count * ceiling:
        count = math.ceil(households / ceiling)
    if not count * floor_ <= households <= count * ceiling:
        raise ValueError(
            "a city's households must split into grids of 500–800: "
            "at least 500, and not between 801 and 999"
        )
    sizes = [rng.randint(low, high) for _ in range(count)]
    # Move the total onto the target by spreading the difference over the grids in a random
    # order, each staying inside 500–800; starting from 520–780, most grids move a little.
    difference = households - sum(sizes)
    order = list(range(count))
    rng.shuffle(order)
    step = 1 if difference > 0 else -1
    while difference:
        moved = False
        for index in order:
            if not difference:
                break
            share = max(1, abs(difference) // count)
            room = (ceiling - sizes[index]) if step > 0 else (sizes[index] - floor_)
            change = min(share, room, abs(difference))
            if change:
                sizes[index] += step * change
                difference -= step * change
                moved = True
        if not moved:  # unreachable: the bounds check above guarantees room
            raise ValueError("cannot fit the households into grids")
    return sizes


def plan_city(households: int, rng: random.Random) -> list[StreetPlan]:
    """Group the grids into communities, streets and districts."""
    sizes = grid_sizes(households, rng)
    # Cut the grids into streets.
    street_grids: list[list[int]] = []
    start = 0
    while start < len(sizes):
        take = rng.randint(*GRIDS_PER_STREET)
        # A street shorter than half the smallest one joins the one before it.
        if len(sizes) - (start + take) < GRIDS_PER_STREET[0] // 2:
            take = len(sizes) - start
        street_grids.append(sizes[start : start + take])
        start += take
    # Each street goes to the district furthest below its share so far (largest shares first).
    total_share = sum(d.share for d in DISTRICTS)
    given = dict.fromkeys(DISTRICTS, 0)
    streets = []
    for number, grids in enumerate(street_grids, start=1):
        district = max(DISTRICTS, key=lambda d: d.share / total_share * number - given[d])
        given[district] += 1
        street = StreetPlan(district)
        index = 0
        while index < len(grids):
            rural = rng.random() < district.rural
            low, high = GRIDS_PER_VILLAGE if rural else GRIDS_PER_COMMUNITY
            take = min(rng.randint(low, high), len(grids) - index)
            # A lone grid left over joins this community when there is room for it.
            if len(grids) - (index + take) == 1 and take < high:
                take += 1
            level = Level.VILLAGE if rural else Level.COMMUNITY
            street.communities.append(CommunityPlan(level, grids[index : index + take]))
            index += take
        streets.append(street)
    # Build district by district, in code order, each district's streets in the order planned.
    return sorted(streets, key=lambda s: s.district.code)


# --- progress ------------------------------------------------------------------------------------
@dataclass
class CityTotals(demo.Totals):
    districts: int = 0
    streets: int = 0
    planned_households: int = 0
    seconds: float = 0.0
    last_street: str = ""


Progress = Callable[[CityTotals, str], None]


# --- the builder ---------------------------------------------------------------------------------
class CityBuilder(demo.StreetBuilder):
    """The demo street's generator, run street after street across the city's districts."""

    def __init__(self, seed: int, households: int, append: bool = False, progress=None):
        super().__init__(seed, communities=0, villages=0)
        self.households = households
        self.append = append
        self.progress: Progress | None = progress
        self.totals = CityTotals()
        self.district: District | None = None
        self.used_place_names: set[str] = set()
        # ID numbers: one counter per (address code, birth date, gender), as 16-bit cells.
        self.id_areas = sorted(
            {d.code for d in DISTRICTS}
            | {d.former[0] for d in DISTRICTS if d.former}
            | set(ELSEWHERE)
        )
        self.id_area_index = {code: i for i, code in enumerate(self.id_areas)}
        self.id_counters = array.array("H", bytes(2 * len(self.id_areas) * ID_DAYS * 2))
        self.id_salt = self.rng.randrange(ID_SEQUENCES)
        self.phone_counters = dict.fromkeys(demo.MOBILE_PREFIXES, 0)
        self.phone_offsets = {p: self.rng.randrange(PHONE_SPACE) for p in demo.MOBILE_PREFIXES}
        # Look-up hashes already in the register (appending): never handed out again.
        self.taken_ids: set[str] = set()
        self.taken_phones: set[str] = set()

    # --- top of the tree ----------------------------------------------------------------------
    def build(self) -> CityTotals:
        started = time.perf_counter()
        plan = plan_city(self.households, self.rng)
        self.totals.planned_households = sum(s.households for s in plan)
        if self.append:
            self.taken_ids = set(
                Resident.objects.exclude(id_number_hash="").values_list("id_number_hash", flat=True)
            )
            self.taken_phones = set(
                Resident.objects.exclude(phone_hash="").values_list("phone_hash", flat=True)
            )
        city = self.city_region()
        if self.append:
            # New streets must not take the name of one already in their district.
            for code, name in Region.objects.filter(level=Level.STREET).values_list("code", "name"):
                self.used_place_names.add((f"district:{code[:6]}", name))
        next_street: dict[str, int] = {}
        for street_plan in plan:
            district = self.district_region(city, street_plan.district)
            if district.code not in next_street:
                next_street[district.code] = self.first_free_street(district.code)
            number = next_street[district.code]
            if number not in NUMBER_RANGES[Level.STREET]:
                raise ValueError(f"{district.name} has no street numbers left")
            next_street[district.code] = number + 1
            self.build_street(district, street_plan, number)
            self.totals.seconds = time.perf_counter() - started
            if self.progress:
                self.progress(self.totals, self.totals.last_street)
        self.totals.seconds = time.perf_counter() - started
        return self.totals

    def city_region(self) -> Region:
        city, _ = Region.objects.get_or_create(
            code=CITY_CODE, defaults={"name": CITY_NAME, "level": Level.CITY}
        )
        return city

    def district_region(self, city: Region, district: District) -> Region:
        region, created = Region.objects.get_or_create(
            code=district.code,
            defaults={"name": district.name, "level": Level.DISTRICT, "parent": city},
        )
        if created:
            self.totals.districts += 1
        self.district = district
        return region

    @staticmethod
    def first_free_street(district_code: str) -> int:
        codes = Region.objects.filter(level=Level.STREET).within(district_code)
        numbers = [int(code[len(district_code) :]) for code in codes.values_list("code", flat=True)]
        return max(numbers, default=0) + 1

    def build_street(self, district: Region, plan: StreetPlan, number: int) -> None:
        villages = sum(c.level == Level.VILLAGE for c in plan.communities)
        suffix = "镇" if villages * 2 > len(plan.communities) else "街道"
        name = self.place_name(f"district:{district.code}", suffix)
        street = Region.objects.create(
            code=child_code(district.code, Level.STREET, number),
            name=name,
            level=Level.STREET,
            parent=district,
            address=f"{PROVINCE}{CITY_NAME}{district.name}{name}",
        )
        # Compound names and village rows are unique within a street, as in the demo.
        self.used_compounds = set()
        numbers = {
            Level.COMMUNITY: iter(NUMBER_RANGES[Level.COMMUNITY]),
            Level.VILLAGE: iter(VILLAGE_NUMBERS[1:]),
        }
        for community in plan.communities:
            rural = community.level == Level.VILLAGE
            if rural:
                village_name = self.village_name(street.code)
            else:
                village_name = self.place_name(f"street:{street.code}", "社区")
            self.build_community(
                street,
                community.level,
                next(numbers[community.level]),
                village_name,
                community.grid_sizes,
            )
            if rural:
                self.totals.villages += 1
            else:
                self.totals.communities += 1
        self.totals.streets += 1
        self.totals.last_street = f"{district.name}{name}"

    # --- names ------------------------------------------------------------------------------------
    def place_name(self, within: str, suffix: str) -> str:
        """A two-syllable place name unused among its siblings (`within` names the parent)."""
        for _ in range(1000):
            name = self.rng.choice(PLACE_FIRST) + self.rng.choice(PLACE_SECOND) + suffix
            if (within, name) not in self.used_place_names:
                self.used_place_names.add((within, name))
                return name
        raise ValueError(f"no unused place name left under {within}")

    def village_name(self, street_code: str) -> str:
        for _ in range(1000):
            surname = self.surname()
            if len(surname) > 1:
                continue  # 欧阳家庄 is not a village name anyone would believe
            name = surname + self.rng.choice(VILLAGE_SUFFIXES)
            if (street_code, name) not in self.used_place_names:
                self.used_place_names.add((street_code, name))
                return name
        raise ValueError(f"no unused village name left under {street_code}")

    def new_compound(self, community_name: str) -> tuple[str, demo.BuildingKind]:
        # A city street has more compounds than the demo's name pool; a name drawn twice
        # becomes the compound's next phase (阳光小区二期), as developers name them.
        name, kind = self.draw_compound(community_name)
        candidates = [name, *(f"{name}{n}期" for n in PHASE_NUMERALS)]
        for candidate in candidates:
            if candidate not in self.used_compounds:
                self.used_compounds.add(candidate)
                return candidate, kind
        return super().new_compound(community_name)

    # --- personal numbers, unique without remembering them ---------------------------------------
    def id_area(self, born: dt.date) -> str:
        district = self.district
        if self.rng.random() < ELSEWHERE_SHARE:
            return self.rng.choice(ELSEWHERE)
        if district.former and born.year <= district.former[1]:
            return district.former[0]
        return district.code

    def id_number(self, born: dt.date, gender: str) -> str:
        area = self.id_area(born)
        area_index = self.id_area_index[area]
        day = (born - ID_EPOCH).days
        cell = (area_index * ID_DAYS + day) * 2 + (gender == "M")
        offset = (area_index * 7919 + day * 104_729 + self.id_salt) % ID_SEQUENCES
        while True:
            k = self.id_counters[cell]
            if k >= ID_SEQUENCES:
                raise ValueError(f"more than {ID_SEQUENCES} people of one gender born {born}")
            self.id_counters[cell] = k + 1
            sequence = ((k * ID_STEP + offset) % ID_SEQUENCES) * 2 + (gender == "M")
            number = idcard.make(area, born, sequence)
            if not self.taken_ids or pii.lookup_hash(number) not in self.taken_ids:
                return number

    def new_phone(self) -> str:
        prefix = self.rng.choice(demo.MOBILE_PREFIXES)
        while True:
            k = self.phone_counters[prefix]
            if k >= PHONE_SPACE:
                raise ValueError(f"no phone numbers left under {prefix}")
            self.phone_counters[prefix] = k + 1
            tail = (k * PHONE_STEP + self.phone_offsets[prefix]) % PHONE_SPACE
            phone = f"{prefix}{tail:08d}"
            if not self.taken_phones or pii.lookup_hash(phone) not in self.taken_phones:
                return phone


# --- bulk loading -------------------------------------------------------------------------------
BULK_MODELS = (Region, Building, Unit, Household, Resident)


def secondary_indexes(connection) -> list[tuple[str, str]]:
    """(name, statement that creates it) of every non-unique index on the register tables: what a
    bulk load may drop and recreate. Unique indexes stay, so duplicates fail the load itself."""
    tables = [m._meta.db_table for m in BULK_MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%%' ORDER BY indexname",
                [tables],
            )
        elif connection.vendor == "sqlite":
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({placeholders}) AND sql NOT LIKE 'CREATE UNIQUE%%' "
                "ORDER BY name",
                tables,
            )
        else:
            return []
        return list(cursor.fetchall())


@contextlib.contextmanager
def bulk_load(rebuild_indexes: bool, notify: Callable[[str], None] | None = None):
    """Inside the load's transaction: without the non-unique indexes (recreated afterwards from
    their own definitions, so the schema ends exactly as migrations left it) and with room to
    sort. Maintaining an index row by row costs more than building it once when most of the rows
    are new. A load that fails rolls back, dropped indexes included; on PostgreSQL the dropped
    indexes' locks keep readers of those tables waiting until the commit."""
    connection = connections[router.db_for_write(Region)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign keys are checked as each batch lands, not queued for millions of rows
            # until the commit (the queue also forbids CREATE INDEX in the transaction).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        elif connection.vendor == "sqlite":
            # The default 2 MB page cache spills dirty index pages to the WAL again and again.
            cursor.execute("PRAGMA cache_size = -262144")
    try:
        dropped = secondary_indexes(connection) if rebuild_indexes else []
        with connection.cursor() as cursor:
            for name, _definition in dropped:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield
        if dropped and notify:
            notify(f"正在重建 {len(dropped)} 个索引……")
        with connection.cursor() as cursor:
            for _name, definition in dropped:
                cursor.execute(definition)
            if connection.vendor == "postgresql":
                # Planner statistics for the new rows now, not whenever autovacuum gets to them.
                for model in BULK_MODELS:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -2000")


# --- entry point ---------------------------------------------------------------------------------
def build_city(
    households: int,
    seed: int = 1,
    *,
    append: bool = False,
    progress: Progress | None = None,
    rebuild_indexes: bool | None = None,
) -> CityTotals:
    """Build a city of exactly `households` households. Refuses a database that holds regions
    unless `append`. Returns the counts.

    `rebuild_indexes`: drop the non-unique register indexes for the load and build them again
    after it; by default when the city at least doubles the households present."""
    if not append and Region.objects.exists():
        raise ValueError("the database already holds regions")
    with transaction.atomic():
        if rebuild_indexes is None:
            rebuild_indexes = Household.objects.count() < households
        builder = CityBuilder(seed, households, append=append, progress=progress)
        notify = (lambda message: progress(builder.totals, message)) if progress else None
        with bulk_load(rebuild_indexes, notify):
            totals = builder.build()
        city = Region.objects.get(code=CITY_CODE)
        events.record(
            AuditEvent.Verb.IMPORT,
            obj=city,
            object_repr=f"{CITY_NAME}（生成数据）",
            purpose=f"generate_city --households {households} --seed {seed}"
            + (" --append" if append else ""),
            after={
                "seed": seed,
                "districts": totals.districts,
                "streets": totals.streets,
                "communities": totals.communities,
                "villages": totals.villages,
                "grids": totals.grids,
                "buildings": totals.buildings,
                "units": totals.units,
                "households": totals.households,
                "residents": totals.residents,
            },
        )
    return totals
