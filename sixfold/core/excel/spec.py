"""The register workbook (台账工作簿): its sheets and columns, shared by template, importer and
exporter, so the three can never disagree about the format.

The workbook's wording is Chinese whatever the interface language: it is a document that
travels between offices and has to import for anyone, so its headers and its vocabulary (男/女,
户主, 户籍人口 …) are part of the format, fixed here rather than taken from the message catalog.
Messages *about* a workbook (errors, the summary) are translated like the rest of the interface.

Rows say where they are by four codes a community worker can read off the region tree and fill
in by hand: 网格编码 (the grid's full code, `370116001001-G01`), 楼栋号, 单元号 and 房号 — the
numbers of the building, unit and household segments of the node codes (`-B003-U02-0301`). An
export writes exactly these columns, so an export imports back unchanged.
"""

from dataclasses import dataclass, field

from ..models import Building, Household, Level, Resident
from ..models.resident import ETHNICITIES

# The hidden sheet that tells a Sixfold workbook from any other, and which format it follows.
MARKER_SHEET = "_sixfold"
MARKER_ID = "sixfold-registry-workbook"
FORMAT_VERSION = 1
INSTRUCTIONS_SHEET = "说明"
LISTS_SHEET = "选项"
ERRORS_SHEET = "错误清单"
# Sheets the importer reads past: instructions, drop-down lists, a report's error list.
AUXILIARY_SHEETS = (INSTRUCTIONS_SHEET, LISTS_SHEET, ERRORS_SHEET, MARKER_SHEET)

YES = "是"
# What a flag column accepts as "yes" and as "no" (besides a blank cell).
YES_WORDS = {"是", "√", "✓", "✔", "Y", "YES", "TRUE", "1", "有"}
NO_WORDS = {"否", "×", "N", "NO", "FALSE", "0", "无"}

# --- vocabulary ----------------------------------------------------------------------------------
# (stored value, the word the workbook uses). A test checks these cover the models' choices.
GENDERS = (("M", "男"), ("F", "女"))
RELATIONS = (
    ("self", "户主"),
    ("spouse", "配偶"),
    ("child", "子女"),
    ("parent", "父母"),
    ("grandchild", "孙子女"),
    ("grandparent", "祖父母"),
    ("sibling", "兄弟姐妹"),
    ("child_in_law", "儿媳/女婿"),
    ("tenant", "租户"),
    ("other", "其他"),
)
STATUSES = (
    ("registered", "户籍人口"),
    ("non_registered", "非户籍人口"),
    ("moved_out", "已迁出"),
    ("deceased", "已故"),
)
HOUSINGS = (("owned", "自有住房"), ("rented", "租住"), ("public", "公租房"), ("other", "其他"))
STRUCTURES = (
    ("high_rise", "高层"),
    ("mid_rise", "多层"),
    ("low_rise", "低层"),
    ("bungalow", "平房/农村住宅"),
    ("other", "其他"),
)
ETHNICITY_CHOICES = tuple((e, e) for e in ETHNICITIES)
# Tags set by hand, one yes/no column each (a cell's drop-down holds one value, a person many).
# "60+ elderly" is not among them: it follows from the birth date.
RESIDENT_TAGS = (
    ("living_alone", "独居"),
    ("disabled", "残疾"),
    ("low_income", "低保"),
    ("veteran", "退役军人"),
    ("special_care", "特殊关爱"),
)
HOUSEHOLD_TAGS = (
    ("empty_nest", "空巢"),
    ("hardship", "困难家庭"),
    ("rented", "出租房屋"),
    ("military", "军属"),
    ("focus", "重点关注"),
)

MODEL_CHOICES = {
    "gender": (GENDERS, Resident.Gender),
    "relation": (RELATIONS, Resident.Relation),
    "status": (STATUSES, Resident.Status),
    "housing": (HOUSINGS, Household.Housing),
    "structure": (STRUCTURES, Building.Structure),
}


