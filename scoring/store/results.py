"""Keep scored results per fiscal year, so a department's totals can be followed across years and rulesets.

Layout under a store root:

    ROOT/index.sqlite                              one row per (year, ruleset, department)
    ROOT/<year>/<ruleset>/departments.csv          every stored department of that year and ruleset
    ROOT/<year>/<ruleset>/<dept_code>.json         the department's JSON trace (see `scoring.model.trace`)

Storing the same (year, ruleset name, department) again replaces its index row, CSV row and trace
file; it never adds a second one. The ruleset version and fingerprint are recorded with each row, so
the history shows which version of a ruleset produced a score.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd

from scoring.core.errors import PerfscoreError, did_you_mean
from scoring.core.frames import iter_rows
from scoring.model.run import Run
from scoring.model.trace import trace

INDEX_FILE = "index.sqlite"
DEPARTMENTS_FILE = "departments.csv"
DEPARTMENT_COLUMNS = ("dept_code", "dept_name", "year", "total", "grade", "status", "rank", "n_projects",
                      "budget_final", "spent", "ruleset_version", "ruleset_fingerprint", "stored_at")
# Read back as text: a version like "2020.10" must not become the number 2020.1, nor a code lose its zeros.
TEXT_COLUMNS = ("dept_code", "dept_name", "grade", "status", "ruleset_version", "ruleset_fingerprint", "stored_at")
HISTORY_COLUMNS = ("year", "ruleset", "ruleset_version", "ruleset_fingerprint", "dept_code", "dept_name", "total",
                   "grade", "n_projects", "trace", "stored_at")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    year INTEGER NOT NULL,
    ruleset TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_fingerprint TEXT NOT NULL,
    dept_code TEXT NOT NULL,
    dept_name TEXT NOT NULL,
    total REAL NOT NULL,
    grade TEXT NOT NULL,
    n_projects INTEGER NOT NULL,
    trace TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (year, ruleset, dept_code)
)
"""
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


class StoreError(PerfscoreError):
    """The store directory cannot be used, or holds nothing for what was asked."""


@dataclass(frozen=True, slots=True)
class Stored:
    """One department result written to the store."""

    year: int
    ruleset: str
    dept_code: str
    trace: Path


def _safe(name: str) -> str:
    """A file-name-safe form of a ruleset name or department code."""
    return _UNSAFE.sub("_", name).strip("._") or "_"


@contextmanager
def _index(root: Path) -> Iterator[sqlite3.Connection]:
    root.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(root / INDEX_FILE)) as con, con:
            con.execute(_SCHEMA)
            yield con
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"存储目录 {root} 中的索引 {INDEX_FILE} 无法读取：{exc}") from exc


def _department_trace(full: dict[str, Any], dept_code: str, files: set[str]) -> dict[str, Any]:
    """The run's trace cut down to one department; rejections go with the department whose files they are in."""
    own = {k: [r for r in full[k] if str(r.get("dept_code")) == dept_code]
           for k in ("departments", "projects", "items", "checks", "findings")}
    rejections = [r for r in full["rejections"] if r["file"] in files] or (
        [] if files else list(full["rejections"]))
    return {"ruleset": full["ruleset"], "counts": full["counts"], **own, "rejections": rejections}


def _source_files(run: Run, dept_code: str) -> set[str]:
    ds = run.dataset
    files: set[str] = set()
    for frame in (ds.departments, ds.budget, ds.projects, ds.indicators):
        if "_file" in frame and "dept_code" in frame:
            files |= {str(f) for f in frame.loc[frame["dept_code"] == dept_code, "_file"].dropna()}
    return files


def read_departments_csv(path: Path) -> pd.DataFrame:
    """A stored departments.csv (DEPARTMENT_COLUMNS) with codes, versions and names kept as text."""
    return pd.read_csv(path, dtype=dict.fromkeys(TEXT_COLUMNS, str), encoding="utf-8")


