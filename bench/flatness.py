"""Scoped-list flatness: the same grid worker's requests against a small and a large city.

Both cities are served at once, each by its own gunicorn (one sync worker: the client sends one
request at a time), and the timed requests alternate between them, so whatever else the machine
is doing falls on both alike. Times are taken by the client around the whole HTTP exchange —
what a grid worker's browser waits for, less the network — over a new connection each time, as
sync workers close it after every response.
"""

import time
from urllib.parse import quote

from .server import Server

WARMUP = 20


def household_paths(fixture: dict) -> list[str]:
    return [f"/api/v1/households/?page={page}" for page in range(1, fixture["pages"] + 1)]


def search_paths(fixture: dict) -> list[str]:
    return [f"/api/v1/residents/?search={quote(term['q'])}" for term in fixture["terms"]]


ENDPOINTS = {"household list": household_paths, "resident search": search_paths}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed(server: Server, path: str, token: str) -> tuple[float, int]:
    started = time.perf_counter()
    status, _body = server.get(path, token)
    return (time.perf_counter() - started) * 1000, status


def measure(datasets: dict, fixtures: dict, requests: int) -> dict:
    """`datasets`/`fixtures` keyed by size; returns per endpoint and size the timings."""
    sizes = sorted(datasets)
    servers = {
        size: Server(datasets[size].url, workers=1, name=f"flatness-{datasets[size].key}")
        for size in sizes
    }
    for server in servers.values():
        server.__enter__()
    try:
        samples = {name: {size: [] for size in sizes} for name in ENDPOINTS}
        failures = {name: dict.fromkeys(sizes, 0) for name in ENDPOINTS}
        paths = {
            name: {size: make(fixtures[size]) for size in sizes} for name, make in ENDPOINTS.items()
        }
        for name in ENDPOINTS:
            for i in range(WARMUP):
                for size in sizes:
                    batch = paths[name][size]
                    timed(servers[size], batch[i % len(batch)], fixtures[size]["token"])
            for i in range(requests):
                # Alternate which city goes first, so neither always follows the other.
                order = sizes if i % 2 == 0 else list(reversed(sizes))
                for size in order:
                    batch = paths[name][size]
                    ms, status = timed(
                        servers[size], batch[i % len(batch)], fixtures[size]["token"]
                    )
                    samples[name][size].append(ms)
                    failures[name][size] += status != 200
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)

    result = {}
    baseline = sizes[0]
    for name in ENDPOINTS:
        per_size = {}
        for size in sizes:
            values = samples[name][size]
            per_size[size] = {
                "requests": len(values),
                "failed": failures[name][size],
                "p50_ms": percentile(values, 0.50),
                "p95_ms": percentile(values, 0.95),
                "mean_ms": sum(values) / len(values),
            }
        ratios = {
            size: {
                "p50": per_size[size]["p50_ms"] / per_size[baseline]["p50_ms"],
                "p95": per_size[size]["p95_ms"] / per_size[baseline]["p95_ms"],
            }
            for size in sizes[1:]
        }
        result[name] = {"sizes": per_size, "ratios": ratios}
    return result
