"""The check-up part of the demo street (S7), added by `seed_demo` after the party organisation.

Last year's street-wide check-up is closed: nearly every member was assessed by herself, one or
two members of her organisation, one or two residents and her organisation, and graded; the
sub-healthy and unhealthy members have rectification items, some done, and some a re-check. This year's check-up is open and partly
assessed, so the progress page has gaps to show; the demo member (`member_01`) has not assessed
herself yet and the demo resident (`resident_01`) has rated nobody.

The same seed gives the same history (its own `random.Random`). Like the rest of the demo it is
written as history, in bulk, with one import event; last year's grades come from the closing
step's own arithmetic (`actions.grade_members`).
"""

import datetime as dt
import json
import random
from collections import defaultdict

from django.db import connections, router
from django.utils import timezone

from sixfold.core import events
from sixfold.core.demo import REFERENCE_DATE, STREET_CODE, SURNAME_DRAW
from sixfold.core.models import AuditEvent, Region
from sixfold.party.models import PartyMember

from . import actions, grading
from .models import (
    Assessment,
    CheckupCycle,
    CheckupResult,
    Grade,
    Indicator,
    Party,
    Recheck,
    RectificationItem,
    categories_of,
)

BATCH = 2000
RESIDENT_NAMES = ["秀兰", "桂英", "建国", "淑珍", "志强", "海燕", "国庆", "丽华", "德明", "玉梅"]
PROBLEMS = [
    ("参加“三会一课”不够经常", "按时参加支部组织生活，每季度向支部汇报一次"),
    ("联系户走访次数偏少", "每月至少走访联系户一次，记录走访情况"),
    ("志愿服务参与少", "每季度至少参加两次社区志愿服务"),
    ("理论学习笔记不全", "补齐学习笔记，参加支部集中学习"),
    ("群众反映办事不够耐心", "参加群众工作培训，公开服务承诺"),
]


def insert_assessments(rows: list) -> None:
    """Write `(cycle, member, code, party, assessor name, scores JSON, score)` rows in one go
    (COPY on PostgreSQL): tens of thousands, which the ORM's bulk insert spent seconds compiling."""
    model = Assessment
    connection = connections[router.db_for_write(model)]
    stamp = model._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    quote = connection.ops.quote_name
    names = ("created_at", "updated_at", "cycle", "member", "code", "party", "assessor_name")
    names += ("scores", "score", "comment")
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    table = quote(model._meta.db_table)
    values = [(stamp, stamp, *row, "") for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)


