"""The demo street's service network (S12), venues (S15, S21) and e-page notices (S13), added by
`seed_demo` after the street.

The street has its service centre, every community and village a service station, nearly every
grid a service point, most buildings a liaison point and some stairwells a liaison. Gaps are left
on purpose — a few grids, about one building in eight and most stairwells have none — so the
coverage audit has something to find. Every community has two to four venues, a 红立方 among
them, and a few notices (one pinned, one expired, one still a draft).

The same seed gives the same network (its own `random.Random`). Rows are written in bulk and
recorded as one `import` event on the street.
"""

import datetime as dt
import random

from django.utils import timezone

from sixfold.core import events
from sixfold.core.demo import GIVEN_NAME_LISTS, REFERENCE_DATE, STREET_CODE, STREET_NAME
from sixfold.core.demo import SURNAME_DRAW as SURNAMES
from sixfold.core.models import AuditEvent, Level, Region

from .actions import default_point_name_for
from .models import KIND_BY_LEVEL, Notice, ServicePoint, ServiceStaff, ServiceType, Venue

BATCH = 2000
GRID_SHARE, BUILDING_SHARE, UNIT_SHARE = 0.95, 0.88, 0.3
OFFICE_HOURS = "周一至周五 8:30–12:00，13:30–17:30"

# (role, how many) of the staff at each level
STAFF = {
    Level.STREET: (("主任", 1), ("副主任", 1), ("窗口工作人员", 2)),
    Level.COMMUNITY: (("站长", 1), ("社工", 2)),
    Level.VILLAGE: (("站长", 1), ("村务工作者", 1)),
    Level.GRID: (("网格长", 1), ("专职网格员", 1)),
    Level.BUILDING: (("楼栋长", 1),),
    Level.UNIT: (("单元联络员", 1),),
}
# (kind, name suffix, service type keys); every community has the first, and one to three more.
VENUES = [
    (Venue.Kind.RED_CUBE, "红立方", None),
    (Venue.Kind.RED_WORKSHOP, "红工坊", ("party_service", "culture")),
    (Venue.Kind.ELDERLY_CARE, "日间照料中心", ("home_elderly_care", "health")),
    (Venue.Kind.OTHER, "红色物业服务站", ("red_property",)),
    (Venue.Kind.OTHER, "社区卫生服务站", ("health", "home_elderly_care")),
    (Venue.Kind.PARTY_SERVICE_CENTRE, "党群服务中心", ("party_service", "finance")),
]
NOTICES = [
    (
        "关于开展秋冬季消防安全检查的通知",
        "各位居民：近期天气干燥，社区将于本周六上午对各楼栋楼道进行消防安全检查，请及时清理楼道堆放"
        "的杂物，电动自行车请勿在楼道内充电。如有疑问请联系社区服务站。",
    ),
    (
        "红立方健康义诊活动预告",
        "本周四上午9:00–11:30，社区卫生服务站医生在红立方为60岁以上老人免费测量血压、血糖，"
        "请携带医保卡。行动不便的老人可联系楼栋长预约上门服务。",
    ),
    (
        "城乡居民医保缴费提醒",
        "2027年度城乡居民基本医疗保险集中缴费已开始，可通过手机银行或到社区服务站办理。"
        "低保、特困人员由民政部门代缴，请勿重复缴费。",
    ),
    (
        "小区停水通知",
        "因供水管网维修，小区将于明日8:00–14:00停水，请提前做好储水准备。给您带来的不便敬请谅解。",
    ),
    (
        "四点半课堂招募志愿者",
        "社区四点半课堂招募辅导作业的志愿者，每周一至周五16:30–18:00，欢迎在职党员和退休教师报名。",
    ),
]


class Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(f"services-{seed}")
        self.staff_count = 0

    def name(self) -> str:
        gender = "F" if self.rng.random() < 0.6 else "M"
        return SURNAMES.draw(self.rng) + self.rng.choice(GIVEN_NAME_LISTS[(1979, gender)])

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def landline(self) -> str:
        return f"0531-7{self.rng.randrange(10**6):06d}"

    def covered(self, level: str) -> bool:
        share = {Level.GRID: GRID_SHARE, Level.BUILDING: BUILDING_SHARE, Level.UNIT: UNIT_SHARE}
        return self.rng.random() < share.get(level, 1.0)

    def point_for(self, pk, code, name, level, address, parent_name) -> ServicePoint:
        kind = KIND_BY_LEVEL[level]
        if level in (Level.BUILDING, Level.UNIT):
            label = f"{parent_name}{name}" if level == Level.UNIT else name
            title = default_point_name_for(label, kind)
            hours, phone = "随时联系", ""
        else:
            title = default_point_name_for(name, kind)
            hours, phone = OFFICE_HOURS, self.landline()
        return ServicePoint(
            region_id=pk,
            code=code,
            level=level,
            kind=kind,
            name=title[:100],
            address=(address or "")[:200],
            opening_hours=hours,
            service_phone=phone,
        )

    def staff_for(self, point: ServicePoint) -> list[ServiceStaff]:
        rows = []
        for role, count in STAFF[point.level]:
            for _n in range(count):
                member = ServiceStaff(
                    point_id=point.pk, code=point.code, name=self.name(), role=role
                )
                member.set_phone(self.phone())
                rows.append(member)
        return rows


