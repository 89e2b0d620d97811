"""Demo work orders (S9, S24, S28): a year of requests across the demo street.

About five orders a day over the year before the seed runs, in every community and village, with
texts per category; most are claimed by party members of their community, resolved, verified,
rated and published; a few are rejected, cancelled or merged; the last weeks' orders are still on
their way, some past their limits (flagged and escalated as the timers would); about one in thirty
is whistled to a department, which reports, acts and is rated. The department login
`dept_chengguan` (城管) and a few dozen member logins (so that claims have a claimant) are made
here.

Rows are written with bulk_create (no per-row actions: the history is not something anybody did
today), with one `import` audit event on the street. One `random.Random(seed)` drives every
choice; dates count back from the day the seed runs, so the last weeks are always "recent".

The orders are written once the seed's transaction commits, after the party demo: engines do
not import pillars, so the members are found through the database (the `party` app's member
table, when the app is installed) — see `_claimers` and `build_orders_demo`.
"""

import datetime as dt
import random
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from sixfold.core import events, workdays
from sixfold.core.demo import STREET_CODE, DemoLogin
from sixfold.core.models import AuditEvent, Building, Level, Region

from . import sla
from .models import (
    Category,
    Channel,
    ClaimantKind,
    Department,
    DepartmentStaff,
    Order,
    OrderEvent,
    SupervisorNote,
    Urgency,
    Whistle,
)
from .states import State

DEPARTMENT_LOGIN = "dept_chengguan"
ORDERS_PER_DAY = 5
DAYS = 365
MEMBERS_PER_COMMUNITY = 3