def _write_departments_csv(path: Path, fresh: pd.DataFrame) -> None:
    """Merge into departments.csv: rows for the departments just scored replace the old ones."""
    if path.exists():
        old = read_departments_csv(path)
        old = old[~old["dept_code"].isin(fresh["dept_code"])]
        merged = pd.concat([old, fresh], ignore_index=True) if len(old) else fresh
    else:
        merged = fresh
    merged = merged.sort_values(["total", "dept_code"], ascending=[False, True], kind="stable")
    merged["rank"] = merged["total"].rank(ascending=False, method="min").astype(int)
    merged[list(DEPARTMENT_COLUMNS)].to_csv(path, index=False, encoding="utf-8")


def store_run(run: Run, root: Path, *, now: datetime | None = None) -> list[Stored]:
    """Write every department of `run` to the store under its own fiscal year; replace earlier copies."""
    rs = run.ruleset
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    full = trace(run)
    deps = run.result.departments.copy()
    deps["dept_code"] = deps["dept_code"].astype(str)
    deps["year"] = deps["year"].astype(int)
    stored: list[Stored] = []
    with _index(root) as con:
        for year_key, group in deps.groupby("year", sort=True):
            year = int(cast(Any, year_key))
            folder = root / str(year) / _safe(rs.name)
            folder.mkdir(parents=True, exist_ok=True)
            fresh = group.assign(ruleset_version=rs.version, ruleset_fingerprint=rs.fingerprint, stored_at=stamp)
            for col in DEPARTMENT_COLUMNS:
                if col not in fresh:
                    fresh[col] = None
            _write_departments_csv(folder / DEPARTMENTS_FILE, fresh[list(DEPARTMENT_COLUMNS)])
            for d in iter_rows(group):
                code = str(d.dept_code)
                path = folder / f"{_safe(code)}.json"
                body = _department_trace(full, code, _source_files(run, code))
                path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                rel = path.relative_to(root).as_posix()
                con.execute(
                    "INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (year, ruleset, dept_code) DO UPDATE SET "
                    "ruleset_version=excluded.ruleset_version, ruleset_fingerprint=excluded.ruleset_fingerprint, "
                    "dept_name=excluded.dept_name, total=excluded.total, grade=excluded.grade, "
                    "n_projects=excluded.n_projects, trace=excluded.trace, stored_at=excluded.stored_at",
                    (year, rs.name, rs.version, rs.fingerprint, code, str(d.dept_name), float(d.total),
                     str(d.grade), int(d.n_projects), rel, stamp))
                stored.append(Stored(year, rs.name, code, path))
    return stored


def history(root: Path, dept_code: str) -> pd.DataFrame:
    """A department's stored results (HISTORY_COLUMNS), by year then ruleset; empty if none."""
    if not (root / INDEX_FILE).exists():
        raise StoreError(f"{root} 不是 perfscore 存储目录（缺少 {INDEX_FILE}）")
    with _index(root) as con:
        rows = con.execute(f"SELECT {', '.join(HISTORY_COLUMNS)} FROM results WHERE dept_code = ? "
                           "ORDER BY year, ruleset", (dept_code,)).fetchall()
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def known_departments(root: Path) -> dict[str, str]:
    """dept_code → latest dept_name of every stored department (for 'did you mean' hints)."""
    if not (root / INDEX_FILE).exists():
        return {}
    with _index(root) as con:
        rows = con.execute("SELECT dept_code, dept_name FROM results ORDER BY year").fetchall()
    return {str(c): str(n) for c, n in rows}


def resolve_department(root: Path, wanted: str) -> str:
    """Accept a stored department code or exact name; otherwise raise with the closest matches."""
    known = known_departments(root)
    if wanted in known:
        return wanted
    by_name = [c for c, n in known.items() if n == wanted]
    if len(by_name) == 1:
        return by_name[0]
    hint = did_you_mean(wanted, [*known, *known.values()])
    raise StoreError(f"存储目录 {root} 中没有部门「{wanted}」的记录" + (f"（{hint}）" if hint else ""))
