"""The coverage audit at city scale (S1, S2, S26): `python -m bench.coverage TASK OUT.json`.

The bench cities come from `generate_city`, which builds the registers only. The first run on a
city adds its party side once, in bulk, and keeps it (marked in the organisations' note, so a kept
city is recognised; a different mark means the party rows are replaced):

* an organisation on every node of the party tree — a working committee per street, a committee
  per community or village, a branch per grid, a group per building — less a few deliberate gaps;
* members: every twelfth householder (by id) becomes a member of her grid's branch (of her
  community's committee where the grid has none);
* the five-level chain: a member of the node's own grid (community: of the community) answers for
  each community, grid, building, stairwell and household, round robin, less deliberate gaps that
  grow towards the households (as on a real street, where the household level is never complete);
* the required grid posts, filled in nearly every grid.

Everything is drawn from a `random.Random(seed)`, so two runs on the same city build the same
party. At a million households that is about 80,000 members and 900,000 chain links.

`measure` then times `coverage_report` — the work of the audit page — on one community, its street,
its district and the whole city, and beside each a plain `COUNT(*)` of the same subtree's region
nodes and chain links (the rows the audit cannot avoid reading), in the same process, alternating,
so the ratio says how many plain counts one audit costs. The orchestrator (`bench/run.py`) compares
the community's audit across city sizes (flatness) and the city's audit with its count.
"""

import json
import random
import statistics
import subprocess
import sys
import time

from .config import PYTHON, ROOT, VAR, child_env

MARK = "bench-party-1"
MEMBER_EVERY = 12  # every twelfth householder by id is a party member
BATCH = 5000
# Share of nodes left without an organisation / a responsible member / a required post.
ORG_GAPS = {"community": 0.03, "grid": 0.04, "building": 0.12}
CHAIN_GAPS = {"community": 0.02, "grid": 0.03, "building": 0.06, "unit": 0.10, "household": 0.18}
POST_GAPS = 0.07
# Timed runs per scope and round, and rounds per city size (the median of all is kept).
REPEATS = {"community": 5, "street": 5, "district": 3, "city": 2}
ROUNDS = 3
SCOPES = ("community", "street", "district", "city")


# --- the orchestrator's side -----------------------------------------------------------------------
def task(name: str, data, *args: str) -> dict:
    out = VAR / "tmp" / f"coverage-{name}-{data.key}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    subprocess.run(
        [PYTHON, "-m", "bench.coverage", name, str(out), *args],
        cwd=ROOT,
        env=child_env(data.url),
        check=True,
    )
    return json.loads(out.read_text())


def measure_all(datasets: dict, seed: int, say) -> dict:
    """Party data ensured, then the audit timed, per city size (`datasets` keyed by size).

    The sizes take turns, round after round, each round a process of its own, so whatever else
    the machine does in the meantime falls on every size alike; the medians are over all rounds.
    """
    from . import dataset as bench_datasets

    result = {}
    sizes = sorted(datasets)
    for size in sizes:
        data = datasets[size]
        party = task("party", data, str(seed))
        state = "kept from an earlier run" if party["cached"] else "generated now"
        say(
            f"    {size:,}: party data {state} ({party['members']:,} members, "
            f"{party['links']:,} chain links, {party['seconds']:.1f} s)"
        )
        if not party["cached"]:
            bench_datasets.tidy(data)
        result[size] = {"party": party, "scopes": {}}
    for turn in range(ROUNDS):
        for size in sizes if turn % 2 == 0 else list(reversed(sizes)):
            measured = task("measure", datasets[size])
            for scope, row in measured["scopes"].items():
                kept = result[size]["scopes"].setdefault(scope, {**row, "audits": [], "counts": []})
                kept["audits"] += row["audits"]
                kept["counts"] += row["counts"]
    for size in sizes:
        for scope, row in result[size]["scopes"].items():
            row.update(summarise(row))
            say(
                f"    {size:,} {scope} {row['code']}: audit {row['audit_ms']:,.0f} ms "
                f"({row['queries']} queries), count {row['count_ms']:,.1f} ms, "
                f"ratio {row['ratio']:.1f}"
            )
    base, large = sizes[0], sizes[-1]
    result["flat"] = {
        scope: result[large]["scopes"][scope]["audit_ms"]
        / result[base]["scopes"][scope]["audit_ms"]
        for scope in ("community", "street")
    }
    return result