def build_services_demo(seed: int = 1) -> list:
    """Fill the demo street's service network; it adds no logins."""
    builder = Builder(seed)
    street = Region.objects.get(code=STREET_CODE)
    levels = (Level.STREET, Level.COMMUNITY, Level.VILLAGE, Level.GRID, Level.BUILDING, Level.UNIT)
    nodes = list(
        Region.objects.within(STREET_CODE)
        .filter(level__in=levels)
        .order_by("code")
        .values_list("pk", "code", "name", "level", "address", "parent__name")
    )
    points = [builder.point_for(*node) for node in nodes if builder.covered(node[3])]
    points = ServicePoint.objects.bulk_create(points, batch_size=BATCH)
    staff = [member for point in points for member in builder.staff_for(point)]
    ServiceStaff.objects.bulk_create(staff, batch_size=BATCH)

    types = {t.slug: t for t in ServiceType.objects.all()}
    communities = [n for n in nodes if n[3] in (Level.COMMUNITY, Level.VILLAGE)]
    venues, offered = [], []
    for pk, code, name, _level, address, _parent in communities:
        extra = builder.rng.sample(VENUES[1:], builder.rng.randint(1, 3))
        for kind, suffix, keys in [VENUES[0], *extra]:
            venue = Venue(
                region_id=pk,
                code=code,
                kind=kind,
                name=f"{name}{suffix}",
                address=f"{address or STREET_NAME}{name}党群服务中心",
                opening_hours=OFFICE_HOURS,
                service_phone=builder.landline(),
                description=f"{name}{suffix}，为辖区居民提供就近服务。",
            )
            venues.append(venue)
            offered.append(list(types) if keys is None else [k for k in keys if k in types])
    venues = Venue.objects.bulk_create(venues, batch_size=BATCH)
    through = Venue.service_types.through
    through.objects.bulk_create(
        [
            through(venue_id=venue.pk, servicetype_id=types[key].pk)
            for venue, keys in zip(venues, offered, strict=True)
            for key in keys
        ],
        batch_size=BATCH,
    )

    now = timezone.now()
    reference = timezone.make_aware(dt.datetime.combine(REFERENCE_DATE, dt.time(9)))
    base = min(now, reference + dt.timedelta(days=330))
    notices = []
    for index, (pk, code, _name, _level, _address, _parent) in enumerate(communities):
        chosen = builder.rng.sample(NOTICES, 3)
        for number, (title, body) in enumerate(chosen):
            published_at = base - dt.timedelta(days=builder.rng.randint(0, 20), hours=number)
            published = number != 2 or index % 3 != 0
            notices.append(
                Notice(
                    region_id=pk,
                    code=code,
                    title=title,
                    body=body,
                    published=published,
                    published_at=published_at if published else None,
                    pinned=number == 0,
                    # One notice in four has a date; some of those have passed already.
                    expires_on=(
                        (now + dt.timedelta(days=builder.rng.randint(-10, 30))).date()
                        if builder.rng.random() < 0.25
                        else None
                    ),
                )
            )
    grids = [n for n in nodes if n[3] == Level.GRID]
    for pk, code, _name, _level, _address, _parent in grids[:: max(len(grids) // 10, 1)]:
        title, body = NOTICES[3]
        notices.append(
            Notice(
                region_id=pk,
                code=code,
                title=title,
                body=body,
                published=True,
                published_at=base - dt.timedelta(days=1),
            )
        )
    Notice.objects.bulk_create(notices, batch_size=BATCH)

    events.record(
        AuditEvent.Verb.IMPORT,
        obj=street,
        object_repr=f"{STREET_NAME}服务网络（演示数据）",
        purpose=f"seed_demo --seed {seed}",
        after={
            "service_points": len(points),
            "staff": len(staff),
            "venues": len(venues),
            "notices": len(notices),
        },
    )
    return []
