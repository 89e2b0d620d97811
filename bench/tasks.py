"""Work done inside Django against one bench database: `python -m bench.tasks TASK OUT.json [IN]`.

* `prepare` — the grid worker the flatness and floor benchmarks act as: a login with a token and a
  `grid_worker` role on a grid of about average size (the same rule at every city size), the
  pages of its household list and a mix of resident searches (names, surnames, ID numbers,
  phones) drawn from the people of that grid.
* `explain` — the SQL those requests run, with each query's plan; flags a full scan of a
  register table.
* `import` — the import-rate benchmark (a workbook of exported residents imported back into the
  register, against merely reading that workbook).

The orchestrator (`python -m bench`) runs each task in a process of its own with the database's
environment, so one bench run can visit several databases.
"""

import json
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

import django

GRID_TARGET = 650  # households: pick the grid nearest this, at every size
WORKER = "bench_grid_worker"
STREET_ADMIN = "bench_street_admin"


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


# --- prepare ---------------------------------------------------------------------------------------
def grid_sizes() -> list[tuple[str, int]]:
    from django.db.models import Count
    from django.db.models.functions import Substr

    from sixfold.core.models import Household, Level
    from sixfold.core.models.region import CODE_LENGTH

    length = CODE_LENGTH[Level.GRID]
    rows = (
        Household.objects.order_by()
        .annotate(grid=Substr("code", 1, length))
        .values("grid")
        .annotate(n=Count("pk"))
        .values_list("grid", "n")
    )
    return sorted(rows)


def bench_login(username: str, display_name: str, role: str, region) -> str:
    """A login holding just `role` over `region`, with an API token; returns the token."""
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from sixfold.accounts.actions import grant_role
    from sixfold.accounts.models import RoleAssignment, User

    with transaction.atomic():
        user, _ = User.objects.update_or_create(
            username=username, defaults={"display_name": display_name, "is_active": True}
        )
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        RoleAssignment.objects.filter(user=user).exclude(role=role, region=region).delete()
        grant_role(user, role, region)
        token, _ = Token.objects.get_or_create(user=user)
    return token.key


