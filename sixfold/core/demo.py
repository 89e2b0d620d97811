"""The demo street (S27, S26): 凤城街道 with its 24 urban communities and 4 villages, on one grid.

`build_demo_street(seed=…)` fills an empty database with a street a street office would
recognise: every grid holds 500–800 households (S26); communities are compounds of 6–18-floor
buildings with units and flats; villages mix bungalow rows with a resettlement compound; each
household has 1–5 residents whose names, ages, genders, relations, ID numbers (GB 11643, area
370116) and phones agree with each other, with residence statuses and care tags at realistic rates.

The same seed always gives the same street: one `random.Random(seed)` drives every choice and ages
count from a fixed reference date, not from today. Only the ciphertexts differ between runs (each
encryption draws a fresh nonce); the masks, every plain column and, under the same
`SIXFOLD_PII_KEY`, the keyed hashes are identical.

Rows are written in bulk, a community at a time, inside one transaction: the full street is about
50,000 households and 130,000 residents, which the per-row action functions would take many
minutes to write (and would fill the audit log with creations nobody made). The load is recorded
as one `import` audit event on the street instead.

The demo logins are a table (`DEMO_LOGINS`): a new role's login is one more row.
"""

import bisect
import datetime as dt
import functools
import itertools
import operator
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connections, models, router, transaction
from django.utils import timezone

from . import events, idcard
from .models import AuditEvent, Building, Household, Level, Region, Resident, Unit
from .models.base import wrap_tags
from .models.region import child_code

# Ages are counted from this date, so a seed gives the same people whatever day it runs.
REFERENCE_DATE = dt.date(2026, 1, 1)
ID_AREA = "370116"  # 莱芜区: the address code of every demo ID number

DISTRICT_CODE, DISTRICT_NAME = "370116", "莱芜区"
STREET_CODE, STREET_NAME = "370116001", "凤城街道"
STREET_ADDRESS = "山东省济南市莱芜区凤城街道"

COMMUNITY_NAMES = [
    "凤城社区", "花园社区", "鹏泉社区", "嬴牟社区", "新甫社区", "莲河社区", "汶源社区", "文化社区",
    "府前社区", "鲁中社区", "胜利社区", "长勺社区", "龙潭社区", "西关社区", "东关社区", "南关社区",
    "北关社区", "香山社区", "金水社区", "青年社区", "红石社区", "莱城社区", "明珠社区", "孝义社区",
]  # fmt: skip
VILLAGE_NAMES = ["城子坡村", "小曹村", "赵家庄村", "十里铺村"]
FULL_COMMUNITIES, FULL_VILLAGES = len(COMMUNITY_NAMES), len(VILLAGE_NAMES)

GRID_NUMERALS = "一二三四五六七八九"
GRIDS_PER_COMMUNITY = (2, 4)
GRIDS_PER_VILLAGE = (1, 2)
# Aim inside the S26 norm with a margin, so a grid never sits on its edge.
GRID_TARGET = (520, 780)

# --- compounds and buildings ------------------------------------------------------------------
COMPOUND_STEMS = [
    "锦绣", "阳光", "幸福", "和平", "怡景", "翠湖", "泰和", "盛世", "御景", "东方", "紫金", "华府",
    "康乐", "书香", "丽景", "春晖", "金色", "汶河", "花香", "福馨", "雅苑", "瑞祥", "嘉和", "润园",
]  # fmt: skip
COMPOUND_SUFFIXES = ["小区", "花园", "家园", "佳苑", "名居", "新村", "雅居", "嘉园", "华庭"]
# Older compounds built by work units for their staff (单位宿舍): six floors, no lifts.
WORK_UNITS = [
    "莱钢", "供电公司", "第一中学", "人民医院", "纺织厂", "粮食局", "交通局", "邮电局", "水泥厂",
    "建设银行", "电业局", "机械厂", "农机公司", "棉纺厂", "煤矿", "师范学校",
]  # fmt: skip


@dataclass(frozen=True)
class BuildingKind:
    """How a compound's buildings are shaped: floors, units per building, flats per landing."""

    floors: tuple[int, ...]
    units: tuple[int, ...]
    flats: tuple[int, ...]
    area: tuple[int, int]  # floor area in m²
    structure: str


OLD_BLOCK = BuildingKind((6, 6, 6, 7), (2, 3, 3, 4), (2,), (55, 95), Building.Structure.MID_RISE)
MID_BLOCK = BuildingKind((7, 8, 9), (2, 3), (2,), (80, 130), Building.Structure.MID_RISE)
TOWER = BuildingKind(
    (11, 11, 12, 15, 17, 18, 18), (1, 2, 2), (2, 3), (85, 145), Building.Structure.HIGH_RISE
)
RESETTLEMENT = BuildingKind((6,), (2, 3), (2,), (70, 120), Building.Structure.MID_RISE)
VILLAGE_HOUSE_AREA = (90, 220)  # a village house with its courtyard, m²