def summarise(row: dict) -> dict:
    audit = statistics.median(row["audits"])
    count = statistics.median(row["counts"])
    return {
        "audit_ms": audit,
        "audit_p90_ms": sorted(row["audits"])[int(0.9 * (len(row["audits"]) - 1))],
        "count_ms": count,
        "ratio": audit / count,
        "samples": len(row["audits"]),
    }


# --- inside Django: the party side of a bench city -----------------------------------------------
def _setup() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def _clear() -> None:
    from sixfold.party.models import (
        GridPost,
        MemberTransfer,
        PartyMember,
        PartyOrganization,
        PartyPost,
        ResponsibilityLink,
    )

    for model in (ResponsibilityLink, GridPost, PartyPost, MemberTransfer):
        model.objects.all().delete()
    PartyMember.objects.all().delete()
    PartyOrganization.objects.all().delete()


def generate_party(seed: int) -> dict:
    import datetime as dt

    from django.db import transaction
    from django.db.models.functions import Mod

    from sixfold.core.models import Level, Region, Resident
    from sixfold.core.models.region import CODE_LENGTH
    from sixfold.party.actions import org_name
    from sixfold.party.models import (
        GridPost,
        GridPostKind,
        OrgKind,
        PartyMember,
        PartyOrganization,
        ResponsibilityLink,
    )

    rng = random.Random(f"party-{seed}")
    grid_length = CODE_LENGTH[Level.GRID]
    community_length = CODE_LENGTH[Level.COMMUNITY]
    kinds = {
        Level.STREET: OrgKind.WORKING_COMMITTEE,
        Level.COMMUNITY: OrgKind.COMMITTEE,
        Level.VILLAGE: OrgKind.BRANCH,
        Level.GRID: OrgKind.GRID_BRANCH,
        Level.BUILDING: OrgKind.BUILDING_GROUP,
    }
    gap_of = {
        Level.COMMUNITY: ORG_GAPS["community"],
        Level.VILLAGE: ORG_GAPS["community"],
        Level.GRID: ORG_GAPS["grid"],
        Level.BUILDING: ORG_GAPS["building"],
    }
    with transaction.atomic():
        _clear()
        # --- organisations -----------------------------------------------------------------------
        names = dict(Region.objects.filter(level__in=kinds).values_list("id", "name"))
        nodes = list(
            Region.objects.filter(level__in=kinds)
            .order_by("code")
            .values_list("id", "code", "level", "name", "parent_id")
        )
        orgs = []
        for pk, code, level, name, parent_id in nodes:
            if rng.random() < gap_of.get(level, 0):
                continue
            kind = kinds[level]
            orgs.append(
                PartyOrganization(
                    region_id=pk,
                    code=code,
                    level=level,
                    kind=kind,
                    name=org_name(level, name, names.get(parent_id, ""), kind)[:100],
                    note=MARK,
                )
            )
        orgs = PartyOrganization.objects.bulk_create(orgs, batch_size=BATCH)
        org_at = {org.code: org.pk for org in orgs}

        # --- members -----------------------------------------------------------------------------
        householders = (
            Resident.objects.filter(relation=Resident.Relation.SELF)
            .annotate(slot=Mod("id", MEMBER_EVERY))
            .filter(slot=0)
            .order_by("code")
            .values_list("id", "code")
        )
        members = []
        for resident_id, code in householders.iterator(chunk_size=BATCH):
            grid, community = code[:grid_length], code[:community_length]
            org_code = grid if grid in org_at else community
            if org_code not in org_at:
                continue
            members.append(
                PartyMember(
                    organization_id=org_at[org_code],
                    code=org_code,
                    resident_id=resident_id,
                    joined_on=dt.date(1960 + rng.randrange(60), 7, 1),
                    elderly=rng.random() < 0.2,
                )
            )
        members = PartyMember.objects.bulk_create(members, batch_size=BATCH)
        by_grid: dict[str, list[int]] = {}
        by_community: dict[str, list[int]] = {}
        for member in members:
            by_community.setdefault(member.code[:community_length], []).append(member.pk)
            if len(member.code) >= grid_length:  # a member of a grid's branch
                by_grid.setdefault(member.code[:grid_length], []).append(member.pk)

        # --- the chain ---------------------------------------------------------------------------
        chain_levels = {
            Level.COMMUNITY: "community",
            Level.VILLAGE: "community",
            Level.GRID: "grid",
            Level.BUILDING: "building",
            Level.UNIT: "unit",
            Level.HOUSEHOLD: "household",
        }
        turn: dict[str, int] = {}
        links = 0
        batch = []
        rows = (
            Region.objects.filter(level__in=chain_levels)
            .order_by("code")
            .values_list("id", "code", "level")
        )
        for pk, code, level in rows.iterator(chunk_size=BATCH):
            chain = chain_levels[level]
            if rng.random() < CHAIN_GAPS[chain]:
                continue
            if chain == "community":
                pool = by_community.get(code[:community_length])
            else:
                pool = by_grid.get(code[:grid_length]) or by_community.get(code[:community_length])
            if not pool:
                continue
            key = f"{chain}:{code[:grid_length]}"
            index = turn.get(key, 0)
            turn[key] = index + 1
            batch.append(
                ResponsibilityLink(
                    region_id=pk, code=code, level=chain, member_id=pool[index % len(pool)]
                )
            )
            if len(batch) >= BATCH:
                ResponsibilityLink.objects.bulk_create(batch)
                links += len(batch)
                batch = []
        ResponsibilityLink.objects.bulk_create(batch)
        links += len(batch)

        # --- grid posts --------------------------------------------------------------------------
        post_kinds = list(GridPostKind.objects.filter(active=True))
        posts = []
        for pk, code in Region.objects.filter(level=Level.GRID).values_list("id", "code"):
            for kind in post_kinds:
                if rng.random() >= POST_GAPS:
                    posts.append(GridPost(grid_id=pk, code=code, kind_id=kind.pk, name="网格员"))
        GridPost.objects.bulk_create(posts, batch_size=BATCH)
    return {
        "organisations": len(orgs),
        "members": len(members),
        "links": links,
        "posts": len(posts),
    }