class CheckupBuilder:
    def __init__(self, seed: int):
        self.rng = random.Random(f"checkup-{seed}")
        self.street = Region.objects.get(code=STREET_CODE)
        self.members = list(
            PartyMember.objects.active()
            .within(STREET_CODE)
            .select_related("resident")
            .order_by("code", "id")
        )
        self.by_org: dict[int, list[PartyMember]] = defaultdict(list)
        for member in self.members:
            self.by_org[member.organization_id].append(member)
        # A member's standing with the people around her, the same in both years (roughly).
        # Most members do well; a few (about one in thirty) clearly do not.
        self.quality = {
            m.pk: min(
                1.0,
                max(
                    0.4,
                    self.rng.gauss(0.62, 0.06)
                    if self.rng.random() < 0.035
                    else self.rng.gauss(0.93, 0.06),
                ),
            )
            for m in self.members
        }

    def name(self) -> str:
        return SURNAME_DRAW.draw(self.rng) + self.rng.choice(RESIDENT_NAMES)

    def scores(self, indicators, key, quality: float) -> tuple[str, str]:
        """(scores as JSON, the assessment's score) for one assessor at `quality`."""
        random_ = self.rng.random
        values = tuple(
            round(i.max_score * min(1.0, max(0.0, quality + (random_() - 0.5) * 0.2)))
            for i in indicators
        )
        cached = self.score_cache.get((key, values))
        if cached is None:
            given = {str(i.pk): v for i, v in zip(indicators, values, strict=True)}
            score = grading.assessment_score(indicators, given)
            cached = self.score_cache[(key, values)] = (json.dumps(given), str(score))
        return cached

    def assess(self, cycle, share: float, skip_users: set[int]) -> int:
        """Assessments of `share` of the members (all four parties for most of them)."""
        indicators = list(cycle.indicators.order_by("pk"))
        self.score_cache: dict = {}
        sets: dict[tuple, list] = {}
        rows = []
        for member in self.members:
            if self.rng.random() > share:
                continue
            key = tuple(categories_of(member))
            mine = sets.get(key)
            if mine is None:
                mine = sets[key] = [i for i in indicators if i.category in key]
            quality = self.quality[member.pk]
            peers = [p for p in self.by_org[member.organization_id] if p.pk != member.pk]
            givers = []
            if member.user_id not in skip_users and self.rng.random() < 0.95:
                givers.append((Party.SELF, member.display_name, min(1.0, quality + 0.04)))
            for peer in self.rng.sample(peers, min(len(peers), self.rng.randint(1, 2))):
                givers.append((Party.PEER, peer.display_name, quality))
            for _ in range(self.rng.randint(1, 2)):
                givers.append((Party.RESIDENT, self.name(), quality - 0.02))
            if self.rng.random() < 0.9:
                givers.append((Party.ORGANIZATION, "党组织", quality))
            for party, who, level in givers:
                given, score = self.scores(mine, key, level)
                rows.append((cycle.pk, member.pk, member.code, party, who[:50], given, score))
        insert_assessments(rows)
        return len(rows)

    def follow_up(self, cycle) -> tuple[int, int]:
        """Rectification items for the members who need them; re-checks for some."""
        closed_on = REFERENCE_DATE - dt.timedelta(days=20)
        items, rechecks, improved = [], [], []
        results = CheckupResult.objects.filter(
            cycle=cycle, initial_grade__in=[Grade.SUBHEALTHY, Grade.UNHEALTHY]
        ).select_related("member__resident")
        for result in results.order_by("pk"):
            for problem, measure in self.rng.sample(PROBLEMS, self.rng.randint(1, 2)):
                due = closed_on + dt.timedelta(days=self.rng.choice((60, 90, 120, 400)))
                done = due < REFERENCE_DATE + dt.timedelta(days=200) and self.rng.random() < 0.6
                items.append(
                    RectificationItem(
                        result=result,
                        member_id=result.member_id,
                        code=result.code,
                        problem=problem,
                        measure=measure,
                        owner=result.member.display_name[:50],
                        due_on=due,
                        status=RectificationItem.Status.DONE
                        if done
                        else RectificationItem.Status.OPEN,
                        done_on=due - dt.timedelta(days=10) if done else None,
                        outcome="已按期整改" if done else "",
                    )
                )
            if self.rng.random() < 0.5:
                better = Grade.HEALTHY if self.rng.random() < 0.7 else result.grade
                rechecks.append(
                    Recheck(
                        result=result,
                        grade=better,
                        previous_grade=result.grade,
                        on=closed_on + dt.timedelta(days=150),
                        note="整改后复检",
                    )
                )
                if better != result.grade:
                    improved.append(result.pk)
        RectificationItem.objects.bulk_create(items, batch_size=BATCH)
        Recheck.objects.bulk_create(rechecks, batch_size=BATCH)
        CheckupResult.objects.filter(pk__in=improved).update(
            grade=Grade.HEALTHY, updated_at=timezone.now()
        )
        return len(items), len(rechecks)


def _cycle(street, year: int, status: str, opened, closed=None) -> CheckupCycle:
    cycle = CheckupCycle.objects.create(
        region=street,
        code=street.code,
        year=year,
        name=f"{street.name}{year}年度党员党性体检",
        status=status,
        min_residents=3,
        opened_at=opened,
        closed_at=closed,
    )
    Indicator.objects.bulk_create(actions.default_indicators_for(cycle))
    return cycle


def build_checkup_demo(seed: int = 1) -> list:
    """Last year's closed check-up with its follow-up and this year's open one, written as
    history (in bulk, one import event) like the rest of the demo."""
    if not Region.objects.filter(code=STREET_CODE).exists():
        return []
    builder = CheckupBuilder(seed)
    year = REFERENCE_DATE.year
    day = dt.timedelta(days=1)
    start_of_year = timezone.make_aware(dt.datetime.combine(REFERENCE_DATE, dt.time(9)))
    last = _cycle(
        builder.street,
        year - 1,
        CheckupCycle.Status.OPEN,
        start_of_year - 300 * day,
    )
    last_year = builder.assess(last, share=1.0, skip_users=set())
    actions.grade_members(last)  # the closing step's arithmetic, without its event
    CheckupCycle.objects.filter(pk=last.pk).update(
        status=CheckupCycle.Status.CLOSED, closed_at=start_of_year - 20 * day
    )
    items, rechecks = builder.follow_up(last)

    current = _cycle(builder.street, year, CheckupCycle.Status.OPEN, timezone.now() - 30 * day)
    demo_users = {m.user_id for m in builder.members if m.user_id}
    this_year = builder.assess(current, share=0.45, skip_users=demo_users)
    events.record(
        AuditEvent.Verb.IMPORT,
        obj=builder.street,
        object_repr=f"{builder.street.name}党性体检（演示数据）",
        purpose=f"seed_demo --seed {seed}",
        after={
            "cycles": [last.name, current.name],
            "assessments": {str(year - 1): last_year, str(year): this_year},
            "rectification_items": items,
            "rechecks": rechecks,
        },
    )
    return []