# --- columns ---------------------------------------------------------------------------------------
class Kind:
    """How a column's cells are read."""

    GRID = "grid"  # a grid's full code
    NUMBER = "number"  # a building, unit or room number ("3", 3, "3号楼")
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    CHOICE = "choice"
    FLAG = "flag"
    ID_NUMBER = "id_number"
    PHONE = "phone"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    personal: bool = False  # masked in reports and masked exports
    level: str = ""  # for NUMBER: whose segment the number is
    max_length: int = 0
    width: int = 12
    help: str = ""  # what the instructions sheet says about the column
    text_format: bool = False  # formatted as text so Excel keeps every digit


@dataclass(frozen=True)
class SheetSpec:
    key: str
    name: str
    columns: tuple[Column, ...]
    # The columns that locate a row's node, in code order.
    place: tuple[str, ...]
    level: str
    help: str = ""
    by_header: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.by_header.update({c.header: c for c in self.columns})

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


GRID = Column(
    "grid",
    "网格编码",
    Kind.GRID,
    required=True,
    width=20,
    help="网格的完整编码，如 370116001001-G01（在“区域树”页面可以查到）",
)
BUILDING_NUMBER = Column(
    "building",
    "楼栋号",
    Kind.NUMBER,
    required=True,
    level=Level.BUILDING,
    width=8,
    help="楼栋在网格内的编号，1–999；也可写“3号楼”",
)
UNIT_NUMBER = Column(
    "unit",
    "单元号",
    Kind.NUMBER,
    required=True,
    level=Level.UNIT,
    width=8,
    help="单元在楼栋内的编号，1–99；也可写“2单元”",
)
ROOM_NUMBER = Column(
    "room",
    "房号",
    Kind.NUMBER,
    required=True,
    level=Level.HOUSEHOLD,
    width=8,
    help="房号或门牌号，1–9999，如 301；也可写“301室”",
)
NOTE = Column("note", "备注", Kind.TEXT, width=24, help="选填")


def flag_columns(tags) -> tuple[Column, ...]:
    return tuple(
        Column(f"tag:{value}", word, Kind.FLAG, width=8, help=f"填“{YES}”表示{word}，否则留空")
        for value, word in tags
    )


BUILDINGS = SheetSpec(
    key="buildings",
    name="楼栋",
    level=Level.BUILDING,
    place=("grid", "building"),
    help="每行一栋楼。网格必须已在区域树中；楼栋不存在时新建，已存在时按本行修改。",
    columns=(
        GRID,
        BUILDING_NUMBER,
        Column(
            "name",
            "楼栋名称",
            Kind.TEXT,
            max_length=100,
            width=12,
            help="如“3号楼”；新建时留空则为“楼栋号+号楼”，修改时留空则不变",
        ),
        Column("compound", "小区", Kind.TEXT, max_length=100, width=16, help="小区或片区名称"),
        Column("address", "地址", Kind.TEXT, max_length=200, width=28, help="选填"),
        Column("floors", "层数", Kind.INT, width=6, help="1–200 的整数"),
        Column(
            "structure",
            "结构",
            Kind.CHOICE,
            choices=STRUCTURES,
            width=12,
            help="从下拉列表选择；新建时留空为“多层”，修改时留空则不变",
        ),
        NOTE,
    ),
)

UNITS = SheetSpec(
    key="units",
    name="单元",
    level=Level.UNIT,
    place=("grid", "building", "unit"),
    help="每行一个单元（楼道）。楼栋须已存在或在“楼栋”表中。",
    columns=(
        GRID,
        BUILDING_NUMBER,
        UNIT_NUMBER,
        Column(
            "name",
            "单元名称",
            Kind.TEXT,
            max_length=100,
            width=12,
            help="如“2单元”“东段”；新建时留空为“单元号+单元”，修改时留空则不变",
        ),
        Column("floors", "层数", Kind.INT, width=6, help="1–200 的整数"),
        NOTE,
    ),
)