def party(args) -> dict:
    from sixfold.party.models import PartyMember, PartyOrganization, ResponsibilityLink

    seed = int(args[0]) if args else 1
    started = time.perf_counter()
    cached = PartyOrganization.objects.filter(note=MARK).exists()
    if cached:
        counts = {
            "organisations": PartyOrganization.objects.count(),
            "members": PartyMember.objects.count(),
            "links": ResponsibilityLink.objects.count(),
        }
    else:
        counts = generate_party(seed)
    return {"cached": cached, "seconds": round(time.perf_counter() - started, 1), **counts}


# --- inside Django: the timings ----------------------------------------------------------------------
def scopes() -> dict[str, str]:
    """One community of about average size (the same rule at every city size), the street and the
    district it lies in, and the city."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from sixfold.core.models import Household, Level, Region
    from sixfold.core.models.region import CODE_LENGTH

    length = CODE_LENGTH[Level.COMMUNITY]
    sizes = list(
        Household.objects.order_by()
        .annotate(community=Substr("code", 1, length))
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    average = sum(n for _c, n in sizes) / len(sizes)
    community = min(sizes, key=lambda item: (abs(item[1] - average), item[0]))[0]
    node = Region.objects.get(code=community)
    street = node.parent
    district = street.parent
    city = Region.objects.filter(parent__isnull=True).order_by("code").first()
    return {
        "community": node.code,
        "street": street.code,
        "district": district.code,
        "city": city.code,
    }


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(_args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sixfold.core.models import Region
    from sixfold.party.coverage import coverage_report
    from sixfold.party.models import ResponsibilityLink

    result = {"scopes": {}}
    for scope, code in scopes().items():
        region = Region.objects.get(code=code)

        def audit(region=region):
            report = coverage_report(region)
            # What the page shows: every list is read, so nothing stays lazy.
            return [len(level.gaps) for level in report.chain], len(report.children)

        def count(code=code):
            return (
                Region.objects.within(code).count(),
                ResponsibilityLink.objects.within(code).count(),
            )

        audit()
        count()
        audits, counts = [], []
        for _ in range(REPEATS[scope]):
            audits.append(_timed(audit))
            counts.append(_timed(count))
        with CaptureQueriesContext(connection) as queries:
            audit()
        report = coverage_report(region)
        households = next((c for c in report.chain if c.level == "household"), None)
        nodes, links = count()
        result["scopes"][scope] = {
            "code": code,
            "nodes": nodes,
            "links": links,
            "households": households.nodes if households else 0,
            "household_coverage": households.percent if households else None,
            "queries": len(queries),
            "audits": audits,
            "counts": counts,
        }
    return result


TASKS = {"party": party, "measure": measure}


def main() -> None:
    name, out, *args = sys.argv[1:]
    _setup()
    data = TASKS[name](args)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