# --- people ----------------------------------------------------------------------------------
# Surnames by frequency, weighted towards Shandong and Laiwu (亓, 吕, 鹿, 毕, 公 are common there).
SURNAMES = {
    "王": 80, "张": 74, "李": 68, "刘": 52, "亓": 30, "陈": 26, "吕": 24, "赵": 24, "孙": 23,
    "杨": 20, "徐": 17, "高": 16, "朱": 12, "马": 12, "周": 11, "郭": 11, "韩": 10, "宋": 9,
    "田": 9, "于": 9, "魏": 7, "董": 7, "毕": 7, "姜": 6, "任": 8, "杜": 8, "胡": 8, "吴": 8,
    "郑": 6, "冯": 6, "曹": 6, "许": 6, "林": 6, "崔": 5, "孟": 5, "贾": 5, "丁": 5, "鹿": 5,
    "何": 5, "程": 5, "段": 5, "焦": 5, "谭": 5, "苏": 5, "郝": 4, "孔": 4, "侯": 4, "武": 4,
    "石": 4, "范": 4, "袁": 4, "彭": 4, "卢": 4, "尹": 3, "秦": 3, "乔": 3, "常": 3, "史": 3,
    "白": 3, "潘": 3, "薛": 3, "蔡": 3, "蒋": 3, "方": 3, "姚": 3, "沈": 3, "傅": 3, "公": 2,
    "邓": 3, "邵": 2, "贺": 2, "夏": 2, "钱": 2, "康": 2, "毛": 2, "邱": 2, "江": 2, "金": 2,
    "陆": 2, "邹": 2, "汪": 2, "戴": 2, "叶": 2, "阎": 2, "钟": 2, "牛": 2, "葛": 2, "房": 2,
    "颜": 1, "齐": 1, "伊": 1, "展": 1, "商": 1, "耿": 1, "欧阳": 0.3, "上官": 0.1,
}  # fmt: skip

# Given names change with the times a person was born in.
GIVEN_NAMES = {
    # (latest birth year of the era, gender): names
    (1949, "M"): "德福 德胜 广才 庆祥 树林 振华 洪亮 长顺 玉山 宝山 金福 兆祥 春林 恩光 希文 学礼 "
    "传义 维新 永福 启明 连生 荣贵 守仁 广德 洪福 立本 文华 茂林",
    (1949, "F"): "秀英 桂英 秀兰 玉兰 桂兰 淑珍 凤英 玉珍 秀珍 素芳 兰英 翠花 金花 淑英 玉梅 桂芝 "
    "凤兰 玉英 秀芝 桂珍 淑兰 月英 春英 淑贞",
    (1964, "M"): "建国 建华 国庆 卫东 国强 志刚 建军 红军 援朝 和平 胜利 跃进 卫国 振国 永胜 新民 "
    "国华 建设 爱国 文革 向东 继红 立军 庆华 保国 忠诚",
    (1964, "F"): "秀梅 桂芳 丽华 玉华 红英 秀芹 美兰 淑华 爱华 红梅 秀云 春兰 玉芳 英华 建英 卫红 "
    "秀琴 凤琴 爱玲 桂香 素梅 玉凤 丽珍 淑芳",
    (1979, "M"): "志强 建平 海涛 春雷 立新 永刚 宏伟 文斌 国栋 军 勇 刚 强 斌 峰 涛 明 辉 伟 "
    "建伟 红旗 卫平 东升 振华 学军 庆林 召军 洪波",
    (1979, "F"): "丽 燕 红 霞 静 敏 芳 艳 丽娟 海燕 春燕 晓红 彩霞 文静 秀丽 丽萍 红霞 雪梅 "
    "玉霞 美玲 春梅 翠萍 爱萍 丽君",
    (1994, "M"): "伟 磊 鹏 超 杰 浩 帅 凯 亮 宁 晓东 文博 振宇 冬冬 建波 海洋 晨 鑫 健 "
    "晓明 志远 俊峰 明亮 雷 鹏飞 永强 国峰",
    (1994, "F"): "婷 静 丹 倩 娜 敏 莉 晓燕 晓丽 文娟 丹丹 婷婷 晶晶 雪 慧 洁 璐 萌 "
    "晓雪 雪莹 玲玲 亚楠 晓君 冉冉",
    (2009, "M"): "浩然 宇航 子豪 俊杰 文轩 浩宇 梓豪 家乐 嘉豪 博文 一鸣 天宇 晨阳 明轩 "
    "昊天 宇辰 鑫磊 振宇 志豪 博涛 浩 硕 航",
    (2009, "F"): "雨欣 欣怡 思雨 佳怡 梦瑶 雨涵 诗涵 可馨 心怡 佳琪 雅琪 紫涵 梦琪 晓雪 "
    "雨萱 嘉欣 欣然 雪晴 静怡 梦洁 悦 妍",
    (9999, "M"): "梓睿 浩宇 宇轩 沐宸 一诺 子墨 奕辰 睿泽 梓轩 铭泽 俊熙 皓轩 子航 锦程 "
    "煜祺 宸睿 梓航 思远 嘉懿 承泽 安泽",
    (9999, "F"): "一诺 梓涵 子涵 欣妍 诗涵 语桐 若汐 可欣 沐瑶 梓萱 依诺 雨桐 芷若 安琪 思涵 "
    "欣然 语嫣 梦琪 佳宁 可可 艺涵",
}
GIVEN_ERAS = sorted({year for year, _ in GIVEN_NAMES})

