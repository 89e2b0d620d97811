"""The demo street's party organisation (S1, S2, S26), added by `seed_demo` after the street.

About one adult in twenty is a member (older people more often than young ones), organised in
their grid's branch and their building's party group; each community has a committee, general
branch or branch by its number of members. The chain follows the seed's five levels: the
community secretary answers for the community, the branch secretary for the grid, the branch's
committee members for its buildings, group leaders for the stairwells, and members for the
households around them (about ten each). A few gaps are left on purpose — a grid without a
branch, buildings and stairwells nobody answers for, grids missing a required post, members
with too many households — so the audit has something to find.

The same seed gives the same organisation (its own `random.Random`, dates from the street's fixed
reference date). Rows are written in bulk, recorded as one `import` event on the street.
"""

import datetime as dt
import random
from collections import defaultdict
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connections, router
from django.utils import timezone

from sixfold.core import events
from sixfold.core.demo import (
    GIVEN_NAME_LISTS,
    REFERENCE_DATE,
    STREET_CODE,
    STREET_NAME,
    SURNAME_DRAW,
    WORK_UNITS,
    DemoLogin,
    scope_label,
)
from sixfold.core.models import AuditEvent, Level, Region, Resident

from .actions import MEMBER_ROLE, org_name, split_evenly
from .models import (
    ChainLevel,
    GridPost,
    GridPostKind,
    OrgKind,
    PartyMember,
    PartyOrganization,
    PartyPost,
    ResponsibilityLink,
)

# Share of adults who are members, by age (older generations joined more often).
MEMBER_SHARE = ((30, 0.025), (45, 0.04), (60, 0.055), (75, 0.075), (200, 0.09))
COMMITTEE_MEMBERS, GENERAL_BRANCH_MEMBERS = 100, 50
HOUSEHOLDS_PER_MEMBER = 10
BATCH = 2000

SECRETARY_LOGIN, MEMBER_LOGIN, BRANCH_LOGIN = "secretary_01", "member_01", "branch_01_01"


class Node(NamedTuple):
    """A region node as the builder needs it (tens of thousands: no model instances)."""

    pk: int
    code: str
    name: str
    level: str
    parent_id: int | None
    address: str


