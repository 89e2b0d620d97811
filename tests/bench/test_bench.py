"""The bench's own arithmetic: what it reads from wrk, how it takes percentiles and judges goals,
and what counts as a new generator version. Nothing here is timed."""

import ast

import pytest

from bench import dataset, flatness, floor, run
from bench.config import Config

WRK_REPORT = """Running 10s test @ http://127.0.0.1:40123/bench/floor/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.02ms    1.10ms  30.00ms   90.00%
    Req/Sec     2.67k   150.00     3.00k    70.00%
  Latency Distribution
     50%    5.90ms
     75%    6.40ms
     90%    7.10ms
     99%   12.50ms
  53120 requests in 10.01s, 9.87MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   5306.12
Transfer/sec:      0.99MB
"""


def test_wrk_report_is_read():
    result = floor.parse_wrk(WRK_REPORT)
    assert result == {
        "requests_per_second": 5306.12,
        "p50_ms": 5.9,
        "p99_ms": 12.5,
        "non_2xx": 4,
        "socket_errors": 3,
        "requests": 53120,
    }


def test_latency_in_microseconds_and_seconds():
    report = WRK_REPORT.replace("5.90ms", "950.00us").replace("12.50ms", "1.20s")
    result = floor.parse_wrk(report)
    assert result["p50_ms"] == pytest.approx(0.95)
    assert result["p99_ms"] == pytest.approx(1200.0)


def test_nearest_rank_percentiles():
    values = list(range(1, 201))  # 1 … 200
    assert flatness.percentile(values, 0.50) == 100
    assert flatness.percentile(values, 0.95) == 190
    assert flatness.percentile([7.0], 0.95) == 7.0


def test_prose_is_not_a_new_generator_version():
    code = 'def f(x):\n    """Say why."""\n    return x + 1  # a comment\n'
    reworded = 'def f(x):\n    """Say why, better."""\n\n    return x + 1\n'
    changed = 'def f(x):\n    """Say why."""\n    return x + 2\n'

    def dump(text):
        return ast.dump(dataset._without_docstrings(ast.parse(text)))

    assert dump(code) == dump(reworded)
    assert dump(code) != dump(changed)


def test_goals_are_judged_in_their_direction():
    assert run.judge("flatness", 1.3) and not run.judge("flatness", 1.31)
    assert run.judge("floor", 0.30) and not run.judge("floor", 0.29)
    assert run.judge("import", 0.5) and not run.judge("import", 0.49)


def test_sizes_and_backends_from_the_environment(monkeypatch):
    monkeypatch.setenv("BENCH_SIZES", "1_000_000,10000")
    monkeypatch.delenv("BENCH_BACKENDS", raising=False)
    monkeypatch.delenv("BENCH_ONLY", raising=False)
    monkeypatch.setenv("BENCH_REQUESTS", "50")
    config = Config(database_url="")
    assert config.sizes == [10_000, 1_000_000]
    assert (config.baseline_size, config.largest_size) == (10_000, 1_000_000)
    assert config.backends == ["sqlite"]
    assert config.requests == 200  # never fewer than the issue asks for
    assert Config(database_url="postgres://h/db").backends == ["sqlite", "postgresql"]