# Shandong is almost wholly Han; Hui are the largest minority there.
ETHNICITIES = {"汉族": 9920, "回族": 50, "满族": 15, "蒙古族": 5, "朝鲜族": 4, "壮族": 3, "苗族": 3}

MOBILE_PREFIXES = [
    "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182",
    "183", "187", "188", "178", "130", "131", "132", "155", "156", "185", "186", "176", "133",
    "153", "180", "181", "189", "177", "199", "166",
]  # fmt: skip

# Household shapes and how often each occurs (urban community, village).
HOUSEHOLD_KINDS = {
    "elderly_alone": (8, 9),
    "elderly_couple": (13, 16),
    "young_couple": (7, 4),
    "nuclear": (36, 30),
    "three_generations": (14, 26),
    "single": (9, 5),
    "single_parent": (4, 3),
    "shared_rent": (4, 1),
}
RENTED_SHARE = (0.13, 0.05)  # of households that could rent (not the elderly), urban / village


class Weighted:
    """Draw from a fixed population by weight with one random number (bisect on cum weights)."""

    def __init__(self, weights: dict):
        self.items = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


SURNAME_DRAW = Weighted(SURNAMES)
ETHNICITY_DRAW = Weighted(ETHNICITIES)
GIVEN_NAME_LISTS = {key: names.split() for key, names in GIVEN_NAMES.items()}
KIND_DRAW = (
    Weighted({kind: w[0] for kind, w in HOUSEHOLD_KINDS.items()}),
    Weighted({kind: w[1] for kind, w in HOUSEHOLD_KINDS.items()}),
)


@dataclass
class Person:
    """A resident before it becomes a row: what the family generator decides."""

    surname: str
    gender: str
    age: int
    relation: str
    status: str = Resident.Status.REGISTERED
    tags: list[str] = field(default_factory=list)


# --- the street ------------------------------------------------------------------------------
@dataclass
class Totals:
    communities: int = 0
    villages: int = 0
    grids: int = 0
    buildings: int = 0
    units: int = 0
    households: int = 0
    residents: int = 0
    # (login, where its scope is, in words) for each demo login
    logins: list[tuple["DemoLogin", str]] = field(default_factory=list)