def insert_links(links: list) -> None:
    """Write `[region id, code, level, member]` links in one go (COPY on PostgreSQL): tens of
    thousands of rows, which the ORM's bulk insert spent most of the demo's time compiling."""
    model = ResponsibilityLink
    connection = connections[router.db_for_write(model)]
    stamp = model._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(model._meta.get_field(name).column)
        for name in ("created_at", "updated_at", "region", "code", "level", "member")
    )
    rows = [(stamp, stamp, region, code, level, member.pk) for region, code, level, member in links]
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * 6)
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _age(born: dt.date) -> int:
    today = REFERENCE_DATE
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class PartyBuilder:
    """Reads the built street once, decides everything in memory, writes in bulk."""

    def __init__(self, seed: int, street_code: str = STREET_CODE):
        self.rng = random.Random(f"party-{seed}")
        self.street = Region.objects.get(code=street_code)
        self.orgs: dict[str, PartyOrganization] = {}
        self.members: list[PartyMember] = []
        self.posts: list[PartyPost] = []
        self.links: list[list] = []  # [region id, code, level, member]
        self.load: dict[int, int] = defaultdict(int)  # id(member) → households
        self.contacted: dict[int, list] = defaultdict(list)  # id(member) → household links

    # --- reading the street -----------------------------------------------------------------------
    def read(self) -> None:
        nodes = Region.objects.within(self.street.code).order_by("code")
        by_level = defaultdict(list)
        self.names: dict[int, str] = {}
        for row in nodes.values_list("pk", "code", "name", "level", "parent_id", "address"):
            node = Node(*row)
            by_level[node.level].append(node)
            self.names[node.pk] = node.name
        self.communities = by_level[Level.COMMUNITY] + by_level[Level.VILLAGE]
        self.communities.sort(key=lambda r: r.code)
        self.grids = by_level[Level.GRID]
        self.buildings = by_level[Level.BUILDING]
        self.units = by_level[Level.UNIT]
        self.households = by_level[Level.HOUSEHOLD]
        self.residents = list(
            Resident.objects.within(self.street.code)
            .living()
            .order_by("code", "id")
            .values_list("pk", "code", "name", "gender", "birth_date", "tags")
        )

    def fake_name(self, gender: str, born_by: int = 1979) -> str:
        return SURNAME_DRAW.draw(self.rng) + self.rng.choice(GIVEN_NAME_LISTS[(born_by, gender)])

    # --- who is a member --------------------------------------------------------------------------
    def choose_members(self) -> None:
        rng = self.rng
        self.by_grid: dict[str, list[PartyMember]] = defaultdict(list)
        self.by_building: dict[str, list[PartyMember]] = defaultdict(list)
        self.by_community: dict[str, list[PartyMember]] = defaultdict(list)
        self.veterans: dict[str, list[int]] = defaultdict(list)
        self.adults: dict[str, list[tuple]] = defaultdict(list)
        for pk, code, name, gender, born, tags in self.residents:
            age = _age(born)
            if age < 18:
                continue
            self.adults[code[:16]].append((pk, name, gender, age))
            if ",veteran," in tags:
                self.veterans[code[:16]].append(pk)
            share = next(share for limit, share in MEMBER_SHARE if age < limit)
            if rng.random() >= share:
                continue
            join_age = rng.randint(19, min(age, 45)) if age > 19 else 18
            joined = _years_after(born, join_age) + dt.timedelta(days=rng.randint(0, 300))
            joined = min(joined, REFERENCE_DATE - dt.timedelta(days=30))
            probationary = (REFERENCE_DATE - joined).days < 365
            in_service = age < 60 and rng.random() < 0.3
            member = PartyMember(
                resident_id=pk,
                standing=PartyMember.Standing.PROBATIONARY
                if probationary
                else PartyMember.Standing.FULL,
                joined_on=joined,
                full_on=None if probationary else _years_after(joined, 1),
                in_service=in_service,
                employer=rng.choice(WORK_UNITS) if in_service else "",
                elderly=(REFERENCE_DATE - joined).days >= 50 * 365,
                in_difficulty=rng.random() < (0.15 if ",low_income," in tags else 0.02),
                mobile=age < 50 and rng.random() < 0.03,
            )
            member.demo_code, member.demo_age, member.demo_name = code, age, name
            self.members.append(member)
            self.by_grid[code[:16]].append(member)
            self.by_building[code[:21]].append(member)
            self.by_community[code[:12]].append(member)

    # --- organisations (S1) -------------------------------------------------------------------
    def new_org(self, region: Node, kind: str) -> PartyOrganization:
        parent = self.names.get(region.parent_id, "")
        org = PartyOrganization(
            region_id=region.pk,
            code=region.code,
            level=region.level,
            kind=kind,
            name=org_name(region.level, region.name, parent, kind),
            founded_on=dt.date(self.rng.randint(1995, 2015), self.rng.randint(1, 12), 1),
            term_start=dt.date(2023, 7, 1) if kind != OrgKind.BUILDING_GROUP else None,
            term_end=dt.date(2028, 6, 30) if kind != OrgKind.BUILDING_GROUP else None,
        )
        self.orgs[region.code] = org
        return org

    def build_orgs(self) -> None:
        street = self.street
        self.new_org(
            Node(street.pk, street.code, street.name, street.level, None, ""),
            OrgKind.WORKING_COMMITTEE,
        )
        for community in self.communities:
            count = len(self.by_community[community.code])
            kind = (
                OrgKind.COMMITTEE
                if count >= COMMITTEE_MEMBERS
                else OrgKind.GENERAL_BRANCH
                if count >= GENERAL_BRANCH_MEMBERS
                else OrgKind.BRANCH
            )
            self.new_org(community, kind)
        # Deliberate gap: the last grid of the second community has no branch of its own yet
        # (its members stay with the community's organisation).
        second = self.communities[min(1, len(self.communities) - 1)].code
        grids = [g for g in self.grids if g.code[:12] == second]
        self.grid_without_branch = grids[-1].code if len(grids) > 1 else None
        for grid in self.grids:
            if grid.code != self.grid_without_branch:
                self.new_org(grid, OrgKind.GRID_BRANCH)
        for index, building in enumerate(self.buildings):
            if not self.by_building.get(building.code):
                continue
            if index % 47 == 13:
                continue  # deliberate gap: a building with members but no group
            self.new_org(building, OrgKind.BUILDING_GROUP)
        PartyOrganization.objects.bulk_create(self.orgs.values(), batch_size=BATCH)
        for member in self.members:
            branch = self.orgs.get(member.demo_code[:16]) or self.orgs[member.demo_code[:12]]
            member.organization_id, member.code = branch.pk, branch.code
            group = self.orgs.get(member.demo_code[:21])
            member.group_id = group.pk if group and group.code.startswith(branch.code) else None

    # --- members outside the register -----------------------------------------------------------
    def external(self, org: PartyOrganization, name: str, gender: str, joined: dt.date):
        member = PartyMember(
            organization_id=org.pk,
            code=org.code,
            name=name,
            gender=gender,
            joined_on=joined,
            full_on=_years_after(joined, 1),
        )
        member.demo_code, member.demo_age, member.demo_name = org.code, 45, name
        self.members.append(member)
        return member

    def save_members(self) -> None:
        street_org = self.orgs[self.street.code]
        self.street_secretary = self.external(street_org, "王立新", "M", dt.date(1993, 7, 1))
        self.street_deputy = self.external(street_org, "刘文华", "F", dt.date(1998, 6, 1))
        first = self.communities[0]
        # The demo secretary of the first community lives outside the street's register.
        self.secretary_01 = self.external(self.orgs[first.code], "亓秀梅", "F", dt.date(2001, 7, 1))
        PartyMember.objects.bulk_create(self.members, batch_size=BATCH)

    # --- posts in the party ---------------------------------------------------------------------
    def post(self, org: PartyOrganization, member: PartyMember, post: str) -> None:
        self.posts.append(
            PartyPost(
                organization_id=org.pk,
                code=org.code,
                member_id=member.pk,
                post=post,
                since=org.term_start or dt.date(2023, 7, 1),
            )
        )

    def pick(self, candidates: list[PartyMember], count: int, taken: set) -> list[PartyMember]:
        """`count` members of working age first, none already chosen for this organisation."""
        pool = [m for m in candidates if id(m) not in taken and not m.mobile]
        pool.sort(key=lambda m: (not 30 <= m.demo_age <= 65, self.rng.random()))
        chosen = pool[:count]
        taken.update(id(m) for m in chosen)
        return chosen

    def build_posts(self) -> None:
        P = PartyPost.Post
        street_org = self.orgs[self.street.code]
        self.post(street_org, self.street_secretary, P.SECRETARY)
        self.post(street_org, self.street_deputy, P.DEPUTY_SECRETARY)
        self.community_secretary: dict[str, PartyMember] = {}
        self.community_committee: dict[str, list[PartyMember]] = {}
        self.branch_committee: dict[str, list[PartyMember]] = {}
        self.group_leader: dict[str, PartyMember] = {}
        for index, community in enumerate(self.communities):
            org = self.orgs[community.code]
            taken: set = set()
            if index == 0:
                chosen = [
                    self.secretary_01,
                    *self.pick(self.by_community[community.code], 4, taken),
                ]
            else:
                chosen = self.pick(self.by_community[community.code], 5, taken)
            if not chosen:
                continue
            for member, post in zip(
                chosen,
                (P.SECRETARY, P.DEPUTY_SECRETARY, *[P.COMMITTEE_MEMBER] * 3),
                strict=False,
            ):
                self.post(org, member, post)
            self.community_secretary[community.code] = chosen[0]
            self.community_committee[community.code] = chosen
        for grid in self.grids:
            org = self.orgs.get(grid.code)
            if org is None:
                continue
            chosen = self.pick(self.by_grid[grid.code], 3, set())
            for member, post in zip(chosen, (P.SECRETARY, *[P.COMMITTEE_MEMBER] * 2), strict=False):
                self.post(org, member, post)
            if chosen:
                self.branch_committee[grid.code] = chosen
        for code, org in self.orgs.items():
            if org.kind == OrgKind.BUILDING_GROUP:
                leader = self.pick(self.by_building[code], 1, set())
                if leader:
                    self.post(org, leader[0], P.GROUP_LEADER)
                    self.group_leader[code] = leader[0]
        PartyPost.objects.bulk_create(self.posts, batch_size=BATCH)

    # --- the five-level chain (S2) ------------------------------------------------------------
    def link(self, region: Node, level: str, member: PartyMember) -> None:
        self.links.append([region.pk, region.code, level, member])
        if level == ChainLevel.HOUSEHOLD:
            self.load[id(member)] += 1
            self.contacted[id(member)].append(self.links[-1])

    def build_chain(self) -> None:
        for community in self.communities:
            if community.code in self.community_secretary:
                self.link(community, ChainLevel.COMMUNITY, self.community_secretary[community.code])
        building_holder: dict[str, PartyMember] = {}
        buildings_by_grid = defaultdict(list)
        for building in self.buildings:
            buildings_by_grid[building.code[:16]].append(building)
        for grid in self.grids:
            committee = self.branch_committee.get(grid.code)
            if committee:
                self.link(grid, ChainLevel.GRID, committee[0])
            else:
                # Deliberate gap: a grid without a branch has no branch secretary; the
                # community's committee looks after its buildings meanwhile.
                committee = self.community_committee.get(grid.code[:12])
                if not committee:
                    continue
            runs = split_evenly(buildings_by_grid[grid.code], len(committee))
            for member, run in zip(committee, runs, strict=True):
                for building in run:
                    building_holder[building.code] = member
                    if self.rng.random() < 0.025:
                        continue  # deliberate gap: a building nobody answers for
                    self.link(building, ChainLevel.BUILDING, member)
        for index, unit in enumerate(self.units):
            if index % 89 == 41:
                continue  # deliberate gap: a stairwell nobody answers for
            holder = self.group_leader.get(unit.code[:21]) or building_holder.get(unit.code[:21])
            if holder is not None:
                self.link(unit, ChainLevel.UNIT, holder)
        self.build_household_links()

    def contacts(self, members: list[PartyMember]) -> list[PartyMember]:
        """Members who take households: not the very old, the mobile or those in difficulty."""
        return [m for m in members if m.demo_age < 80 and not m.mobile and not m.in_difficulty]

    def build_household_links(self) -> None:
        households_by_building = defaultdict(list)
        for household in self.households:
            households_by_building[household.code[:21]].append(household)
        skipped_units = {u.code for i, u in enumerate(self.units) if i % 71 == 17}
        leftovers_by_grid = defaultdict(list)
        for building in self.buildings:
            households = [
                h for h in households_by_building[building.code] if h.code[:25] not in skipped_units
            ]
            members = self.contacts(self.by_building.get(building.code, []))
            if not members:
                leftovers_by_grid[building.code[:16]].extend(households)
                continue
            capacity = len(members) * HOUSEHOLDS_PER_MEMBER
            taken, rest = households[:capacity], households[capacity:]
            for member, run in zip(members, split_evenly(taken, len(members)), strict=True):
                for household in run:
                    self.link(household, ChainLevel.HOUSEHOLD, member)
            leftovers_by_grid[building.code[:16]].extend(rest)
        for grid_code, households in leftovers_by_grid.items():
            members = self.contacts(self.by_grid.get(grid_code, []))
            if not members:
                continue
            # Households of buildings without members go, a few neighbours at a time, to the
            # grid's least-loaded members; where members are few some end up with too many
            # (the audit lists them).
            for start in range(0, len(households), HOUSEHOLDS_PER_MEMBER // 2):
                member = min(members, key=lambda m: (self.load[id(m)], m.demo_code))
                for household in households[start : start + HOUSEHOLDS_PER_MEMBER // 2]:
                    self.link(household, ChainLevel.HOUSEHOLD, member)
        self.overload_a_few()
        insert_links(self.links)

    def overload_a_few(self) -> None:
        """Deliberately: in every third grid one member took over a neighbour's households and
        now has more than the audit's threshold."""
        limit = settings.SIXFOLD_PARTY_HOUSEHOLDS_PER_MEMBER
        for index, grid in enumerate(self.grids):
            if index % 3 != 1:
                continue
            members = sorted(
                (m for m in self.by_grid.get(grid.code, []) if self.contacted[id(m)]),
                key=lambda m: (-self.load[id(m)], m.demo_code),
            )
            if len(members) < 2:
                continue
            busy, neighbour = members[0], members[1]
            while self.load[id(busy)] <= limit and self.contacted[id(neighbour)]:
                link = self.contacted[id(neighbour)].pop()
                link[3] = busy
                self.load[id(neighbour)] -= 1
                self.load[id(busy)] += 1

    # --- grid posts (S26) ---------------------------------------------------------------------
    def build_grid_posts(self, grid_leader_names: dict[str, str]) -> list[GridPost]:
        kinds = {kind.slug: kind for kind in GridPostKind.objects.filter(active=True)}
        posts = []
        for index, grid in enumerate(self.grids):
            adults = self.adults.get(grid.code, [])
            committee = (
                self.branch_committee.get(grid.code)
                or self.contacts(self.by_grid.get(grid.code, []))[:1]
            )

            def add(slug, grid=grid, **holder):
                if slug in kinds:
                    posts.append(
                        GridPost(
                            grid_id=grid.pk,
                            code=grid.code,
                            kind=kinds[slug],
                            since=dt.date(2024, 1, 1),
                            **holder,
                        )
                    )

            add("grid_leader", name=grid_leader_names.get(grid.code) or self.fake_name("M"))
            add("full_time_worker", name=self.fake_name("F", 1994))
            if committee:
                add("party_liaison", member_id=committee[-1].pk)
            working = [a for a in adults if 30 <= a[3] <= 60]
            picks = self.rng.sample(working, min(3, len(working)))
            for slug, person in zip(
                ("safety_officer", "environment_officer", "food_safety_officer"),
                picks,
                strict=False,
            ):
                if slug == "safety_officer" and index % 11 == 4:
                    continue  # deliberate gap: a grid still looking for its safety officer
                if slug == "food_safety_officer" and index % 3 == 1:
                    continue  # not required; many grids have none
                add(slug, resident_id=person[0])
            if self.veterans.get(grid.code):
                add("veterans_liaison", resident_id=self.veterans[grid.code][0])
        GridPost.objects.bulk_create(posts, batch_size=BATCH)
        return posts


def _demo_user(username: str, display_name: str, role: str, region: Region, password: str):
    from sixfold.accounts.actions import grant_role
    from sixfold.accounts.models import User

    user, _ = User.objects.update_or_create(
        username=username,
        defaults={"display_name": display_name, "password": password, "is_active": True},
    )
    grant_role(user, role, region)
    return user


def build_party(street_code: str, seed: int = 1) -> "PartyBuilder":
    """The party organisation of one street of generated data (the demo street, or each street of
    a generated city for measuring the audit at scale), without logins."""
    builder = PartyBuilder(seed, street_code)
    builder.read()
    builder.choose_members()
    builder.build_orgs()
    builder.save_members()
    builder.build_posts()
    builder.build_chain()
    return builder


def build_party_demo(seed: int = 1) -> list[tuple[DemoLogin, str]]:
    """Fill the demo street's party organisation; return the party's demo logins."""
    from sixfold.accounts.models import User

    builder = build_party(STREET_CODE, seed)

    first_grid = Region.objects.select_related("parent").get(code=builder.grids[0].code)
    leader = User.objects.filter(role_assignments__scope_code=first_grid.code).first()
    grid_leader_names = {first_grid.code: leader.display_name} if leader else {}
    grid_posts = builder.build_grid_posts(grid_leader_names)

    # Demo logins: the first community's secretary gets her member record; a branch secretary
    # and an ordinary member of the first grid get logins of their own.
    password = make_password(settings.SIXFOLD_DEMO_PASSWORD)
    logins = []
    secretary = User.objects.filter(username=SECRETARY_LOGIN).first()
    if secretary is not None:
        PartyMember.objects.filter(pk=builder.secretary_01.pk).update(user=secretary)
    committee = builder.branch_committee.get(first_grid.code)
    if committee:
        branch_secretary = committee[0]
        user = _demo_user(
            BRANCH_LOGIN, branch_secretary.demo_name, "branch_secretary", first_grid, password
        )
        PartyMember.objects.filter(pk=branch_secretary.pk).update(user=user)
        login = DemoLogin(BRANCH_LOGIN, branch_secretary.demo_name, "branch_secretary", "grid 1 1")
        logins.append((login, scope_label(first_grid)))
        contact_loads = {
            m.pk: builder.load[id(m)] for m in builder.by_grid[first_grid.code] if m.resident_id
        }
        ordinary = [
            m
            for m in builder.by_grid[first_grid.code]
            if m not in committee and 5 <= contact_loads.get(m.pk, 0) <= 15
        ]
        if ordinary:
            member = ordinary[0]
            community = first_grid.parent
            user = _demo_user(MEMBER_LOGIN, member.demo_name, MEMBER_ROLE, community, password)
            PartyMember.objects.filter(pk=member.pk).update(user=user)
            login = DemoLogin(MEMBER_LOGIN, member.demo_name, MEMBER_ROLE, "community 1")
            logins.append((login, f"{scope_label(first_grid)}（{community.name}）"))

    events.record(
        AuditEvent.Verb.IMPORT,
        obj=builder.street,
        object_repr=f"{STREET_NAME}党组织（演示数据）",
        purpose=f"seed_demo --seed {seed}",
        after={
            "organisations": len(builder.orgs),
            "members": len(builder.members),
            "posts": len(builder.posts),
            "responsibility_links": len(builder.links),
            "grid_posts": len(grid_posts),
        },
    )
    return logins
