"""Sixfold's benchmarks, run by `make bench` (`python -m bench`).

Each benchmark prints a ratio against a baseline measured in the same run, never against a number
written down earlier:

* scoped-list flatness — a grid worker's household list and resident search through the API on a
  10,000-household city versus a 1,000,000-household one (p50 and p95);
* framework floor — the household list's throughput under wrk versus a bare JSON view served by
  the same gunicorn;
* import rate — rows per second importing a 100,000-resident workbook versus merely reading it
  with the importer's reader;
and EXPLAIN checks that the grid worker's queries use the code indexes at city scale.

The cities are generated once per size, seed and generator version (`generate_city`) and kept:
SQLite files under var/bench/, PostgreSQL databases `sixfold_bench_<size>_s<seed>` next to the
one DATABASE_URL names. Results go to var/bench/results/ as JSON. See docs/performance.md.
"""
