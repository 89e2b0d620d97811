"""The demo street's points and stars (S6, S8), added by `seed_demo` after the party demo.

A year of ledger entries (2025-12 to 2026-11) for every active member: party lessons, the
branch's theme days, work orders taken, dual-report service, volunteering, household visits,
patrols, a few manual adjustments with their approver and awards from evaluations, and a few
entries reversed as entered twice. Each member has her own level of activity, so stars spread
from none to most. The rated quarter (2026Q3) is recorded in full, the rest of the year more
thinly. Democratic-evaluation scores and a few disqualifying events for 2026Q3, which is then
computed and published, so the rating pages and the airing boards show real content.

The same seed gives the same entries (its own `random.Random`; fixed dates, not today's). The
bulk is written with `insert_rows` (no per-row actions); the periods are computed with the real
action, as an operator would.
"""

import datetime as dt
import importlib
import random
import time
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.db import connections, router
from django.utils import timezone

from sixfold.core import events
from sixfold.core.demo import STREET_CODE, STREET_NAME, insert_rows
from sixfold.core.models import AuditEvent, Region
from sixfold.points import actions as point_actions
from sixfold.points import stars
from sixfold.points.models import (
    Disqualification,
    EvaluationScore,
    LedgerEntry,
    Source,
    StarItem,
)

from .demo import SECRETARY_LOGIN
from .models import PartyMember
from .ratings import SUBJECT_TYPE

FIRST_DAY, LAST_DAY = dt.date(2025, 12, 1), dt.date(2026, 11, 25)
RATED = "2026Q3"  # the last full quarter before the demo's "today" (2026-11-26)

# kind, source, points a member who does it fully earns in a quarter (the star's threshold),
# reasons
ACTIVITIES = [
    (
        "activity.study",
        Source.ACTIVITY,
        4,
        ["完成季度党课学习", "参加专题学习讨论", "完成“学习强国”季度学习"],
    ),
    (
        "activity.org_life",
        Source.ACTIVITY,
        3,
        ["参加支部主题党日", "参加组织生活会", "参加“三会一课”"],
    ),
    (
        "order.resolved",
        Source.ORDER,
        6,
        [
            "领办群众工单：楼道灯维修",
            "领办群众工单：下水道疏通",
            "领办群众工单：调解邻里纠纷",
            "领办群众工单：代办老人医保",
        ],
    ),
    (
        "activity.volunteer",
        Source.ACTIVITY,
        6,
        ["志愿服务：关爱空巢老人", "志愿服务：四点半学校辅导", "志愿服务：疫苗接种点引导"],
    ),
    ("activity.visit", Source.ACTIVITY, 3, ["入户走访联系户", "走访困难家庭", "收集联系户诉求"]),
    (
        "activity.neighbour",
        Source.ACTIVITY,
        3,
        ["邻里互助：帮邻居照看老人", "楼道节：组织邻里活动", "认领微心愿：为独居老人更换灯具"],
    ),
    (
        "activity.environment",
        Source.ACTIVITY,
        3,
        ["参加环境卫生整治", "清理楼道堆积物", "垃圾分类督导"],
    ),
    ("activity.patrol", Source.ACTIVITY, 3, ["参加治安联防巡逻", "参加消防安全检查", "防诈骗宣传"]),
]
AWARDS = [
    ("evaluation.award", Source.EVALUATION, 3, "季度民主评议表现突出"),
    ("manual.adjustment", Source.MANUAL, 5, "获评区级优秀共产党员"),
    ("manual.adjustment", Source.MANUAL, 3, "提出社区治理“金点子”被采纳"),
    ("manual.adjustment", Source.MANUAL, -2, "无故缺席组织生活"),
]
build_seconds: dict[str, float] = {}  # the last run's time, for the demo's own test
DISQUALIFYING = ["受到党内警告处分", "受到党内严重警告处分"]