def prepare(_args) -> dict:
    from sixfold.core.models import Household, Level, Region, Resident

    sizes = grid_sizes()
    # The first half of the city in code order: the import benchmark works on its far end.
    candidates = sizes[: max(1, len(sizes) // 2)]
    code, households = min(candidates, key=lambda item: (abs(item[1] - GRID_TARGET), item[0]))
    grid = Region.objects.get(code=code)
    token = bench_login(WORKER, "基准测试网格员", "grid_worker", grid)
    # A street admin of the city's last street: the scope furthest along the code index.
    street = Region.objects.filter(level=Level.STREET).order_by("-code").first()
    street_token = bench_login(STREET_ADMIN, "基准测试街道管理员", "street_admin", street)

    people = list(
        Resident.objects.within(code)
        .living()
        .order_by("code", "id")
        .values_list("name", "id_number_enc", "phone_enc")
    )
    return {
        "grid": code,
        "grid_name": f"{grid.parent.name}{grid.name}",
        "households": households,
        "residents": Resident.objects.within(code).count(),
        "street": street.code,
        "street_households": Household.objects.within(street.code).count(),
        "street_residents": Resident.objects.within(street.code).count(),
        "city_households": Household.objects.count(),
        "city_residents": Resident.objects.count(),
        "pages": math.ceil(households / 50),
        "token": token,
        "street_token": street_token,
        "terms": search_terms(people),
    }


def search_terms(people) -> list[dict]:
    """Twenty searches a grid worker types: 10 full names, 4 surnames, 3 ID numbers, 3 phones."""
    from collections import Counter

    from sixfold.core import pii

    def spread(items, count):
        step = max(1, len(items) // count)
        return items[::step][:count]

    names = [name for name, _, _ in people]
    surnames = [s for s, _ in Counter(n[0] for n in names).most_common(4)]
    with_phone = [p for p in people if p[2]]
    terms = [{"kind": "name", "q": n} for n in spread(names, 10)]
    terms += [{"kind": "surname", "q": s} for s in surnames]
    terms += [{"kind": "id_number", "q": pii.decrypt(p[1])} for p in spread(people, 3)]
    terms += [{"kind": "phone", "q": pii.decrypt(p[2])} for p in spread(with_phone, 3)]
    return terms


# --- explain ---------------------------------------------------------------------------------------
REGISTER_TABLES = ("core_region", "core_building", "core_unit", "core_household", "core_resident")


def explain(args) -> dict:
    """The plans of the grid worker's list and searches, and of a street admin's lists.

    A query "reads beyond its scope" when its plan discarded more rows than the scope holds
    (PostgreSQL's `Rows Removed by Filter`): the index did not bound the scan to the scope, so
    the query's cost grows with the city rather than with the scope.
    """
    from urllib.parse import quote

    from django.db import connection
    from django.test import Client

    fixture = json.loads(Path(args[0]).read_text())
    grid = {"households": fixture["households"], "residents": fixture["residents"]}
    street = {"households": fixture["street_households"], "residents": fixture["street_residents"]}
    requests = [
        ("grid", "household list, first page", "/api/v1/households/"),
        ("grid", "household list, last page", f"/api/v1/households/?page={fixture['pages']}"),
    ]
    shown = set()
    for term in fixture["terms"]:
        if term["kind"] not in shown:
            shown.add(term["kind"])
            path = f"/api/v1/residents/?search={quote(term['q'])}"
            requests.append(("grid", f"resident search by {term['kind']}", path))
    requests += [
        ("street", "household list, first page", "/api/v1/households/"),
        ("street", "resident list, first page", "/api/v1/residents/"),
    ]
    clients = {
        "grid": (Client(HTTP_AUTHORIZATION=f"Token {fixture['token']}"), grid),
        "street": (Client(HTTP_AUTHORIZATION=f"Token {fixture['street_token']}"), street),
    }

    report = []
    for scope, label, path in requests:
        client, in_scope = clients[scope]
        captured: list[tuple[str, tuple]] = []

        def capture(execute, sql, params, many, context, captured=captured):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            response = client.get(path)
        queries = []
        for sql, params in captured:
            table = next((t for t in REGISTER_TABLES if f'FROM "{t}"' in sql), None)
            if table is None:
                continue
            plan = plan_of(connection, sql, params)
            removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
            scope_rows = in_scope.get(table.removeprefix("core_") + "s", 0)
            queries.append(
                {
                    "table": table,
                    "sql": shown_sql(sql, params),
                    "plan": plan,
                    "ms": query_ms(connection, sql, params),
                    "rows_removed_by_filter": removed,
                    "full_scans": scans(plan),
                    "beyond_scope": bool(scope_rows) and removed > scope_rows,
                }
            )
        report.append(
            {
                "scope": scope,
                "request": label,
                "path": path,
                "status": response.status_code,
                "queries": queries,
            }
        )
    return {
        "vendor": connection.vendor,
        "grid": fixture["grid"],
        "street": fixture["street"],
        "requests": report,
        "full_scans": sorted({s for r in report for q in r["queries"] for s in q["full_scans"]}),
        "beyond_scope": [
            f"{r['scope']}: {r['request']} ({q['table']}, {q['ms']:.1f} ms)"
            for r in report
            for q in r["queries"]
            if q["beyond_scope"]
        ],
    }


def query_ms(connection, sql: str, params, repeat: int = 3) -> float:
    """The query's best time of a few runs, rows fetched (the plans above warmed the cache)."""
    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            best = min(best, time.perf_counter() - started)
    return best * 1000


def plan_of(connection, sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        rows = cursor.fetchall()
    depth = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return "\n".join(lines)


def scans(plan: str) -> list[str]:
    """Register tables the plan reads whole: PostgreSQL `Seq Scan`, SQLite `SCAN` (a full pass,
    through an index or not) — as opposed to `SEARCH`/`Index Scan` on a range."""
    found = set()
    for table in REGISTER_TABLES:
        if re.search(rf"Seq Scan on {table}\b", plan) or re.search(
            rf"^\s*SCAN {table}\b", plan, re.M
        ):
            found.add(table)
    return sorted(found)


def shown_sql(sql: str, params) -> str:
    text = sql
    for value in params or ():
        text = text.replace("%s", repr(value) if isinstance(value, str) else str(value), 1)
    return text


# --- import ----------------------------------------------------------------------------------------
def import_rate(args) -> dict:
    import importlib.util

    if importlib.util.find_spec("sixfold.core.excel.importer") is None:
        return {"skipped": "importer not available yet (sixfold.core.excel.importer)"}

    from django.db import connection, transaction
    from django.db.models import Q
    from python_calamine import CalamineWorkbook

    from sixfold.core.excel import exporter, importer
    from sixfold.core.excel.spec import AUXILIARY_SHEETS, MARKER_SHEET
    from sixfold.core.models import Building, Household, Resident, Unit

    target, workbook_path, version = int(args[0]), Path(args[1]), args[2]
    # The far end of the city, whole grids, until they hold the residents wanted.
    from django.db.models import Count
    from django.db.models.functions import Substr

    per_grid = dict(
        Resident.objects.order_by()
        .annotate(grid=Substr("code", 1, 16))
        .values("grid")
        .annotate(n=Count("pk"))
        .values_list("grid", "n")
    )
    grids, total = [], 0
    for code in sorted(per_grid, reverse=True):
        if total >= target:
            break
        grids.append(code)
        total += per_grid[code]
    target = min(target, total)

    def within(field="code"):
        condition = Q()
        for code in grids:
            condition |= Q(**{f"{field}__prefix": code})
        return condition

    residents = Resident.objects.filter(within()).order_by("code", "id")
    last_code, last_id = residents.values_list("code", "id")[target - 1]
    residents = residents.filter(Q(code__lt=last_code) | Q(code=last_code, id__lte=last_id))
    querysets = {
        "buildings": Building.objects.filter(within()),
        "units": Unit.objects.filter(within()),
        "households": Household.objects.filter(within()),
        "residents": residents,
    }
    marker = workbook_path.with_suffix(".json")
    wanted = {"version": version, "grids": grids, "residents": target}
    export_seconds = None
    if not (
        workbook_path.exists() and marker.exists() and json.loads(marker.read_text()) == wanted
    ):
        workbook_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        exporter.export_workbook(str(workbook_path), querysets, unmasked=True)
        export_seconds = time.perf_counter() - started
        marker.write_text(json.dumps(wanted))

    # Baseline: the importer's reader reading what the importer reads (the marker and the data
    # sheets, not the instructions or the lists), and nothing else.
    skipped = set(AUXILIARY_SHEETS) - {MARKER_SHEET}

    def read() -> tuple[float, int]:
        started = time.perf_counter()
        book = CalamineWorkbook.from_path(str(workbook_path))
        rows = 0
        for name in book.sheet_names:
            if name not in skipped:
                rows += len(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
        return time.perf_counter() - started, rows

    reads = [read() for _ in range(3)]
    read_seconds = statistics.median(seconds for seconds, _ in reads)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Checked as each row lands, as on a commit: this transaction is rolled back, and
            # deferred checks would otherwise never run and never be paid for.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        removed = remove_subtrees(connection, grids)
        created = importer.import_workbook(str(workbook_path), by=None)
        again = importer.import_workbook(str(workbook_path), by=None)
        transaction.set_rollback(True)
    if not created.ok:
        return {
            "error": "the import reported errors",
            "errors": [e.as_dict() for e in created.errors[:10]],
        }
    rows = created.rows
    import_rate_ = rows / created.seconds["total"]
    read_rate = rows / read_seconds
    return {
        "workbook": str(workbook_path),
        "workbook_mb": round(workbook_path.stat().st_size / 2**20, 1),
        "export_seconds": export_seconds,
        "grids": len(grids),
        "residents": target,
        "rows": rows,
        "summary": created.summary_dict(),
        "removed_before_import": removed,
        "read_seconds": [round(s, 3) for s, _ in reads],
        "read_rows_per_second": read_rate,
        "import_seconds": {k: round(v, 3) for k, v in created.seconds.items()},
        "import_rows_per_second": import_rate_,
        "ratio": import_rate_ / read_rate,
        "reimport_seconds": {k: round(v, 3) for k, v in again.seconds.items()},
        "reimport_rows_per_second": again.rows / again.seconds["total"],
        "reimport_summary": again.summary_dict(),
        "reimport_ok": again.ok,
    }


def remove_subtrees(connection, grids: list[str]) -> dict[str, int]:
    """Delete everything below the grids (residents up to buildings), so the workbook creates it
    again. Plain SQL: no model instance per row and nothing else refers to these generated rows."""
    from sixfold.core.models import Building, Household, Region, Resident, Unit

    condition = " OR ".join(["code LIKE %s"] * len(grids))
    params = [f"{code}-%" for code in grids]
    removed = {}
    with connection.cursor() as cursor:
        for model in (Resident, Household, Unit, Building):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
            removed[model._meta.model_name] = cursor.rowcount
        table = connection.ops.quote_name(Region._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
        removed["region"] = cursor.rowcount
    return removed


TASKS = {"prepare": prepare, "explain": explain, "import": import_rate}


def main() -> None:
    task, output, *args = sys.argv[1:]
    setup()
    result = TASKS[task](args)
    Path(output).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
