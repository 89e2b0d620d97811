"""`python -m bench`: prepare the cities, run the benchmarks per backend, print and save results."""

import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata

from . import coverage, flatness, floor
from . import dataset as datasets
from .config import PYTHON, ROOT, VAR, Config, child_env

GOALS = {
    "flatness": ("≤", 1.3),
    "floor": ("≥", 0.30),
    "import": ("≥", 0.50),
    # A community's audit costs the same in a small and a large city.
    "coverage-flat": ("≤", 1.3),
    # The city's audit reads its subtree a bounded number of times: at most twenty plain counts.
    "coverage": ("≤", 20.0),
}


def say(text: str = "") -> None:
    print(text, flush=True)


def task(name: str, data: datasets.Dataset, *args: str) -> dict:
    out = VAR / "tmp" / f"{name}-{data.key}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    subprocess.run(
        [PYTHON, "-m", "bench.tasks", name, str(out), *args],
        cwd=ROOT,
        env=child_env(data.url),
        check=True,
    )
    return json.loads(out.read_text())


# --- the machine ---------------------------------------------------------------------------------
def machine() -> dict:
    info = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": floor.wrk_version(),
    }
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as lines:
        models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
        info["cpu"] = models[0] if models else ""
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as lines:
        total = next(line for line in lines if line.startswith("MemTotal"))
        info["ram_gb"] = round(int(total.split()[1]) / 2**20, 1)
    for package in ("Django", "djangorestframework", "gunicorn", "psycopg", "python-calamine"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            info[package] = metadata.version(package)
    return info


# --- one backend ---------------------------------------------------------------------------------
def run_backend(config: Config, backend: str) -> dict:
    say(f"\n=== {backend} ===")
    data = {}
    for size in config.sizes:
        say(f"  city of {size:,} households (seed {config.seed}) …")
        data[size] = datasets.ensure(backend, size, config.seed, config.database_url)
        state = "kept from an earlier run" if data[size].cached else "generated now"
        seconds = data[size].generation_seconds
        say(f"    {state}; generation took {seconds:,.1f} s" if seconds else f"    {state}")
    largest = data[config.largest_size]
    result = {
        "server": datasets.server_version(largest),
        "datasets": {size: {**d.marker(), "cached": d.cached} for size, d in data.items()},
    }
    say("  preparing the grid worker …")
    fixtures = {size: task("prepare", d) for size, d in data.items()}
    result["grid_workers"] = {
        size: {k: v for k, v in f.items() if k not in ("token", "street_token", "terms")}
        | {"searches": [t["kind"] for t in f["terms"]]}
        for size, f in fixtures.items()
    }
    for size, fixture in fixtures.items():
        say(
            f"    {size:,}: grid {fixture['grid']} ({fixture['households']} households, "
            f"{fixture['residents']} residents) of {fixture['city_households']:,} households"
        )
    if "explain" in config.only:
        say(f"  query plans at {config.largest_size:,} households …")
        fixture_path = VAR / "tmp" / f"prepare-{largest.key}.json"
        result["explain"] = task("explain", largest, str(fixture_path))
        for line in plan_verdict(result["explain"]):
            say("    " + line)
    if "flatness" in config.only:
        say(f"  flatness: {config.requests} requests per endpoint and size …")
        result["flatness"] = flatness.measure(data, fixtures, config.requests)
    if "floor" in config.only:
        say(f"  floor: wrk rounds of {config.wrk_seconds} s …")
        result["floor"] = floor.measure(largest, fixtures[config.largest_size], config.wrk_seconds)
    if "coverage" in config.only:
        say("  coverage audit: community, street, district and city …")
        result["coverage"] = coverage.measure_all(data, config.seed, say)
    if "import" in config.only:
        say(f"  import: a workbook of {config.import_residents:,} residents …")
        workbook = VAR / "import" / f"{largest.key}-{config.import_residents}.xlsx"
        result["import"] = task(
            "import",
            largest,
            str(config.import_residents),
            str(workbook),
            f"{largest.version}/{largest.generated_at}",
        )
        if "skipped" in result["import"]:
            say(f"    skipped: {result['import']['skipped']}")
        else:
            datasets.tidy(largest)
    return result


# --- the report ----------------------------------------------------------------------------------
def plan_verdict(explain: dict) -> list[str]:
    scans = explain["full_scans"]
    lines = [
        f"grid {explain['grid']}, street {explain['street']}: full scans of register tables: "
        + (", ".join(scans) if scans else "none")
    ]
    beyond = explain["beyond_scope"]
    lines.append("queries reading beyond their scope: " + ("; ".join(beyond) if beyond else "none"))
    return lines


def judge(kind: str, ratio: float) -> bool:
    sign, goal = GOALS[kind]
    return ratio <= goal if sign == "≤" else ratio >= goal


def rows_of(config: Config, backend: str, result: dict) -> list[dict]:
    rows = []
    base, large = config.baseline_size, config.largest_size
    if "flatness" in result:
        for endpoint, measured in result["flatness"].items():
            small = measured["sizes"][base]
            big = measured["sizes"][large]
            for p in ("p50", "p95"):
                ratio = measured["ratios"][large][p]
                rows.append(
                    {
                        "backend": backend,
                        "benchmark": f"flatness: {endpoint} {p}",
                        "baseline": f"{base:,} hh {small[p + '_ms']:.1f} ms",
                        "measured": f"{large:,} hh {big[p + '_ms']:.1f} ms",
                        "ratio": ratio,
                        "goal": "flatness",
                        "failed": small["failed"] + big["failed"],
                    }
                )
    measured = result.get("floor", {})
    if "ratio" in measured:
        rows.append(
            {
                "backend": backend,
                "benchmark": "floor: household list vs bare view",
                "baseline": f"floor {measured['floor']['requests_per_second']:,.0f} req/s",
                "measured": f"list {measured['list']['requests_per_second']:,.0f} req/s",
                "ratio": measured["ratio"],
                "goal": "floor",
                "failed": measured["list"]["non_2xx"] + measured["floor"]["non_2xx"],
            }
        )
        rows.append(
            {
                "backend": backend,
                "benchmark": "  (lean list, same queries, no DRF)",
                "baseline": f"floor {measured['floor']['requests_per_second']:,.0f} req/s",
                "measured": f"lean {measured['lean_list']['requests_per_second']:,.0f} req/s",
                "ratio": measured["lean_ratio"],
                "goal": None,
                "failed": measured["lean_list"]["non_2xx"],
            }
        )
        rows.append(
            {
                "backend": backend,
                "benchmark": "  (cached page, never invalidated)",
                "baseline": f"floor {measured['floor']['requests_per_second']:,.0f} req/s",
                "measured": f"cached {measured['cached_list']['requests_per_second']:,.0f} req/s",
                "ratio": measured["cached_ratio"],
                "goal": None,
                "failed": measured["cached_list"]["non_2xx"],
            }
        )
    elif "skipped" in measured:
        rows.append({"backend": backend, "benchmark": "floor", "skipped": measured["skipped"]})
    rows += coverage_rows(backend, base, large, result.get("coverage"))
    measured = result.get("import", {})
    if "ratio" in measured:
        rows.append(
            {
                "backend": backend,
                "benchmark": f"import: {measured['rows']:,} rows vs reading them",
                "baseline": f"read {measured['read_rows_per_second']:,.0f} rows/s",
                "measured": f"import {measured['import_rows_per_second']:,.0f} rows/s",
                "ratio": measured["ratio"],
                "goal": "import",
                "failed": 0,
            }
        )
    elif measured:
        reason = measured.get("skipped") or measured.get("error", "failed")
        rows.append({"backend": backend, "benchmark": "import", "skipped": reason})
    for row in rows:
        if "ratio" in row and row["goal"] is None:
            row["met"], row["goal"] = None, "(info)"
        elif "ratio" in row:
            sign, goal = GOALS[row["goal"]]
            row["met"] = judge(row["goal"], row["ratio"]) and not row["failed"]
            row["goal"] = f"{sign} {goal:.2f}"
    return rows


def coverage_rows(backend: str, base: int, large: int, measured: dict | None) -> list[dict]:
    if not measured:
        return []
    rows = []
    for scope in ("community", "street"):
        small = measured[base]["scopes"][scope]
        big = measured[large]["scopes"][scope]
        rows.append(
            {
                "backend": backend,
                "benchmark": f"coverage: {scope} audit, {big['queries']} queries",
                "baseline": f"{base:,} hh {small['audit_ms']:,.0f} ms",
                "measured": f"{large:,} hh {big['audit_ms']:,.0f} ms",
                "ratio": measured["flat"][scope],
                "goal": "coverage-flat" if scope == "community" else None,
                "failed": 0,
            }
        )
    for scope in ("district", "city"):
        big = measured[large]["scopes"][scope]
        rows.append(
            {
                "backend": backend,
                "benchmark": f"coverage: {scope} audit vs COUNT ({big['nodes']:,} nodes)",
                "baseline": f"count {big['count_ms']:,.0f} ms",
                "measured": f"audit {big['audit_ms'] / 1000:,.2f} s",
                "ratio": big["ratio"],
                "goal": "coverage" if scope == "city" else None,
                "failed": 0,
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    header = ("backend", "benchmark", "baseline", "measured", "ratio", "goal", "met")
    table = [header]
    for row in rows:
        if "skipped" in row:
            table.append(
                (row["backend"], row["benchmark"], "skipped: " + row["skipped"], "", "", "", "")
            )
            continue
        if row["met"] is None:
            met = "" if not row["failed"] else "(failed requests)"
        else:
            met = "yes" if row["met"] else ("NO (failed requests)" if row["failed"] else "NO")
        table.append(
            (
                row["backend"],
                row["benchmark"],
                row["baseline"],
                row["measured"],
                f"{row['ratio']:.2f}",
                row["goal"],
                met,
            )
        )
    widths = [max(len(str(line[i])) for line in table) for i in range(len(header))]
    for index, line in enumerate(table):
        say("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            say("  ".join("-" * width for width in widths))


def main() -> None:
    config = Config()
    started = time.perf_counter()
    stamp = dt.datetime.now(dt.UTC)
    say(
        f"Sixfold bench: sizes {', '.join(f'{s:,}' for s in config.sizes)}, seed {config.seed}, "
        f"backends {', '.join(config.backends)}, benchmarks {', '.join(config.only)}"
    )
    results = {
        "started_at": stamp.isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {
            "sizes": config.sizes,
            "seed": config.seed,
            "requests": config.requests,
            "wrk_seconds": config.wrk_seconds,
            "import_residents": config.import_residents,
            "benchmarks": config.only,
            "generator_version": datasets.generator_version(),
        },
        "backends": {},
    }
    for backend in config.backends:
        results["backends"][backend] = run_backend(config, backend)
    rows = []
    for backend, result in results["backends"].items():
        rows += rows_of(config, backend, result)
    results["summary"] = rows
    results["seconds"] = round(time.perf_counter() - started, 1)

    say("\nSummary (ratio = measured / baseline, both measured in this run)")
    print_table(rows)
    for backend, result in results["backends"].items():
        if "explain" in result:
            say(f"Query plans, {backend}, {config.largest_size:,} households:")
            for line in plan_verdict(result["explain"]):
                say("  " + line)

    folder = VAR / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp:%Y%m%d-%H%M%S}.json"
    text = json.dumps(results, ensure_ascii=False, indent=1, default=str)
    path.write_text(text)
    (VAR / "latest.json").write_text(text)
    say(f"\nResults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    say(f"Bench took {results['seconds']:,.0f} s.")
    if os.environ.get("BENCH_STRICT") == "1" and any(r.get("met") is False for r in rows):
        sys.exit(1)