class StreetBuilder:
    """Generates the demo street node by node and writes each community in a few bulk inserts."""

    def __init__(self, seed: int, communities: int, villages: int):
        self.rng = random.Random(seed)
        self.communities = communities
        self.villages = villages
        self.used_id_sequences: dict[dt.date, set[int]] = {}
        self.used_phones: set[str] = set()
        self.used_compounds: set[str] = set()
        self.village_blocks = self.village_rows = 0
        self.totals = Totals()

    # --- top of the tree ----------------------------------------------------------------------
    def build(self) -> Totals:
        district = Region.objects.create(
            code=DISTRICT_CODE, name=DISTRICT_NAME, level=Level.DISTRICT
        )
        street = Region.objects.create(
            code=STREET_CODE,
            name=STREET_NAME,
            level=Level.STREET,
            parent=district,
            address=STREET_ADDRESS,
        )
        for number, name in enumerate(COMMUNITY_NAMES[: self.communities], start=1):
            self.build_community(street, Level.COMMUNITY, number, name)
            self.totals.communities += 1
        for index, name in enumerate(VILLAGE_NAMES[: self.villages], start=1):
            self.build_community(street, Level.VILLAGE, 200 + index, name)
            self.totals.villages += 1
        return self.totals

    def build_community(
        self,
        street: Region,
        level: str,
        number: int,
        name: str,
        grid_sizes: list[int] | None = None,
    ) -> None:
        """One community or village, written in one go. `grid_sizes` fixes how many grids it has
        and how many households each holds (the city plans them to reach an exact total); by
        default both are drawn."""
        rows = Rows()
        code = child_code(street.code, level, number)
        community = Region(code=code, name=name, level=level, parent=street)
        rows.regions[Level.COMMUNITY].append(community)
        rural = level == Level.VILLAGE
        # A village's blocks and rows are numbered across its grids, so addresses never repeat.
        self.village_blocks = self.village_rows = 0
        if grid_sizes is None:
            low, high = GRIDS_PER_VILLAGE if rural else GRIDS_PER_COMMUNITY
            grid_sizes = [None] * self.rng.randint(low, high)
        for grid_number, size in enumerate(grid_sizes, start=1):
            grid = Region(
                code=child_code(code, Level.GRID, grid_number),
                name=f"第{GRID_NUMERALS[grid_number - 1]}网格",
                level=Level.GRID,
                parent=community,
            )
            rows.regions[Level.GRID].append(grid)
            self.build_grid(rows, grid, name, rural, size)
            self.totals.grids += 1
        rows.save()
        self.totals.buildings += len(rows.buildings)
        self.totals.units += len(rows.units)
        self.totals.households += len(rows.households)
        self.totals.residents += len(rows.residents)

    # --- a grid: buildings until there is room for its households, then who lives where --------
    def build_grid(
        self, rows: "Rows", grid: Region, community_name: str, rural: bool, target: int | None
    ) -> None:
        if target is None:
            target = self.rng.randint(*GRID_TARGET)
        dwellings: list[tuple[Unit, int, str, BuildingKind | None]] = []
        building_number = 0

        def add_compound(compound: str, kind: BuildingKind, count: int) -> None:
            nonlocal building_number
            for house_number in range(1, count + 1):
                if len(dwellings) >= target:
                    return
                building_number += 1
                dwellings.extend(
                    self.add_block(rows, grid, building_number, compound, house_number, kind)
                )

        if rural:
            stem = community_name.removesuffix("村")
            # Part of a village lives in a resettlement compound, the rest in bungalow rows.
            for _ in range(self.rng.randint(2, 4)):
                building_number += 1
                self.village_blocks += 1
                dwellings.extend(
                    self.add_block(
                        rows,
                        grid,
                        building_number,
                        f"{stem}新村",
                        self.village_blocks,
                        RESETTLEMENT,
                    )
                )
            while len(dwellings) < target:
                building_number += 1
                self.village_rows += 1
                dwellings.extend(
                    self.add_row(rows, grid, building_number, community_name, self.village_rows)
                )
        else:
            while len(dwellings) < target:
                compound, kind = self.new_compound(community_name)
                add_compound(compound, kind, self.rng.randint(4, 14))

        # Not every flat is lived in: leave the surplus empty, spread over the grid.
        occupied = sorted(self.rng.sample(range(len(dwellings)), target))
        for index in occupied:
            unit, room, address, kind = dwellings[index]
            self.add_household(rows, unit, room, address, kind, rural)

    def new_compound(self, community_name: str) -> tuple[str, BuildingKind]:
        """A compound whose name no other compound of the street has."""
        while True:
            name, kind = self.draw_compound(community_name)
            if name not in self.used_compounds:
                self.used_compounds.add(name)
                return name, kind

    def draw_compound(self, community_name: str) -> tuple[str, BuildingKind]:
        """A compound's name and kind of building; a community's first compound bears its name."""
        stem = community_name.removesuffix("社区")
        roll = self.rng.random()
        if f"{stem}小区" not in self.used_compounds:
            return f"{stem}小区", MID_BLOCK
        if roll < 0.22:
            return f"{self.rng.choice(WORK_UNITS)}宿舍", OLD_BLOCK
        name = self.rng.choice(COMPOUND_STEMS) + self.rng.choice(COMPOUND_SUFFIXES)
        return name, self.rng.choice((OLD_BLOCK, MID_BLOCK, TOWER, TOWER))

    def add_block(
        self,
        rows: "Rows",
        grid: Region,
        number: int,
        compound: str,
        house_number: int,
        kind: BuildingKind,
    ) -> list[tuple[Unit, int, str, BuildingKind]]:
        """A block of flats: returns its dwellings (unit, room number, address, kind)."""
        rng = self.rng
        floors = rng.choice(kind.floors)
        building = self.add_building(
            rows, grid, number, f"{house_number}号楼", compound, floors, kind.structure
        )
        flats = rng.choice(kind.flats)
        dwellings = []
        for unit_number in range(1, rng.choice(kind.units) + 1):
            unit = self.add_unit(rows, building, unit_number, f"{unit_number}单元", floors)
            for floor in range(1, floors + 1):
                for flat in range(1, flats + 1):
                    room = floor * 100 + flat
                    address = f"{compound}{house_number}号楼{unit_number}单元{room}室"
                    dwellings.append((unit, room, address, kind))
        return dwellings

    def add_row(
        self, rows: "Rows", grid: Region, number: int, village: str, row_number: int
    ) -> list[tuple[Unit, int, str, BuildingKind | None]]:
        """A row (排) of village houses, its east and west halves as its two units."""
        floors = self.rng.choice((1, 1, 2))
        building = self.add_building(
            rows, grid, number, f"{row_number}排", village, floors, Building.Structure.BUNGALOW
        )
        dwellings = []
        house = 0
        for unit_number, half in enumerate(("东段", "西段"), start=1):
            unit = self.add_unit(rows, building, unit_number, half, floors)
            for _ in range(self.rng.randint(8, 15)):
                house += 1
                dwellings.append((unit, house, f"{village}{row_number}排{house}号", None))
        return dwellings

    def add_building(self, rows, grid, number, name, compound, floors, structure) -> Building:
        region = Region(
            code=child_code(grid.code, Level.BUILDING, number),
            name=name,
            level=Level.BUILDING,
            parent=grid,
        )
        rows.regions[Level.BUILDING].append(region)
        building = Building(
            region=region, code=region.code, compound=compound, floors=floors, structure=structure
        )
        rows.buildings.append(building)
        return building

    def add_unit(self, rows, building: Building, number: int, name: str, floors: int) -> Unit:
        region = Region(
            code=child_code(building.code, Level.UNIT, number),
            name=name,
            level=Level.UNIT,
            parent=building.region,
        )
        rows.regions[Level.UNIT].append(region)
        unit = Unit(region=region, code=region.code, building=building, floors=floors)
        rows.units.append(unit)
        return unit

    # --- a household and its people -----------------------------------------------------------
    def add_household(
        self,
        rows: "Rows",
        unit: Unit,
        room: int,
        address: str,
        kind: BuildingKind | None,
        rural: bool,
    ) -> None:
        rng = self.rng
        region = Region(
            code=child_code(unit.code, Level.HOUSEHOLD, room),
            name=str(room),
            level=Level.HOUSEHOLD,
            parent=unit.region,
            address=address,
        )
        rows.regions[Level.HOUSEHOLD].append(region)

        shape = KIND_DRAW[rural].draw(rng)
        rented = shape == "shared_rent" or (
            shape not in ("elderly_alone", "elderly_couple") and rng.random() < RENTED_SHARE[rural]
        )
        people = self.family(shape)
        household_tags: set[str] = set()
        housing = Household.Housing.RENTED if rented else Household.Housing.OWNED

        if rented:
            household_tags.add(Household.Tag.RENTED)
            for person in people:
                person.status = Resident.Status.NON_REGISTERED
        living = [p for p in people if p.status not in LEFT]

        # 低保 is granted per household; its registered members carry the tag.
        low_income_rate = {"elderly_alone": 0.06, "single_parent": 0.08}.get(shape, 0.014)
        if not rented and rng.random() < low_income_rate:
            household_tags.add(Household.Tag.HARDSHIP)
            for person in living:
                if person.status == Resident.Status.REGISTERED:
                    person.tags.append(Resident.Tag.LOW_INCOME)
            if rng.random() < 0.2:
                housing = Household.Housing.PUBLIC
        for person in living:
            self.personal_tags(person, alone=len(living) == 1)
        if living and all(p.age >= 60 for p in living):
            household_tags.add(Household.Tag.EMPTY_NEST)
        if rng.random() < 0.008:
            household_tags.add(Household.Tag.MILITARY)
        needs_attention = any(
            Resident.Tag.LIVING_ALONE in p.tags and (p.age >= 80 or Resident.Tag.DISABLED in p.tags)
            for p in living
        )
        if rng.random() < (0.5 if needs_attention else 0.01):
            household_tags.add(Household.Tag.FOCUS)

        low, high = kind.area if kind else VILLAGE_HOUSE_AREA
        household = Household(
            region=region,
            code=region.code,
            unit=unit,
            room=str(room),
            address=address,
            housing=housing,
            area=Decimal(rng.randrange(low * 100, high * 100)) / 100,
            tags=wrap_tags(household_tags),
        )
        rows.households.append(household)

        ethnicity = ETHNICITY_DRAW.draw(rng)
        for person in people:
            rows.residents.append(self.resident(household, person, ethnicity))

    def resident(self, household: Household, person: Person, ethnicity: str) -> Resident:
        rng = self.rng
        born = self.birth_date(person.age)
        if person.relation != Resident.Relation.SELF and rng.random() < 0.02:
            ethnicity = ETHNICITY_DRAW.draw(rng)  # married in, or from elsewhere
        resident = Resident(
            household=household,
            code=household.code,
            name=person.surname + self.given_name(born.year, person.gender),
            gender=person.gender,
            birth_date=born,
            relation=person.relation,
            ethnicity=ethnicity,
            status=person.status,
            tags=wrap_tags(person.tags),
        )
        resident.set_id_number(self.id_number(born, person.gender))
        resident.set_phone(self.phone(person))
        return resident

    def family(self, shape: str) -> list[Person]:
        """The people of one household, householder first; relations are to the householder."""
        rng = self.rng
        R, S = Resident.Relation, Resident.Status
        people: list[Person] = []

        def couple(husband_age: int) -> tuple[Person, Person]:
            husband = Person(self.surname(), "M", husband_age, R.SELF)
            wife_age = max(20, husband_age - rng.choice((-2, -1, 0, 1, 2, 2, 3, 3, 4, 5)))
            wife = Person(self.surname(), "F", wife_age, R.SPOUSE)
            # One household in four is registered under the wife's name.
            if rng.random() < 0.25:
                husband.relation, wife.relation = R.SPOUSE, R.SELF
                return wife, husband
            return husband, wife

        def children_of(
            father: Person, mother: Person, count: int, relation=R.CHILD
        ) -> list[Person]:
            kids = []
            age_at_birth = rng.randint(23, 31)
            for _ in range(count):
                age = mother.age - age_at_birth
                if age < 0:
                    break
                gender = rng.choice("MF")
                surname = father.surname if rng.random() < 0.95 else mother.surname
                kids.append(Person(surname, gender, age, relation))
                age_at_birth += rng.randint(2, 8)
            return kids

        if shape == "elderly_alone":
            gender = "F" if rng.random() < 0.68 else "M"
            # Widowhood comes late: most of the elderly living alone are in their seventies.
            age = self.elderly_age(low=65, mode=10)
            people.append(Person(self.surname(), gender, age, R.SELF))
            if rng.random() < 0.3:
                # The late spouse stays on the register, marked deceased.
                other = "M" if gender == "F" else "F"
                late_age = min(100, age + rng.randint(-3, 5))
                people.append(Person(self.surname(), other, late_age, R.SPOUSE, S.DECEASED))
        elif shape == "elderly_couple":
            people.extend(couple(self.elderly_age(low=62, mode=4)))
        elif shape == "young_couple":
            people.extend(couple(rng.randint(24, 38)))
        elif shape == "nuclear":
            first, second = couple(rng.randint(28, 58))
            father, mother = (first, second) if first.gender == "M" else (second, first)
            # Parents born before the mid-1980s mostly had one child; later ones often two.
            two = rng.random() < (0.4 if mother.age < 40 else 0.15)
            kids = children_of(father, mother, 2 if two else 1)
            for kid in kids:
                if kid.age >= 20 and rng.random() < 0.25:
                    kid.status = S.MOVED_OUT  # studying or working elsewhere
            people.extend([first, second, *kids])
        elif shape == "three_generations":
            if rng.random() < 0.5:
                # Grandparents' flat: their son's (or daughter's) family lives with them.
                first, second = couple(rng.randint(56, 78))
                grandfather, grandmother = (
                    (first, second) if first.gender == "M" else (second, first)
                )
                child = children_of(grandfather, grandmother, 1)[0]
                in_law = Person(
                    self.surname(),
                    "F" if child.gender == "M" else "M",
                    max(20, child.age + rng.randint(-3, 3)),
                    R.CHILD_IN_LAW,
                )
                father, mother = (child, in_law) if child.gender == "M" else (in_law, child)
                grandkids = children_of(father, mother, rng.choice((1, 1, 2)), R.GRANDCHILD)
                people.extend([first, second, child, in_law, *grandkids][:5])
            else:
                # A family that took in a widowed parent, often from the countryside.
                first, second = couple(rng.randint(32, 55))
                father, mother = (first, second) if first.gender == "M" else (second, first)
                kid = children_of(father, mother, 1)
                # The householder's father shares the householder's surname; a mother has her own.
                parent_gender = "F" if rng.random() < 0.65 else "M"
                parent = Person(
                    first.surname if parent_gender == "M" else self.surname(),
                    parent_gender,
                    min(98, first.age + rng.randint(22, 34)),
                    R.PARENT,
                    S.NON_REGISTERED if rng.random() < 0.2 else S.REGISTERED,
                )
                if parent.age >= 85 and rng.random() < 0.2:
                    parent.status = S.DECEASED
                people.extend([first, second, *kid, parent])
        elif shape == "single":
            people.append(Person(self.surname(), rng.choice("MMF"), rng.randint(22, 55), R.SELF))
        elif shape == "single_parent":
            gender = "F" if rng.random() < 0.7 else "M"
            parent = Person(self.surname(), gender, rng.randint(30, 50), R.SELF)
            kid_age = max(0, parent.age - rng.randint(23, 32))
            surname = parent.surname if gender == "M" or rng.random() < 0.4 else self.surname()
            people.extend([parent, Person(surname, rng.choice("MF"), kid_age, R.CHILD)])
        else:  # shared_rent: young people sharing a rented flat
            for index in range(rng.randint(2, 3)):
                relation = R.SELF if index == 0 else R.TENANT
                people.append(
                    Person(self.surname(), rng.choice("MF"), rng.randint(20, 34), relation)
                )
        # A spouse registered elsewhere (婚后未迁户口) now and then.
        for person in people:
            spouse = person.relation == R.SPOUSE and person.status == S.REGISTERED
            if spouse and rng.random() < 0.03:
                person.status = S.NON_REGISTERED
        return people

    def personal_tags(self, person: Person, alone: bool) -> None:
        rng, T = self.rng, Resident.Tag
        if alone and person.age >= 60:
            person.tags.append(T.LIVING_ALONE)
        disabled_rate = 0.015 if person.age < 60 else 0.05 if person.age < 80 else 0.10
        if rng.random() < disabled_rate:
            person.tags.append(T.DISABLED)
        if 22 <= person.age <= 85 and rng.random() < (0.06 if person.gender == "M" else 0.002):
            person.tags.append(T.VETERAN)
        special = 0.003
        if T.LIVING_ALONE in person.tags and person.age >= 80:
            special = 0.25
        elif T.DISABLED in person.tags and person.age >= 60:
            special = 0.05
        if rng.random() < special:
            person.tags.append(T.SPECIAL_CARE)

    # --- small draws ------------------------------------------------------------------------------
    def elderly_age(self, low: int, mode: int) -> int:
        """An age from `low` up to the late nineties, most often `low + mode`."""
        return min(99, low + int(self.rng.triangular(0, 99 - low, mode)))

    def surname(self) -> str:
        return SURNAME_DRAW.draw(self.rng)

    def given_name(self, year: int, gender: str) -> str:
        era = GIVEN_ERAS[bisect.bisect_left(GIVEN_ERAS, year)]
        return self.rng.choice(GIVEN_NAME_LISTS[(era, gender)])

    def birth_date(self, age: int) -> dt.date:
        """A birth date at which a person is `age` on the reference date."""
        latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
        return latest - dt.timedelta(days=self.rng.randrange(365))

    def id_number(self, born: dt.date, gender: str) -> str:
        # The sequence's last digit is odd for men, even for women; never reused for a date.
        used = self.used_id_sequences.setdefault(born, set())
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            if sequence not in used:
                used.add(sequence)
                return idcard.make(ID_AREA, born, sequence)

    def phone(self, person: Person) -> str:
        """A phone number of the person's own, or "" for the young, the very old and the dead."""
        if person.status == Resident.Status.DECEASED or person.age < 12:
            return ""
        if (person.age < 16 or person.age >= 85) and self.rng.random() < 0.5:
            return ""
        return self.new_phone()

    def new_phone(self) -> str:
        rng = self.rng
        while True:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone


LEFT = (Resident.Status.MOVED_OUT, Resident.Status.DECEASED)


class Rows:
    """One community's new rows, written level by level so each parent has its key first."""

    LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING, Level.UNIT, Level.HOUSEHOLD)
    BATCH = 2000

    def __init__(self):
        self.regions: dict[str, list[Region]] = {level: [] for level in self.LEVELS}
        self.buildings: list[Building] = []
        self.units: list[Unit] = []
        self.households: list[Household] = []
        self.residents: list[Resident] = []

    def save(self) -> None:
        # Region rows need their generated keys back (children point at them): bulk_create.
        # Everything below is keyed by its region or pointed at by nothing: plain inserts.
        for level in self.LEVELS:
            Region.objects.bulk_create(self.regions[level], batch_size=self.BATCH)
            if level == Level.BUILDING:
                insert_rows(Building, self.buildings)
            elif level == Level.UNIT:
                insert_rows(Unit, self.units)
        insert_rows(Household, self.households)
        insert_rows(Resident, self.residents)


def parent_key(obj, field):
    """The key of the parent `obj` points at, copied onto `obj`: the parent was saved after
    `obj` was built, and rows further down may in turn need `obj`'s key (a unit its building's,
    which is the building's region's). An empty nullable reference stays empty."""
    parent = getattr(obj, field.name)
    key = None if parent is None else parent.pk
    setattr(obj, field.attname, key)
    return key


PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def insert_rows(model, objs: list) -> None:
    """Insert unsaved instances in bulk (COPY on PostgreSQL), without returning their keys.

    `bulk_create` compiles every value of every row through the ORM, which was most of the load
    time for the ~200,000 demo rows. These rows carry plain values, so each goes to the driver
    as is, or through its field's own database conversion where the type needs one (dates,
    decimals); timestamps are stamped once for the whole batch. Like `bulk_create`, it calls no
    `save()` and sends no signals.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    columns, getters = [], []
    for f in model._meta.concrete_fields:
        if f.db_returning:
            continue  # generated by the database
        columns.append(connection.ops.quote_name(f.column))
        if f.is_relation:
            getters.append(functools.partial(parent_key, field=f))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamp = f.get_db_prep_save(now, connection)
            getters.append(lambda obj, stamp=stamp: stamp)
        elif isinstance(f, PLAIN_FIELDS):
            getters.append(operator.attrgetter(f.attname))
        else:
            getters.append(lambda obj, f=f: f.get_db_prep_save(getattr(obj, f.attname), connection))
    table = connection.ops.quote_name(model._meta.db_table)
    rows = [tuple(get(obj) for get in getters) for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one go; row-by-row INSERTs would cost a round trip each.
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # SQLite runs in this process: executemany has no round trips to save.
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows
            )


# --- demo logins -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoLogin:
    """A login of the demo street. `scope` names a node: "street", "community 1", "grid 1 1"
    (community 1's first grid) or "household 1 1" (a household in that grid). An empty display
    name takes the householder's name, so a resident login is a person of the register."""

    username: str
    display_name: str
    role: str
    scope: str


DEMO_LOGINS = (
    DemoLogin("street_admin", "周海燕", "street_admin", "street"),
    DemoLogin("secretary_01", "亓秀梅", "community_secretary", "community 1"),
    DemoLogin("worker_01", "吕晓燕", "community_worker", "community 1"),
    DemoLogin("grid_01_01", "李建军", "grid_worker", "grid 1 1"),
    DemoLogin("resident_01", "", "resident", "household 1 1"),
)


# Pillar apps add their part of the demo street here (from their `ready()`): each is called by
# `seed_demo` with the seed after the street is built, in the same transaction, and returns its
# demo logins as (login, where) pairs. `DEMO_LATE_EXTENSIONS` run after all of them: builders
# that compute from what the others recorded (ratings from the points ledger).
DEMO_EXTENSIONS: list = []
DEMO_LATE_EXTENSIONS: list = []


def demo_extensions() -> list:
    return [*DEMO_EXTENSIONS, *DEMO_LATE_EXTENSIONS]


def scope_region(scope: str) -> Region:
    kind, *numbers = scope.split()
    if kind == "street":
        return Region.objects.get(code=STREET_CODE)
    community_code = child_code(STREET_CODE, Level.COMMUNITY, int(numbers[0]))
    if kind == "community":
        return Region.objects.get(code=community_code)
    grid_code = child_code(community_code, Level.GRID, int(numbers[1]))
    if kind == "grid":
        return Region.objects.get(code=grid_code)
    if kind == "household":
        # The first household in the grid headed by a registered, living resident.
        householder = (
            Resident.objects.within(grid_code)
            .filter(relation=Resident.Relation.SELF, status=Resident.Status.REGISTERED)
            .order_by("code")
            .select_related("household__region")
            .first()
        )
        return householder.household.region
    raise ValueError(f"unknown demo scope {scope!r}")


def scope_label(region: Region) -> str:
    """Where a scope is, in words: "凤城社区第一网格", "凤城小区1号楼1单元101室"."""
    if region.level == Level.HOUSEHOLD:
        return region.address
    if region.level == Level.GRID:
        return f"{region.parent.name}{region.name}"
    return region.name


def create_demo_logins() -> list[tuple[DemoLogin, str]]:
    from sixfold.accounts.actions import grant_role
    from sixfold.accounts.models import User

    # One hash for every demo login: they share the published demo password anyway, and
    # hashing is deliberately slow.
    password = make_password(settings.SIXFOLD_DEMO_PASSWORD)
    created = []
    for login in DEMO_LOGINS:
        region = scope_region(login.scope)
        display_name = login.display_name
        if not display_name:
            display_name = region.household.residents.get(relation=Resident.Relation.SELF).name
        user, _ = User.objects.update_or_create(
            username=login.username,
            defaults={"display_name": display_name, "password": password, "is_active": True},
        )
        grant_role(user, login.role, region)
        created.append((login, scope_label(region)))
    return created


# --- entry point ------------------------------------------------------------------------------
def build_demo_street(
    seed: int = 1, communities: int = FULL_COMMUNITIES, villages: int = FULL_VILLAGES
) -> Totals:
    """Build the demo street into an empty database, with its demo logins. Returns the counts."""
    if not 1 <= communities <= FULL_COMMUNITIES or not 0 <= villages <= FULL_VILLAGES:
        raise ValueError("communities must be 1–24 and villages 0–4")
    with transaction.atomic():
        builder = StreetBuilder(seed, communities, villages)
        totals = builder.build()
        totals.logins = create_demo_logins()
        street = Region.objects.get(code=STREET_CODE)
        events.record(
            AuditEvent.Verb.IMPORT,
            obj=street,
            object_repr=f"{STREET_NAME}（演示数据）",
            purpose=f"seed_demo --seed {seed}",
            after={
                "seed": seed,
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