HOUSEHOLDS = SheetSpec(
    key="households",
    name="住户",
    level=Level.HOUSEHOLD,
    place=("grid", "building", "unit", "room"),
    help="每行一户。单元须已存在或在“单元”表中。",
    columns=(
        GRID,
        BUILDING_NUMBER,
        UNIT_NUMBER,
        ROOM_NUMBER,
        Column(
            "address",
            "地址",
            Kind.TEXT,
            max_length=200,
            width=30,
            help="如“幸福小区3号楼2单元301室”；新建时留空则由楼栋、单元和房号生成，修改时留空则不变",
        ),
        Column(
            "housing",
            "住房性质",
            Kind.CHOICE,
            choices=HOUSINGS,
            width=10,
            help="从下拉列表选择；新建时留空为“自有住房”，修改时留空则不变",
        ),
        Column("area", "面积（平方米）", Kind.DECIMAL, width=10, help="0–99999.99，最多两位小数"),
        *flag_columns(HOUSEHOLD_TAGS),
        NOTE,
    ),
)

RESIDENTS = SheetSpec(
    key="residents",
    name="居民",
    level=Level.HOUSEHOLD,
    place=("grid", "building", "unit", "room"),
    help=(
        "每行一位居民，按身份证号对应：登记簿中已有此身份证号的居民按本行修改（可迁到另一户），"
        "没有的新建。住户须已存在或在“住户”表中。"
    ),
    columns=(
        GRID,
        BUILDING_NUMBER,
        UNIT_NUMBER,
        ROOM_NUMBER,
        Column("name", "姓名", Kind.TEXT, required=True, max_length=50, width=10, help="必填"),
        Column(
            "gender",
            "性别",
            Kind.CHOICE,
            choices=GENDERS,
            width=6,
            help="男 / 女；留空时按身份证号第17位推出",
        ),
        Column(
            "birth_date",
            "出生日期",
            Kind.DATE,
            width=12,
            help="如 1980-05-17 或 1980/5/17；留空时按身份证号推出",
        ),
        Column(
            "id_number",
            "身份证号",
            Kind.ID_NUMBER,
            required=True,
            personal=True,
            width=21,
            text_format=True,
            help="18 位，须通过 GB 11643 校验；本列为文本格式，请勿改成数字（会丢失末几位）",
        ),
        Column(
            "phone",
            "手机号",
            Kind.PHONE,
            personal=True,
            width=14,
            text_format=True,
            help="11 位手机号或 0531-12345678 形式的座机号；选填",
        ),
        Column(
            "relation",
            "与户主关系",
            Kind.CHOICE,
            required=True,
            choices=RELATIONS,
            width=10,
            help="从下拉列表选择",
        ),
        Column(
            "ethnicity",
            "民族",
            Kind.CHOICE,
            choices=ETHNICITY_CHOICES,
            width=8,
            help="从下拉列表选择；新建时留空为“汉族”，修改时留空则不变",
        ),
        Column(
            "status",
            "居住状态",
            Kind.CHOICE,
            choices=STATUSES,
            width=10,
            help="从下拉列表选择；新建时留空为“户籍人口”，修改时留空则不变",
        ),
        *flag_columns(RESIDENT_TAGS),
        NOTE,
    ),
)

SHEETS = (BUILDINGS, UNITS, HOUSEHOLDS, RESIDENTS)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
SHEETS_BY_NAME = {s.name: s for s in SHEETS}

# Columns whose blank cell means "keep what the register has" on an update and "the default" on
# a create, because the register never holds them empty. Every other optional column's blank
# means "empty".
KEEP_WHEN_BLANK = {
    "buildings": {"name", "structure"},
    "units": {"name"},
    "households": {"address", "housing"},
    # Gender and birth date left blank are read from the ID number instead.
    "residents": {"ethnicity", "status"},
}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