# category slug: [(title, text, what was done)]; "{place}" becomes the building's address.
TEXTS = {
    "plumbing_electric": [
        ("楼道灯不亮", "{place}楼道声控灯坏了一个多星期，老人晚上上下楼看不清。", "更换声控灯3盏，已恢复照明。"),
        ("水管漏水", "{place}单元水表井漏水，地面结冰容易滑倒。", "联系物业关阀更换水表接头，清理地面。"),
        ("电闸跳闸", "{place}单元总闸经常跳闸，家里冰箱停电。", "电工检查线路，更换老化空开。"),
    ],
    "elevator": [
        ("电梯困人", "{place}电梯卡在5楼，里面有人，请尽快处理！", "维保单位20分钟到场救出被困人员并检修。"),
        ("电梯异响", "{place}电梯运行时有异响，居民担心安全。", "维保单位检修导轨，更换磨损部件。"),
    ],
    "roof_leak": [
        ("顶楼漏雨", "{place}顶层住户反映下雨屋顶漏水，墙皮脱落。", "维修资金申请后完成屋面防水修补。"),
    ],
    "sanitation": [
        ("楼前垃圾堆积", "{place}门前垃圾桶满溢多日无人清运，气味很大。", "协调环卫加密清运，清洗垃圾桶。"),
        ("小广告清理", "{place}楼道墙面小广告很多，影响环境。", "组织党员志愿者清理小广告并刷白墙面。"),
    ],
    "garbage": [
        ("建筑垃圾乱堆", "{place}旁装修垃圾堆放一个月没人管。", "联系业主限期清运，物业协助运走。"),
    ],
    "greening": [
        ("树枝遮挡窗户", "{place}前大树枝条伸到三楼窗户，影响采光。", "园林部门修剪枝条。"),
    ],
    "neighbour_dispute": [
        ("楼上噪音扰民", "{place}楼上住户夜里经常发出噪音，沟通无果。", "网格员和党员上门调解，双方签订邻里公约。"),
        ("占用公共楼道", "{place}有住户在楼道堆放杂物，影响通行。", "上门劝导，杂物已清理。"),
    ],
    "security_hazard": [
        ("单元门锁坏了", "{place}单元门禁损坏，陌生人随意进出。", "物业更换门禁锁。"),
        ("路灯不亮", "{place}附近路灯坏了，夜间路段很黑不安全。", "报城管照明维修，已恢复。"),
    ],
    "fire_hazard": [
        ("电动车楼道充电", "{place}有人把电动车推进楼道充电，存在火灾隐患。", "上门宣传消防安全，引导到集中充电桩。"),
        ("消防通道被占", "{place}消防通道被私家车长期占用。", "联系车主挪车，施划禁停标线。"),
    ],
    "elderly_disability": [
        ("独居老人需要帮助", "{place}独居老人行动不便，希望有人帮忙买菜取药。", "党员结对每周上门两次帮办。"),
        ("申请轮椅", "{place}残疾居民申请借用轮椅。", "从社区爱心驿站借出轮椅并送到家。"),
    ],
    "meal_bath": [
        ("老人助餐", "{place}八十岁老人希望到社区长者食堂助餐。", "办理助餐卡，每日送餐上门。"),
    ],
    "employment": [
        ("求职帮扶", "{place}居民失业半年，希望社区帮忙推荐工作。", "推荐参加街道招聘会，已被物业公司录用。"),
        ("技能培训", "{place}有居民想参加家政技能培训。", "报名人社部门免费培训班。"),
    ],
    "education_care": [
        ("四点半课堂", "{place}双职工家庭孩子放学后无人照看，想报名四点半学校。", "已安排进入社区四点半课堂。"),
    ],
    "health": [
        ("上门体检", "{place}卧床老人需要家庭医生上门体检。", "联系社区卫生服务站家庭医生上门。"),
        ("慢病取药", "{place}老人慢病药快吃完了，行动不便。", "党员志愿者代取药品送到家中。"),
    ],
    "micro_wish": [
        ("微心愿：一个书包", "{place}困难家庭孩子希望有一个新书包。", "共建单位党员认领并送上书包和文具。"),
        ("微心愿：收音机", "{place}独居老人想要一台收音机听戏。", "党员认领微心愿，送上收音机。"),
    ],
    "policy": [
        ("医保报销咨询", "{place}居民咨询异地就医报销政策。", "社工电话解答并发放政策明白纸。"),
        ("低保申请", "{place}居民咨询低保申请条件和材料。", "社工上门指导准备材料，已提交申请。"),
    ],
}  # fmt: skip

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘亓吕"
GIVEN = "秀英桂兰玉兰建国建华志强海燕丽娟明德文华淑珍凤英国庆立新红梅金凤振华永胜春生"
COMMENTS = {
    5: ["非常满意，党员同志办事很快！", "很及时，谢谢社区！", "问题彻底解决了，点赞。"],
    4: ["满意，就是稍慢了一点。", "处理得不错。"],
    3: ["基本解决。", "还可以。"],
    2: ["拖得太久了。", "没有完全解决。"],
    1: ["不满意，问题还在。"],
}
CHANNELS = [
    (Channel.WEB, 40),
    (Channel.PHONE, 20),
    (Channel.WALK_IN, 12),
    (Channel.GRID_PATROL, 18),
    (Channel.HOTLINE, 10),
]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _claimers(password: str) -> dict[str, list]:
    """Logins of a few active members per community, made here when the party pillar is
    installed (its member table is read through the app registry, not imported); otherwise the
    demo claims go to community workers and grid workers."""
    from sixfold.accounts.models import RoleAssignment, User

    communities = {
        r.code: r
        for r in Region.objects.filter(
            code__startswith=STREET_CODE, level__in=(Level.COMMUNITY, Level.VILLAGE)
        )
    }
    by_community: dict[str, list] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(
        role__in=("party_member", "grid_worker", "community_worker"),
        scope_code__startswith=STREET_CODE,
    ).select_related("user"):
        by_community[assignment.scope_code[:12]].append(
            (assignment.user, ClaimantKind.PARTY_MEMBER
             if assignment.role == "party_member" else ClaimantKind.GRID_WORKER)
        )  # fmt: skip
    if not apps.is_installed("sixfold.party"):
        return by_community
    member_model = apps.get_model("party", "PartyMember")
    chosen = []
    for code in sorted(communities):
        members = (
            member_model.objects.filter(
                code__startswith=code, status="active", user__isnull=True, resident__isnull=False
            )
            .select_related("resident")
            .order_by("pk")[:MEMBERS_PER_COMMUNITY]
        )
        chosen += [(code, m) for m in members]
    users = User.objects.bulk_create(
        [
            User(
                username=f"m{code[-3:]}_{index:02d}",
                display_name=member.resident.name,
                password=password,
                is_active=True,
            )
            for index, (code, member) in enumerate(chosen, start=1)
        ]
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(
                user=user, role="party_member", region=communities[code], scope_code=code
            )
            for user, (code, _member) in zip(users, chosen, strict=True)
        ]
    )
    for user, (code, member) in zip(users, chosen, strict=True):
        member.user = user
        by_community[code].append((user, ClaimantKind.PARTY_MEMBER))
    member_model.objects.bulk_update([m for _code, m in chosen], ["user"])
    return by_community


