"""What a bench run measures and where it keeps things, from environment variables.

BENCH_SIZES        households per city, smallest first is the baseline (default 10000,1000000)
BENCH_SEED         the cities' seed (default 1)
BENCH_REQUESTS     timed requests per endpoint and size for flatness (default 250; at least 200)
BENCH_BACKENDS     sqlite,postgresql (default: sqlite, plus postgresql when DATABASE_URL is set)
BENCH_ONLY         a subset of explain,flatness,floor,coverage,import (default all)
BENCH_WRK_SECONDS  seconds per wrk round (default 10)
BENCH_IMPORT_RESIDENTS  residents in the import workbook (default 100000)
"""

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Children run with their own SIXFOLD_VAR_DIR, so they are told where the bench keeps its files.
VAR = Path(
    os.environ.get("BENCH_VAR_DIR")
    or Path(os.environ.get("SIXFOLD_VAR_DIR", ROOT / "var")) / "bench"
)
PYTHON = sys.executable

# The bench databases hold generated people only; their keys are fixed so a cached database stays
# readable (search by ID number hashes it with this key) from one run to the next.
PII_KEY = "sixfold-bench-generated-data-only"
SECRET_KEY = "sixfold-bench-not-a-secret-" + "x" * 24

BENCHMARKS = ("explain", "flatness", "floor", "coverage", "import")


def _ints(name: str, default: str) -> list[int]:
    return [int(v.replace("_", "")) for v in os.environ.get(name, default).split(",") if v.strip()]


@dataclass
class Config:
    sizes: list[int] = field(default_factory=lambda: sorted(_ints("BENCH_SIZES", "10000,1000000")))
    seed: int = field(default_factory=lambda: int(os.environ.get("BENCH_SEED", "1")))
    requests: int = field(
        default_factory=lambda: max(200, int(os.environ.get("BENCH_REQUESTS", "250")))
    )
    wrk_seconds: int = field(default_factory=lambda: int(os.environ.get("BENCH_WRK_SECONDS", "10")))
    import_residents: int = field(
        default_factory=lambda: int(os.environ.get("BENCH_IMPORT_RESIDENTS", "100000"))
    )
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", ""))
    backends: list[str] = field(default_factory=list)
    only: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.backends:
            given = os.environ.get("BENCH_BACKENDS", "")
            if given:
                self.backends = [b.strip() for b in given.split(",") if b.strip()]
            else:
                self.backends = ["sqlite"] + (["postgresql"] if self.database_url else [])
        if "postgresql" in self.backends and not self.database_url:
            raise SystemExit("BENCH_BACKENDS names postgresql but DATABASE_URL is not set")
        if not self.only:
            given = os.environ.get("BENCH_ONLY", "")
            self.only = [b.strip() for b in given.split(",") if b.strip()] or list(BENCHMARKS)
        unknown = set(self.only) - set(BENCHMARKS)
        if unknown:
            raise SystemExit(f"BENCH_ONLY: unknown benchmark(s) {', '.join(sorted(unknown))}")
        if len(self.sizes) < 2 and "flatness" in self.only:
            raise SystemExit("BENCH_SIZES needs two sizes for flatness, e.g. 10000,1000000")

    @property
    def baseline_size(self) -> int:
        return self.sizes[0]

    @property
    def largest_size(self) -> int:
        return self.sizes[-1]


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of every process that opens a bench database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        SIXFOLD_PII_KEY=PII_KEY,
        SECRET_KEY=SECRET_KEY,
        SIXFOLD_VAR_DIR=str(VAR / "run"),
        BENCH_VAR_DIR=str(VAR),
        LOG_LEVEL="WARNING",
        DEBUG="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        **extra,
    )
    return env