def _quarters():
    """(first day, last day) of each quarter, clipped to the year of entries."""
    day = FIRST_DAY
    while day <= LAST_DAY:
        quarter_end_month = ((day.month - 1) // 3 + 1) * 3
        end = (
            dt.date(day.year, 12, 31)
            if quarter_end_month == 12
            else dt.date(day.year, quarter_end_month + 1, 1) - dt.timedelta(days=1)
        )
        yield day, min(end, LAST_DAY)
        day = end + dt.timedelta(days=1)


ENTRY_COLUMNS = (
    "code",
    "subject_type",
    "subject_id",
    "subject_name",
    "source",
    "kind",
    "points",
    "occurred_on",
    "reason",
    "approved_by_id",
)


def _insert_entries(rows: list[tuple]) -> None:
    """Append plain rows to the ledger (no reversals, no keys) in one statement per batch."""
    connection = connections[router.db_for_write(LedgerEntry)]
    quote = connection.ops.quote_name
    fields = [LedgerEntry._meta.get_field(name) for name in ENTRY_COLUMNS]
    stamp = LedgerEntry._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    columns = [quote(f.column) for f in fields] + [
        quote(c) for c in ("ref", "ref_url", "key", "created_at")
    ]
    sql = (
        f"INSERT INTO {quote(LedgerEntry._meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for index in range(0, len(rows), 5000):
            cursor.executemany(
                sql, [(*row, "", "", "", stamp) for row in rows[index : index + 5000]]
            )


def _ensure_items() -> None:
    # A browser test's flush empties the table the migration seeded.
    if not StarItem.objects.filter(subject_type=SUBJECT_TYPE).exists():
        migration = importlib.import_module("sixfold.points.migrations.0003_default_star_items")
        migration.seed(apps, None)


def build_points_demo(seed: int = 1) -> list:
    """Fill the demo street's ledger and ratings; no logins of its own."""
    from sixfold.accounts.models import User

    started = time.perf_counter()
    _ensure_items()
    rng = random.Random(f"points-{seed}")
    street = Region.objects.filter(code=STREET_CODE).first()
    members = list(
        PartyMember.objects.active()
        .filter(code__startswith=STREET_CODE)
        .select_related("resident")
        .only("id", "code", "name", "resident__name")
        .order_by("id")
    )
    if street is None or not members:
        return []
    approver = User.objects.filter(username=SECRETARY_LOGIN).first()
    quarters = list(_quarters())

    # Rows are tuples in ENTRY_COLUMNS order, written with one executemany: building ~60,000
    # model instances (or converting each value through its field) alone would take seconds.
    entries: list[tuple] = []
    levels = {}
    approver_id = approver.pk if approver else None

    def add(member, name, source, kind, points, day, reason, approved_by_id=None):
        entries.append(
            (
                member.code,
                SUBJECT_TYPE,
                member.pk,
                name,
                source,
                kind,
                f"{points}.00",
                day.isoformat(),
                reason,
                approved_by_id,
            )
        )

    rated_start, rated_end = stars.parse_period(RATED)[1:]
    for member in members:
        # How active she is: most members are fairly active, some hardly at all.
        level = rng.betavariate(1.8, 1.5)
        levels[member.pk] = level
        name = member.display_name[:100]
        for start, end in quarters:
            span = (end - start).days
            # The rated quarter in full; the rest of the year more thinly (fewer rows to write).
            density = 1.0 if start == rated_start else 0.2 * (span + 1) / 91
            for kind, source, full, reasons in ACTIVITIES:
                if rng.random() >= density:
                    continue
                if rng.random() < level:
                    total = full + rng.choice((0, 0, 1, 2))  # reached the star's threshold
                elif rng.random() < 0.3:
                    total = full - 1  # started, fell short
                else:
                    continue
                parts = [total]
                if total >= 2 and rng.random() < 0.25:
                    first = rng.randint(1, total - 1)
                    parts = [first, total - first]
                for points in parts:
                    day = start + dt.timedelta(days=rng.randint(0, span))
                    add(member, name, source, kind, points, day, rng.choice(reasons))
            if rng.random() < 0.12 * (0.5 + level) * density:
                kind, source, points, reason = rng.choice(AWARDS)
                day = start + dt.timedelta(days=rng.randint(0, span))
                manual = approver_id if source == Source.MANUAL else None
                add(member, name, source, kind, points, day, reason, manual)
    # A few entries were entered twice and reversed (they keep their place in the ledger).
    picked = sorted(rng.sample(range(len(entries)), min(25, len(entries))), reverse=True)
    twice = [entries.pop(index) for index in picked]
    build_seconds["generated"] = time.perf_counter() - started
    _insert_entries(entries)
    build_seconds["inserted"] = time.perf_counter() - started
    originals = LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                **dict(zip(ENTRY_COLUMNS, row, strict=True)),
            )
            for row in twice
        ]
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                code=e.code,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                subject_name=e.subject_name,
                source=e.source,
                kind=e.kind,
                points=-Decimal(str(e.points)),
                occurred_on=e.occurred_on,
                reason="重复登记，冲销",
                reverses_id=e.pk,
                created_by=approver,
            )
            for e in originals
        ]
    )

    # Democratic evaluation and disqualifications for the rated quarter.
    evaluation_items = list(
        StarItem.objects.filter(
            subject_type=SUBJECT_TYPE, active=True, evaluation_min__isnull=False
        )
    )
    period = point_actions.period_for(RATED, SUBJECT_TYPE, create=True)
    scores = [
        SimpleNamespace(
            period=period,
            item=item,
            subject_type=SUBJECT_TYPE,
            subject_id=member.pk,
            code=member.code,
            score=Decimal(min(100, max(55, round(72 + 26 * levels[member.pk] + rng.gauss(0, 6))))),
            entered_by=None,
            entered_by_id=None,
        )
        for member in members
        for item in evaluation_items
    ]
    insert_rows(EvaluationScore, scores)
    build_seconds["scores"] = time.perf_counter() - started
    disqualified = rng.sample(members, min(4, len(members)))
    Disqualification.objects.bulk_create(
        [
            Disqualification(
                subject_type=SUBJECT_TYPE,
                subject_id=member.pk,
                subject_name=member.display_name[:100],
                code=member.code,
                occurred_on=rated_start + dt.timedelta(days=20 + 11 * index),
                reason=DISQUALIFYING[index % 2],
                created_by=approver,
            )
            for index, member in enumerate(disqualified)
        ]
    )

    # Computed and published with the real actions, as the street office would.
    period = point_actions.compute_period(period, by=None)
    point_actions.publish_period(period, by=None)
    build_seconds["total"] = time.perf_counter() - started
    events.record(
        AuditEvent.Verb.IMPORT,
        obj=street,
        object_repr=f"{STREET_NAME}党员积分与星级（演示数据）",
        purpose=f"seed_demo --seed {seed}",
        after={
            "ledger_entries": len(entries) + 2 * len(originals),
            "evaluation_scores": len(scores),
            "disqualifications": len(disqualified),
            "periods": [RATED],
        },
    )
    return []
