"""Dual reporting in the demo street (S22), added by `seed_demo` after the party organisation.

Most in-service members (about nine in ten) have reported to the community they live in; each
community has a few units' party organisations reported, posts in every category, and a year of
service up to the day the demo is built: members who claimed posts serve one to three times a
month, a few not at all (so the "no service" list has names), recent hours wait for
confirmation, a handful were rejected or withdrawn (with their ledger reversal). Confirmed hours
have their points-ledger entries, written here directly with the key scheme of
`actions.ledger_key`, as `actions.confirm_record` would have written them one by one.

The same seed gives the same records relative to the day of building (the draws come from their
own `random.Random`); rows are written in bulk and recorded as one `import` event.
"""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from sixfold.core import events, pii
from sixfold.core.demo import (
    GIVEN_NAME_LISTS,
    STREET_CODE,
    SURNAME_DRAW,
    WORK_UNITS,
    DemoLogin,
    insert_rows,
    scope_label,
)
from sixfold.core.models import AuditEvent, Region
from sixfold.party.actions import MEMBER_ROLE
from sixfold.party.demo import _demo_user
from sixfold.party.models import PartyMember
from sixfold.points.models import LedgerEntry, Source

from .actions import COMMUNITY_LEVELS, LEDGER_KIND, ledger_key, points_for
from .models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServiceCategory,
    ServicePost,
    ServiceRecord,
    UnitRegistration,
    quarter_bounds,
    quarter_of,
)

BATCH = 2000
DEMO_TODAY = dt.date(2026, 11, 20)
REGISTERED_SHARE = 0.88
IDLE_SHARE = 0.12
DEMO_LOGIN = "inservice_01"
SUBJECT_TYPE = PartyMember._meta.label_lower

# Posts of each category: (title, place, schedule, what a member writes after serving).
POSTS = {
    "organisation": [
        ("党员活动室值班", "社区党群服务中心", "每周六上午", "值班接待、整理党建资料"),
        ("主题党日协助", "社区党群服务中心", "每月第一个周六", "协助组织主题党日"),
    ],
    "legal_aid": [
        ("法律咨询服务岗", "社区服务站", "每月第二个周日上午", "解答居民法律咨询"),
        ("矛盾纠纷调解", "社区调解室", "按需", "参与邻里纠纷调解"),
    ],
    "assistance": [
        ("困难家庭结对帮扶", "结对家庭", "每月走访一次", "走访结对困难家庭"),
        ("就业信息服务", "社区服务站", "每周三晚上", "为待业居民推介岗位"),
    ],
    "governance": [
        ("楼道文明劝导", "各楼栋", "每周六上午", "劝导楼道堆物、整治环境"),
        ("居民议事协助", "社区议事厅", "议事日", "协助记录居民议事"),
    ],
    "health": [
        ("义诊志愿岗", "社区卫生服务站", "每月最后一个周六", "为老人测量血压、义诊"),
        ("健康知识宣讲", "社区活动室", "每季度一次", "宣讲慢病防治知识"),
    ],
    "culture_sports": [
        ("四点半课堂辅导", "四点半学校", "工作日 16:30–18:00", "辅导学生作业"),
        ("文体活动组织", "社区广场", "节假日", "组织居民文体活动"),
    ],
    "safety_patrol": [
        ("治安巡逻", "辖区各小区", "每周五晚上", "参与夜间治安巡逻"),
        ("防诈骗宣传", "社区广场", "每月一次", "发放防诈骗宣传资料"),
    ],
    "other": [
        ("社区环境清洁", "小区公共区域", "每月一次", "清理小区卫生死角"),
    ],
}
GRADES = ["excellent"] * 3 + ["good"] * 5 + ["fair"] * 2
COMMENTS = {
    "excellent": "积极认领岗位，服务时间足，居民评价好。",
    "good": "能按时参加社区服务，表现良好。",
    "fair": "参加服务次数偏少，希望下季度积极参与。",
}


