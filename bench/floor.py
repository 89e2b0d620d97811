"""Framework floor: the household list's throughput under wrk versus a bare JSON view.

One gunicorn (2 sync workers) serves every URL from the largest city; wrk (2 threads, 32
connections) loads one URL at a time on loopback. The rounds go through every URL twice after a
short warm-up of each, and each URL's best round counts: on a shared machine other work only
ever lowers a round's throughput. The lean and cached lists (`bench.views`) are reported beside
the goal, not judged: they show how much of the gap is the framework and how much the queries.
"""

import re
import shutil
import subprocess

from .server import Server

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_available() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str:
    wrk = wrk_available()
    if not wrk:
        return ""
    run = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    text = (run.stdout + run.stderr).strip().splitlines()
    return text[0] if text else ""


def run_wrk(url: str, seconds: int, token: str = "") -> dict:
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    """Throughput, latency percentiles and failures from wrk's report (run with --latency)."""
    result = {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])}
    for label, key in (("50%", "p50_ms"), ("99%", "p99_ms")):
        match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if match:
            result[key] = float(match[1]) * UNITS[match[2]]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = int(bad[1]) if bad else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = sum(int(n) for n in errors.groups()) if errors else 0
    result["requests"] = int(re.search(r"(\d+) requests in", output)[1])
    return result


def measure(dataset, fixture: dict, seconds: int) -> dict:
    if not wrk_available():
        return {"skipped": "wrk is not installed (Debian: apt-get install wrk)"}
    token = fixture["token"]
    with Server(dataset.url, workers=2, name=f"floor-{dataset.key}") as server:
        urls = {
            "floor": server.url("/bench/floor/"),
            "list": server.url("/api/v1/households/"),
            "lean list": server.url("/bench/lean-households/"),
            "cached list": server.url("/bench/cached-households/"),
        }
        for name, url in urls.items():
            run_wrk(url, 2, token if name != "floor" else "")
        rounds = {name: [] for name in urls}
        for _ in range(2):
            for name, url in urls.items():
                rounds[name].append(run_wrk(url, seconds, token if name != "floor" else ""))
    best = {
        name: max(runs, key=lambda r: r["requests_per_second"]) for name, runs in rounds.items()
    }
    floor_rps = best["floor"]["requests_per_second"]
    return {
        "rounds": rounds,
        "floor": best["floor"],
        "list": best["list"],
        "lean_list": best["lean list"],
        "cached_list": best["cached list"],
        "ratio": best["list"]["requests_per_second"] / floor_rps,
        "lean_ratio": best["lean list"]["requests_per_second"] / floor_rps,
        "cached_ratio": best["cached list"]["requests_per_second"] / floor_rps,
    }