def _department_login(password: str) -> tuple[DemoLogin, str]:
    from sixfold.accounts.actions import grant_role
    from sixfold.accounts.models import User

    street = Region.objects.get(code=STREET_CODE)
    user, _ = User.objects.update_or_create(
        username=DEPARTMENT_LOGIN,
        defaults={"display_name": "城管执法中队", "password": password, "is_active": True},
    )
    grant_role(user, "department_staff", street)
    DepartmentStaff.objects.get_or_create(
        department=Department.objects.get(slug="chengguan"), user=user
    )
    return DemoLogin(DEPARTMENT_LOGIN, "城管执法中队", "department_staff", "street"), street.name


class OrdersBuilder:
    def __init__(self, seed: int):
        self.rng = random.Random(f"orders-{seed}")
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.orders: list[Order] = []
        self.steps: list[list[tuple]] = []  # per order: (name, from, to, at, actor, note, data)
        self.whistles: list[tuple[int, dict]] = []
        self.notes: list[tuple[int, dict]] = []

    def read(self, claimers):
        self.claimers = claimers
        buildings = defaultdict(list)
        self.region_ids = {}
        for code, compound, name, region_id in Building.objects.filter(
            code__startswith=STREET_CODE
        ).values_list("code", "compound", "region__name", "region_id"):
            buildings[code[:12]].append((code, f"{compound}{name}"))
            self.region_ids[code] = region_id
        self.buildings = {k: v for k, v in buildings.items() if v}
        categories = {c.slug: c for c in Category.objects.filter(active=True)}
        self.categories = [
            (categories[slug], texts) for slug, texts in TEXTS.items() if slug in categories
        ]
        self.limits = {}
        self.marks = workdays.exceptions(
            self.today - dt.timedelta(days=DAYS + 10), self.today + dt.timedelta(days=60)
        )
        self.departments = list(Department.objects.filter(active=True))
        from sixfold.accounts.models import User

        self.resident_login = User.objects.filter(username="resident_01").first()
        self.worker = User.objects.filter(username="worker_01").first()

    def limits_of(self, category, urgency):
        key = (category.pk, urgency)
        if key not in self.limits:
            self.limits[key] = sla.limits_for(category, urgency)
        return self.limits[key]

    def build(self):
        rng = self.rng
        communities = sorted(self.buildings)
        for day in range(DAYS, -1, -1):
            date = self.today - dt.timedelta(days=day)
            for _ in range(rng.randint(ORDERS_PER_DAY - 2, ORDERS_PER_DAY + 2)):
                self.build_order(date, rng.choice(communities))

    def build_order(self, date: dt.date, community: str):
        rng = self.rng
        category, texts = rng.choice(self.categories)
        title, text, done = rng.choice(texts)
        building, place = rng.choice(self.buildings[community])
        urgency = category.default_urgency if rng.random() < 0.85 else Urgency.COMPLEX
        zone = timezone.get_current_timezone()
        submitted = dt.datetime.combine(
            date, dt.time(rng.randint(7, 20), rng.randint(0, 59)), tzinfo=zone
        )
        if submitted >= self.now:
            return
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        channel = _weighted(rng, CHANNELS)
        order = Order(
            number="",
            region_id=self.region_ids[building],
            code=building,
            category=category,
            channel=channel,
            requester_name=name,
            anonymous=rng.random() < 0.03,
            address=place,
            title=title,
            text=text.format(place=place),
            urgency=urgency,
            public=rng.random() < 0.9,
            submitted_at=submitted,
            state=State.SUBMITTED,
        )
        if community == min(self.buildings) and self.resident_login and rng.random() < 0.05:
            order.requester, order.channel = self.resident_login, Channel.WEB
        order.set_requester_phone(f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}")
        limits = self.limits_of(category, urgency)
        order.accept_due = limits.accept.due(submitted, self.marks)
        steps = [("submit", "", State.SUBMITTED, submitted, None, "", {"channel": channel})]
        age = (self.now - submitted).total_seconds() / 86400
        self.orders.append(order)
        self.steps.append(steps)

        def step(name, target, at, actor=None, note="", data=None):
            steps.append((name, order.state, target, at, actor, note, data or {}))
            order.state = target

        # Some recent orders got stuck at one stage and ran past its limit (the timers' work).
        stuck = rng.choice(("claim", "resolve")) if age < 30 and rng.random() < 0.12 else ""
        roll = rng.random()
        if roll < 0.02 and age > 1:
            order.reason = "不属于社区受理范围，已告知居民拨打12345。"
            order.closed_at = submitted + dt.timedelta(hours=rng.uniform(1, 20))
            step("reject", State.REJECTED, order.closed_at, self.worker, order.reason)
            return
        if roll < 0.04 and age > 1:
            order.closed_at = submitted + dt.timedelta(hours=rng.uniform(0.2, 10))
            step("cancel", State.CANCELLED, order.closed_at, order.requester, "已自行解决")
            return
        # Acceptance: most within the limit, a few late; the newest may still wait.
        late = rng.random() < 0.06
        accept_after = dt.timedelta(
            hours=rng.uniform(0.05, 0.9) * (limits.accept.amount or 24) * (1.6 if late else 1)
        )
        accepted = submitted + accept_after
        if accepted > self.now:
            order.accept_overdue = bool(order.accept_due and self.now > order.accept_due)
            return self.maybe_escalate(order, "accept")
        order.accepted_at = accepted
        order.accept_overdue = bool(order.accept_due and accepted > order.accept_due)
        order.claim_due = limits.claim.due(accepted, self.marks)
        order.resolve_due = limits.resolve.due(accepted, self.marks)
        step("accept", State.ACCEPTED, accepted, self.worker)
        # Claim by a member of the community (or the community dispatches).
        people = self.claimers.get(community) or []
        if not people:
            return
        claimed = accepted + dt.timedelta(hours=rng.uniform(0.2, 30))
        if claimed > self.now or stuck == "claim":
            order.claim_overdue = bool(order.claim_due and self.now > order.claim_due)
            return self.maybe_escalate(order, "claim")
        user, kind = rng.choice(people)
        order.claimant, order.claimant_kind, order.claimant_name = user, kind, str(user)[:50]
        order.claimed_at = claimed
        order.claim_overdue = bool(order.claim_due and claimed > order.claim_due)
        step("claim" if rng.random() < 0.8 else "dispatch", State.CLAIMED, claimed, user,
             data={"claimant": user.pk, "kind": kind})  # fmt: skip
        if rng.random() < 0.035 and self.departments:
            self.whistle(order, claimed)
        span = ((order.resolve_due or claimed + dt.timedelta(days=7)) - claimed).total_seconds()
        overrun = rng.random() < 0.08
        resolved = claimed + dt.timedelta(seconds=span * rng.uniform(0.1, 1.3 if overrun else 0.95))
        order.started_at = claimed + dt.timedelta(minutes=rng.randint(10, 600))
        if order.started_at > self.now:
            return
        step("start", State.IN_PROGRESS, order.started_at, user)
        if resolved > self.now or stuck == "resolve":
            order.resolve_overdue = bool(order.resolve_due and self.now > order.resolve_due)
            return self.maybe_escalate(order, "resolve")
        if rng.random() < 0.05:
            order.rework_count = 1
            step("resolve", State.RESOLVED, resolved - dt.timedelta(hours=20), user, "已处理")
            step("send_back", State.IN_PROGRESS, resolved - dt.timedelta(hours=12), self.worker,
                 "居民反映问题仍在，请返工。")  # fmt: skip
        order.resolution = done
        order.resolved_at = resolved
        order.resolve_overdue = bool(order.resolve_due and resolved > order.resolve_due)
        step("resolve", State.RESOLVED, resolved, user, done)
        verified = resolved + dt.timedelta(hours=rng.uniform(1, 40))
        if verified > self.now:
            return
        order.verified_at = verified
        step("verify", State.VERIFIED, verified, self.worker)
        rated = verified + dt.timedelta(hours=rng.uniform(1, 100))
        if rated > self.now:
            return
        silent = rng.random() < 0.12
        if silent:
            closed = verified + dt.timedelta(days=7)
            if closed > self.now:
                return
            order.auto_closed = True
            step("auto_close", State.CLOSED, closed, None, "7天内未评价，自动结单。")
        else:
            order.rating = _weighted(rng, [(5, 70), (4, 18), (3, 7), (2, 3), (1, 2)])
            order.rating_comment = rng.choice(COMMENTS[order.rating])
            order.rated_at = closed = rated
            step("close", State.CLOSED, closed, order.requester, order.rating_comment,
                 {"rating": order.rating})  # fmt: skip
        order.closed_at = closed
        order.reopen_until = closed + dt.timedelta(days=15)
        if order.public:
            order.published_at = closed
            step("publish", State.PUBLISHED, closed)

    def maybe_escalate(self, order: Order, limit: str):
        flag = getattr(order, f"{limit}_overdue")
        if flag:
            order.escalation_level = 1
            due = getattr(order, f"{limit}_due")
            self.notes.append((len(self.orders) - 1, {"level": 1, "at": due, "limit": limit}))

    def whistle(self, order: Order, at: dt.datetime):
        rng = self.rng
        department = rng.choice(self.departments)
        kind = _weighted(rng, [("public_demand", 50), ("enforcement", 35), ("emergency", 15)])
        ack_due = sla.ack_due(department, kind, at)
        limit = (ack_due - at).total_seconds()
        acknowledged = at + dt.timedelta(seconds=limit * rng.uniform(0.1, 1.2))
        data = {
            "department": department,
            "kind": kind,
            "reason": "需要职能部门到场执法处置。",
            "at": at,
            "ack_due": ack_due,
        }
        if acknowledged < self.now:
            data.update(
                status=Whistle.Status.FINISHED,
                acknowledged_at=acknowledged,
                ack_overdue=acknowledged > ack_due,
                result=f"{department.name}到场处置完毕。",
                finished_at=acknowledged + dt.timedelta(hours=rng.uniform(1, 48)),
                rating=_weighted(rng, [(5, 60), (4, 30), (3, 10)]),
            )
            if data["finished_at"] > self.now:
                data.update(status=Whistle.Status.ACKNOWLEDGED, finished_at=None, rating=None,
                            result="")  # fmt: skip
        else:
            data["ack_overdue"] = self.now > ack_due
        self.whistles.append((len(self.orders) - 1, data))

    def save(self):
        sequences: dict[str, int] = defaultdict(int)
        for order in sorted(self.orders, key=lambda o: o.submitted_at):
            day = timezone.localtime(order.submitted_at).strftime("%Y%m%d")
            sequences[day] += 1
            order.number = f"GD{day}{sequences[day]:04d}"
        Order.objects.bulk_create(self.orders, batch_size=500)
        history = []
        for order, steps in zip(self.orders, self.steps, strict=True):
            for name, before, after, at, actor, note, data in steps:
                history.append(
                    OrderEvent(
                        order=order, code=order.code, at=at, actor=actor,
                        actor_name=str(actor)[:150] if actor else "", transition=name,
                        from_state=before, to_state=after, note=note, data=data,
                    )
                )  # fmt: skip
        notes = []
        for index, note in self.notes:
            order = self.orders[index]
            text = f"超时督办：{note['limit']} 时限已过，升级至第 1 级。"
            notes.append(SupervisorNote(order=order, code=order.code, text=text, level=1,
                                        automatic=True, at=note["at"]))  # fmt: skip
            history.append(OrderEvent(order=order, code=order.code, at=note["at"],
                                      transition="escalate", from_state=order.state,
                                      to_state=order.state, note=text, data={"level": 1}))  # fmt: skip
        whistles = []
        for index, data in self.whistles:
            order = self.orders[index]
            whistles.append(Whistle(order=order, code=order.code, **data))
            history.append(OrderEvent(order=order, code=order.code, at=data["at"],
                                      transition="whistle", from_state=State.CLAIMED,
                                      to_state=State.CLAIMED, note=data["reason"],
                                      data={"department": data["department"].name,
                                            "kind": data["kind"]}))  # fmt: skip
        OrderEvent.objects.bulk_create(history, batch_size=1000)
        SupervisorNote.objects.bulk_create(notes, batch_size=500)
        Whistle.objects.bulk_create(whistles, batch_size=500)


def build_orders_demo(seed: int = 1) -> list[tuple[DemoLogin, str]]:
    """The demo extension: the department login now, the orders once the street and every
    pillar's part are committed — they are claimed by the party's members, whose app is set up
    after this engine's. (Inside a surrounding transaction, as in tests, call `fill_orders`.)"""
    password = make_password(settings.SIXFOLD_DEMO_PASSWORD)
    logins = [_department_login(password)]
    events.record(
        AuditEvent.Verb.IMPORT,
        obj=Region.objects.get(code=STREET_CODE),
        object_repr="工单演示数据",
        purpose=f"seed_demo --seed {seed}",
        after={"seed": seed, "days": DAYS},
    )
    transaction.on_commit(lambda: fill_orders(seed, password))
    return logins


def fill_orders(seed: int = 1, password: str | None = None) -> "OrdersBuilder":
    """Write the year of orders (and the member logins that claim them)."""
    password = password or make_password(settings.SIXFOLD_DEMO_PASSWORD)
    with transaction.atomic():
        builder = OrdersBuilder(seed)
        builder.read(_claimers(password))
        builder.build()
        builder.save()
    return builder