def last_keys(model, count: int) -> list[int]:
    """The keys of the last `count` rows inserted into `model`, in insertion order (the demo
    writes alone, in one transaction, and both databases number rows in insertion order)."""
    if not count:
        return []
    keys = list(model.objects.order_by("-pk").values_list("pk", flat=True)[:count])
    keys.reverse()
    return keys


def _fake_phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "186", "135")) + f"{rng.randrange(10**8):08d}"


def _fake_name(rng: random.Random) -> str:
    gender = rng.choice(("M", "F"))
    return SURNAME_DRAW.draw(rng) + rng.choice(GIVEN_NAME_LISTS[(1979, gender)])


class DualReportBuilder:
    def __init__(self, seed: int):
        self.rng = random.Random(f"dualreport-{seed}")
        # A fixed "today", like the points demo's year; earlier only when the clock is.
        self.today = min(DEMO_TODAY, timezone.localdate())
        self.start = self.today - dt.timedelta(days=365)
        self.categories = {c.slug: c for c in ServiceCategory.objects.filter(active=True)}
        self.communities = list(
            Region.objects.within(STREET_CODE)
            .filter(level__in=COMMUNITY_LEVELS)
            .order_by("code")
            .values_list("pk", "code", "name")
        )
        self.members = list(
            PartyMember.objects.within(STREET_CODE)
            .filter(in_service=True, status=PartyMember.Status.ACTIVE)
            .select_related("resident")
            .order_by("code", "id")
        )

    def build_units(self) -> dict[int, list[UnitRegistration]]:
        rng, units = self.rng, defaultdict(list)
        rows = []
        for pk, code, _name in self.communities:
            for employer in rng.sample(WORK_UNITS, rng.randint(2, 4)):
                unit = UnitRegistration(
                    community_id=pk,
                    code=code,
                    name=f"{employer}党委",
                    unit=employer,
                    contact_name=_fake_name(rng),
                    registered_on=self.start + dt.timedelta(days=rng.randint(0, 60)),
                )
                phone = _fake_phone(rng)
                unit.phone_enc = pii.encrypt(phone)
                unit.phone_hash = pii.lookup_hash(phone)
                unit.phone_masked = pii.mask_phone(phone)
                rows.append(unit)
                units[pk].append(unit)
        UnitRegistration.objects.bulk_create(rows, batch_size=BATCH)
        return units

    def build_registrations(self, units) -> list[MemberRegistration]:
        rng = self.rng
        community_ids = {code: pk for pk, code, _name in self.communities}
        registrations = []
        for member in self.members:
            home = member.resident.code if member.resident_id else member.code
            community_id = community_ids.get(home[:12])
            if community_id is None or rng.random() >= REGISTERED_SHARE:
                continue
            employer = member.employer or rng.choice(WORK_UNITS)
            unit = next((u for u in units[community_id] if u.unit == employer), None)
            registration = MemberRegistration(
                member=member,
                community_id=community_id,
                code=home,  # her household (or her organisation, for one outside the register)
                employer=employer,
                employer_party_org=f"{employer}党委",
                unit=unit,
                skills=rng.choice(("", "法律", "医护", "财会", "教育", "电工", "摄影", "驾驶")),
                registered_on=self.start + dt.timedelta(days=rng.randint(0, 120)),
            )
            registration.demo_categories = rng.sample(
                list(self.categories.values()), rng.randint(1, 3)
            )
            registrations.append(registration)
        MemberRegistration.objects.bulk_create(registrations, batch_size=BATCH)
        through = MemberRegistration.categories.through
        insert_rows(
            through,
            [
                through(memberregistration=r, servicecategory=c)
                for r in registrations
                for c in r.demo_categories
            ],
        )
        return registrations

    def build_posts(self) -> dict[int, list[ServicePost]]:
        rng, posts = self.rng, defaultdict(list)
        rows = []
        for pk, code, _name in self.communities:
            for slug, choices in POSTS.items():
                category = self.categories.get(slug)
                if category is None:
                    continue
                for title, place, schedule, _done in rng.sample(
                    choices, rng.randint(1, len(choices))
                ):
                    post = ServicePost(
                        community_id=pk,
                        code=code,
                        category=category,
                        title=title,
                        description=f"{title}：{place}，{schedule}。",
                        place=place,
                        schedule=schedule,
                        starts_on=self.start,
                        capacity=rng.randint(3, 10),
                    )
                    post.demo_done = _done
                    rows.append(post)
                    posts[pk].append(post)
        # One closed post, so the list shows what that looks like.
        if rows:
            rows[-1].status = ServicePost.PostStatus.CLOSED
        ServicePost.objects.bulk_create(rows, batch_size=BATCH)
        return posts

    def build_claims(self, registrations, posts) -> dict[int, list[ServicePost]]:
        rng = self.rng
        taken: dict[int, int] = defaultdict(int)
        held: dict[int, list[ServicePost]] = defaultdict(list)
        claims = []
        for registration in registrations:
            options = [
                p
                for p in posts[registration.community_id]
                if p.status == ServicePost.PostStatus.OPEN and taken[p.pk] < p.capacity
            ]
            preferred = {c.pk for c in registration.demo_categories}
            options.sort(key=lambda p: (p.category_id not in preferred, rng.random()))
            for post in options[: rng.choice((1, 1, 2))]:
                taken[post.pk] += 1
                held[registration.pk].append(post)
                claims.append(
                    PostClaim(
                        post=post,
                        registration=registration,
                        code=registration.code,
                        claimed_on=registration.registered_on
                        + dt.timedelta(days=rng.randint(0, 14)),
                    )
                )
        insert_rows(PostClaim, claims)
        return held

    def build_records(self, registrations, held) -> tuple[list, list]:
        rng, today = self.rng, self.today
        records = []
        # The first community's last member never served, so its secretary's list has a name.
        first = [r for r in registrations if r.community_id == self.communities[0][0]]
        idle = first[-1].pk if first else None
        for registration in registrations:
            posts = held.get(registration.pk)
            if not posts or rng.random() < IDLE_SHARE or registration.pk == idle:
                continue
            per_month = rng.choice((1, 1, 1, 2, 2))
            day = registration.registered_on + dt.timedelta(days=rng.randint(3, 20))
            while day <= today:
                post = rng.choice(posts)
                hours = Decimal(rng.choice((1, 1.5, 2, 2, 2.5, 3, 4))).quantize(Decimal("0.1"))
                age = (today - day).days
                if age <= 14 and rng.random() < 0.6:
                    status = ServiceRecord.RecordStatus.PENDING
                elif rng.random() < 0.02:
                    status = ServiceRecord.RecordStatus.REJECTED
                elif rng.random() < 0.01:
                    status = ServiceRecord.RecordStatus.WITHDRAWN
                else:
                    status = ServiceRecord.RecordStatus.CONFIRMED
                record = ServiceRecord(
                    registration=registration,
                    post=post,
                    code=registration.code,
                    served_on=day,
                    hours=hours,
                    description=post.demo_done,
                    status=status,
                    points=points_for(hours)
                    if status
                    in (ServiceRecord.RecordStatus.CONFIRMED, ServiceRecord.RecordStatus.WITHDRAWN)
                    else Decimal("0"),
                )
                if status == ServiceRecord.RecordStatus.REJECTED:
                    record.reason = "当日未在岗，时长不予确认"
                elif status == ServiceRecord.RecordStatus.WITHDRAWN:
                    record.reason = "重复登记"
                if status != ServiceRecord.RecordStatus.PENDING:
                    record.decided_at = timezone.make_aware(
                        dt.datetime.combine(min(day + dt.timedelta(days=2), today), dt.time(10))
                    )
                records.append(record)
                day += dt.timedelta(days=max(1, int(rng.gauss(30 / per_month, 4))))
        insert_rows(ServiceRecord, records)
        # Their keys, in the order they were inserted (the ledger entries name them).
        for record, pk in zip(records, last_keys(ServiceRecord, len(records)), strict=True):
            record.pk = record.id = pk
        return records

    def build_ledger(self, records) -> int:
        entries, reversals = [], []
        for record in records:
            if (
                record.status
                not in (
                    ServiceRecord.RecordStatus.CONFIRMED,
                    ServiceRecord.RecordStatus.WITHDRAWN,
                )
                or not record.points
            ):
                continue
            member = record.registration.member
            entry = LedgerEntry(
                code=member.code,
                subject_type=SUBJECT_TYPE,
                subject_id=member.pk,
                subject_name=member.display_name[:100],
                source=Source.DUAL_REPORT,
                kind=LEDGER_KIND,
                points=record.points,
                occurred_on=record.served_on,
                reason=f"双报到服务 {record.hours} 小时",
                ref=f"dualreport.servicerecord:{record.pk}",
                ref_url=f"/party/dual-report/records/{record.pk}/",
                key=ledger_key(record.pk),
            )
            entries.append(entry)
            if record.status == ServiceRecord.RecordStatus.WITHDRAWN:
                reversals.append((entry, record))
        insert_rows(LedgerEntry, entries)
        for entry, pk in zip(entries, last_keys(LedgerEntry, len(entries)), strict=True):
            entry.pk = entry.id = pk
        insert_rows(
            LedgerEntry,
            [
                LedgerEntry(
                    code=entry.code,
                    subject_type=entry.subject_type,
                    subject_id=entry.subject_id,
                    subject_name=entry.subject_name,
                    source=entry.source,
                    kind=entry.kind,
                    points=-entry.points,
                    occurred_on=entry.occurred_on,
                    reason=record.reason,
                    ref=entry.ref,
                    ref_url=entry.ref_url,
                    key=f"{entry.key}:reversal",
                    reverses=entry,
                )
                for entry, record in reversals
            ],
        )
        return len(entries) + len(reversals)

    def build_assessments(self, registrations) -> int:
        """The last complete quarter is assessed for most members."""
        year, quarter = quarter_of(self.today)
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        end = quarter_bounds(year, quarter)[1]
        rows = []
        for registration in registrations:
            if registration.registered_on > end or self.rng.random() < 0.25:
                continue
            grade = self.rng.choice(GRADES)
            rows.append(
                QuarterlyAssessment(
                    registration=registration,
                    code=registration.code,
                    year=year,
                    quarter=quarter,
                    grade=grade,
                    comment=COMMENTS[grade],
                )
            )
        insert_rows(QuarterlyAssessment, rows)
        return len(rows)


