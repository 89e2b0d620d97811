"""The bench cities: generated once per backend, size, seed and generator version, then kept.

SQLite: `var/bench/sqlite/city-<size>-s<seed>.sqlite3`, with a JSON marker beside it written only
after the generation succeeded. PostgreSQL: database `sixfold_bench_<size>_s<seed>` on the server
DATABASE_URL names, its marker in the database's comment. A missing or different marker means the
city is (re)generated; schema changes are not a reason to regenerate — every run applies pending
migrations to the kept databases, as an upgrade would.

The generator version is a digest of the generator's code as parsed (comments, docstrings and
formatting do not count), so editing prose never costs a million-household regeneration.
"""

import ast
import datetime as dt
import hashlib
import json
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit, urlunsplit

from .config import PII_KEY, PYTHON, ROOT, VAR, child_env

GENERATOR_SOURCES = (
    "sixfold/core/city.py",
    "sixfold/core/demo.py",
    "sixfold/core/idcard.py",
    "sixfold/core/pii.py",
    "sixfold/core/management/commands/generate_city.py",
)


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(getattr(body[0], "value", None), ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def generator_version() -> str:
    digest = hashlib.sha256(PII_KEY.encode())
    for name in GENERATOR_SOURCES:
        tree = _without_docstrings(ast.parse((ROOT / name).read_text()))
        digest.update(name.encode())
        digest.update(ast.dump(tree).encode())
    return digest.hexdigest()[:16]


@dataclass
class Dataset:
    """One bench city: where it is and how it came to be."""

    backend: str
    households: int
    seed: int
    url: str
    version: str
    cached: bool = False
    generation_seconds: float | None = None
    generator_cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    generated_at: str = ""
    summary: str = ""

    @property
    def key(self) -> str:
        return f"{self.backend}-{self.households}-s{self.seed}"

    def marker(self) -> dict:
        data = asdict(self)
        data.pop("cached")
        data.pop("url")
        return data


# What a marker remembers of the generation that made its city.
KEPT = ("generation_seconds", "generator_cpu_seconds", "peak_rss_mb", "generated_at", "summary")


def _sixfold(args: list[str], url: str, *, echo: bool = False) -> str:
    """Run the `sixfold` command against a bench database; with `echo`, show its output live."""
    command = [PYTHON, "-m", "sixfold.manage", *args]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=child_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if echo:
            sys.stdout.write("    " + line)
            sys.stdout.flush()
    if process.wait():
        raise SystemExit(f"sixfold {' '.join(args)} failed:\n{''.join(lines[-30:])}")
    return "".join(lines)


def _generate(dataset: Dataset) -> None:
    _sixfold(["migrate", "--noinput", "-v", "0"], dataset.url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    output = _sixfold(
        ["generate_city", "--households", str(dataset.households), "--seed", str(dataset.seed)],
        dataset.url,
        echo=True,
    )
    dataset.generation_seconds = round(time.perf_counter() - started, 1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The generator's own CPU time: on a busy machine it says more than the wall clock.
    dataset.generator_cpu_seconds = round(
        after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1
    )
    # The largest child so far is the generator (migrate is far smaller); kilobytes on Linux.
    dataset.peak_rss_mb = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    dataset.generated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    dataset.summary = output.strip().splitlines()[-1] if output.strip() else ""


# --- SQLite ----------------------------------------------------------------------------------------
def _sqlite(households: int, seed: int, version: str) -> Dataset:
    folder = VAR / "sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"city-{households}-s{seed}.sqlite3"
    marker_path = path.with_suffix(".json")
    dataset = Dataset("sqlite", households, seed, f"sqlite:///{path}", version)
    if path.exists() and marker_path.exists():
        kept = json.loads(marker_path.read_text())
        if kept.get("version") == version:
            for name in KEPT:
                setattr(dataset, name, kept.get(name))
            dataset.cached = True
            _sixfold(["migrate", "--noinput", "-v", "0"], dataset.url)
            return dataset
    for stale in (marker_path, path, *folder.glob(path.name + "*")):
        stale.unlink(missing_ok=True)
    # Generate under another name: a run cut short never leaves a file that looks finished.
    partial = path.with_name(path.name + ".partial")
    dataset.url = f"sqlite:///{partial}"
    _generate(dataset)
    partial.rename(path)
    dataset.url = f"sqlite:///{path}"
    marker_path.write_text(json.dumps(dataset.marker(), ensure_ascii=False, indent=1))
    return dataset


# --- PostgreSQL ------------------------------------------------------------------------------------
def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def _postgresql(server_url: str, households: int, seed: int, version: str) -> Dataset:
    from psycopg import sql

    name = f"sixfold_bench_{households}_s{seed}"
    dataset = Dataset("postgresql", households, seed, _with_database(server_url, name), version)
    with _admin(server_url) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None:
            try:
                kept = json.loads(row[0] or "{}")
            except json.JSONDecodeError:
                kept = {}
            if kept.get("version") == version:
                for name in KEPT:
                    setattr(dataset, name, kept.get(name))
                dataset.cached = True
                _sixfold(["migrate", "--noinput", "-v", "0"], dataset.url)
                return dataset
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    _generate(dataset)
    with _admin(dataset.url) as database:
        # What autovacuum does soon after a bulk load: the visibility map lets the list's
        # COUNT(*) answer from the index alone. Done before the marker, so a kept city has it.
        database.execute("VACUUM (ANALYZE)")
    with _admin(server_url) as admin:
        comment = json.dumps(dataset.marker(), ensure_ascii=False)
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(comment)
            )
        )
    return dataset


def tidy(dataset: Dataset) -> None:
    """After a benchmark that wrote and rolled back (the import): on PostgreSQL the rolled-back
    rows stay behind as dead tuples and clear pages' all-visible bits, which would slow the next
    run's counts; vacuum them now rather than whenever autovacuum comes by. SQLite's rollback
    leaves nothing behind."""
    if dataset.backend == "postgresql":
        with _admin(dataset.url) as database:
            database.execute("VACUUM (ANALYZE)")


def ensure(backend: str, households: int, seed: int, server_url: str = "") -> Dataset:
    """The bench city for `backend` and size, generated now if not kept from an earlier run."""
    version = generator_version()
    if backend == "sqlite":
        return _sqlite(households, seed, version)
    if backend == "postgresql":
        return _postgresql(server_url, households, seed, version)
    raise SystemExit(f"unknown backend {backend!r}")


def server_version(dataset: Dataset) -> str:
    if dataset.backend != "postgresql":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with _admin(dataset.url) as database:
        return database.execute("SHOW server_version").fetchone()[0]


__all__ = ["Dataset", "ensure", "generator_version", "server_version", "tidy"]