def build_dualreport_demo(seed: int = 1) -> list[tuple[DemoLogin, str]]:
    """Fill the demo street's dual reporting; return its demo login."""
    builder = DualReportBuilder(seed)
    units = builder.build_units()
    registrations = builder.build_registrations(units)
    posts = builder.build_posts()
    held = builder.build_claims(registrations, posts)
    records = builder.build_records(registrations, held)
    entries = builder.build_ledger(records)
    assessments = builder.build_assessments(registrations)

    logins = []
    # A login for a reported member of the first community who serves, so the member's pages
    # (claim posts, log hours, letters) have content.
    first = builder.communities[0][0] if builder.communities else None
    serving = {record.registration_id for record in records}
    candidate = next(
        (
            r
            for r in registrations
            if r.community_id == first and r.pk in serving and r.member.user_id is None
        ),
        None,
    )
    if candidate is not None:
        community = Region.objects.get(pk=first)
        password = make_password(settings.SIXFOLD_DEMO_PASSWORD)
        name = candidate.member.display_name
        user = _demo_user(DEMO_LOGIN, name, MEMBER_ROLE, community, password)
        PartyMember.objects.filter(pk=candidate.member.pk).update(user=user)
        logins.append(
            (DemoLogin(DEMO_LOGIN, name, MEMBER_ROLE, "community 1"), scope_label(community))
        )

    events.record(
        AuditEvent.Verb.IMPORT,
        obj=Region.objects.get(code=STREET_CODE),
        object_repr="双报到（演示数据）",
        purpose=f"seed_demo --seed {seed}",
        after={
            "units": sum(len(v) for v in units.values()),
            "registrations": len(registrations),
            "posts": sum(len(v) for v in posts.values()),
            "claims": sum(len(v) for v in held.values()),
            "records": len(records),
            "ledger_entries": entries,
            "assessments": assessments,
        },
    )
    return logins
