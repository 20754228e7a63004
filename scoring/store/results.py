"""Keep scored results per fiscal year, so a department's totals can be followed across years and rulesets.

`store_run` turns a run into one `StoredRow` per department (with the department's JSON trace) and hands them
to the store in one transaction (`scoring.store.backend.ResultStore`; a folder is a SQLite store, see
`scoring.store.sqlite`). Storing the same (ruleset, year, department code) again replaces its row; it never adds
a second one. The ruleset version and fingerprint are recorded with each row, so the history shows which
version of a ruleset produced a score. Each run is recorded with the sha256 of every input file it read, and
each department with its per-一级 scores and per-indicator completion (for `scoring.store.yearly` and
`scoring.store.advice`). `export_csv` writes the stored departments as CSV on demand.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.core import atomic
from scoring.core.errors import did_you_mean
from scoring.core.escape import csv_cell
from scoring.core.frames import iter_rows
from scoring.model.run import Run
from scoring.model.trace import trace
from scoring.store.backend import (
    DEPARTMENT_COLUMNS,
    HISTORY_COLUMNS,
    IndicatorRow,
    RunRecord,
    StoredRow,
    StoreError,
)
from scoring.store.location import open_store

__all__ = [
    "DEPARTMENT_COLUMNS",
    "HISTORY_COLUMNS",
    "StoreError",
    "StoredRow",
    "export_csv",
    "history",
    "known_departments",
    "resolve_department",
    "store_run",
    "stored_trace",
]

_PER_DEPT = ("departments", "projects", "items", "checks", "findings")

_STORED_PLACES = 6  # per-一级 points are stored to a millionth of a point: storage, not a comparison


def _by_dept(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[str(r.get("dept_code"))].append(r)
    return out


def _source_files(run: Run) -> dict[str, set[str]]:
    """dept_code → the input files its rows came from (rejections are filed with the department whose file it is)."""
    ds = run.dataset
    files: dict[str, set[str]] = defaultdict(set)
    for frame in (ds.departments, ds.budget, ds.projects, ds.indicators):
        if "_file" in frame and "dept_code" in frame:
            for code, f in zip(frame["dept_code"].astype(str), frame["_file"], strict=True):
                if isinstance(f, str | Path):
                    files[code].add(str(f))
    return files


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def input_hashes(run: Run) -> tuple[tuple[str, str], ...]:
    """(path, sha256) of every input file the run read, sorted by path; a file gone since is left out."""
    paths = sorted(
        {f for fs in _source_files(run).values() for f in fs}
        | {str(r.source.file) for r in run.dataset.rejections if hasattr(r, "source")}
    )
    out = []
    for path in paths:
        try:
            out.append((path, hashlib.sha256(Path(path).read_bytes()).hexdigest()))
        except OSError:
            continue
    return tuple(out)


def level1_scores(run: Run) -> dict[str, dict[str, float]]:
    """dept_code → {一级指标: score}, the department total split by 一级 so the parts add up to it.

    A project's 一级 points are scaled like its total (redistributed weight); a department of projects takes the
    same budget-weighted mean of its projects as its total does (`scoring.pipeline.score._department_totals`).
    """
    items = run.result.items
    if not len(items):
        return {}
    pts = items.groupby(["dept_code", "project_code", "level1"], sort=False)["points"].sum().reset_index()
    projects = run.result.projects
    if run.ruleset.scope == "project" and len(projects):
        pr = projects[["dept_code", "project_code", "total", "points", "budget_final"]].copy()
        pr["w"] = pr["budget_final"].fillna(0)
        pr["w"] = pr["w"].where(pr.groupby("dept_code")["w"].transform("sum") > 0, 1.0)
        pr["scale"] = (pr["total"] / pr["points"].where(pr["points"] > 0)).fillna(0.0)
        pr["share"] = pr["w"] / pr.groupby("dept_code")["w"].transform("sum")
        pts = pts.merge(pr[["dept_code", "project_code", "scale", "share"]], on=["dept_code", "project_code"])
        pts["points"] = pts["points"] * pts["scale"] * pts["share"]
    sums = pts.groupby(["dept_code", "level1"], sort=False)["points"].sum().reset_index()
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in iter_rows(sums):
        out[str(r.dept_code)][str(r.level1)] = round(float(r.points), _STORED_PLACES)
    return out


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def indicator_rows(run: Run) -> dict[str, tuple[IndicatorRow, ...]]:
    """dept_code → its scored indicators (target, actual, completion), in the run's order."""
    items = run.result.items
    if not len(items):
        return {}
    # Column-wise (one list per column, then zip): a run of hundreds of departments has thousands of rows.
    texts = {
        c: [_text(v) for v in (items[c] if c in items else [""] * len(items))]
        for c in ("dept_code", "project_code", "indicator_id", "name", "level1", "unit", "comparator", "direction")
    }
    nums = {c: [_number(v) for v in items[c]] for c in ("target", "actual", "completion")}
    qual = [v is True or v is np.True_ for v in items["qualitative"]]
    out: dict[str, list[IndicatorRow]] = defaultdict(list)
    for i, code in enumerate(texts["dept_code"]):
        out[code].append(
            IndicatorRow(
                project_code=texts["project_code"][i],
                pos=len(out[code]),
                indicator_id=texts["indicator_id"][i],
                name=texts["name"][i],
                level1=texts["level1"][i],
                unit=texts["unit"][i],
                comparator=texts["comparator"][i],
                direction=texts["direction"][i] or "higher",
                qualitative=qual[i],
                target=nums["target"][i],
                actual=nums["actual"][i],
                completion=nums["completion"][i],
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def _rows(run: Run) -> list[StoredRow]:
    """One StoredRow per scored department, each with the run's trace cut down to that department."""
    full = trace(run)
    grouped = {k: _by_dept(full[k]) for k in _PER_DEPT}
    files = _source_files(run)
    levels = level1_scores(run)
    indicators = indicator_rows(run)
    rows = []
    for d in iter_rows(run.result.departments):
        code = str(d.dept_code)
        own = files.get(code, set())
        rejections = [r for r in full["rejections"] if r["file"] in own] or ([] if own else full["rejections"])
        body = {
            "ruleset": full["ruleset"],
            "counts": full["counts"],
            **{k: grouped[k].get(code, []) for k in _PER_DEPT},
            "rejections": rejections,
        }
        rows.append(
            StoredRow(
                year=int(d.year),
                dept_code=code,
                dept_name=str(d.dept_name),
                total=float(d.total),
                grade=str(d.grade),
                n_projects=int(d.n_projects),
                budget_final=_number(getattr(d, "budget_final", None)),
                spent=_number(getattr(d, "spent", None)),
                trace=json.dumps(body, ensure_ascii=False),
                level1=tuple(levels.get(code, {}).items()),
                indicators=indicators.get(code, ()),
            )
        )
    return rows


def store_run(run: Run, location: str | Path, *, now: datetime | None = None) -> list[StoredRow]:
    """Store every department of `run` under its own fiscal year in one transaction; replace earlier copies."""
    rs = run.ruleset
    read, scored, rejected = run.counts
    record = RunRecord(
        ruleset=rs.name,
        ruleset_version=str(rs.version),
        ruleset_fingerprint=rs.fingerprint,
        stored_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        rows_read=read,
        rows_scored=scored,
        rows_rejected=rejected,
        input_files=input_hashes(run),
    )
    rows = _rows(run)
    open_store(location).put(record, rows)
    return rows


def history(location: str | Path, dept_code: str) -> pd.DataFrame:
    """A department's stored results (HISTORY_COLUMNS), by year then ruleset; empty if none."""
    return open_store(location).history(dept_code)


def stored_trace(location: str | Path, ruleset: str, year: int, dept_code: str) -> dict[str, Any] | None:
    """The JSON trace stored for one department, or None."""
    return open_store(location).trace(ruleset, year, dept_code)


def export_csv(location: str | Path, out: Path, *, year: int | None = None, ruleset: str | None = None) -> int:
    """Write the stored departments (DEPARTMENT_COLUMNS, ranked per year and ruleset) to `out`; the row count.

    Text cells that would start a spreadsheet formula (= + - @) get a leading ' so Excel shows them as text.
    UTF-8 with a BOM, so Excel opens the Chinese names correctly.
    """
    store = open_store(location)
    if not store.exists():
        raise StoreError(f"{location} 不是 perfscore 存储目录（还没有存入过结果）")
    frame = store.departments(year, ruleset)
    safe = frame.astype(object).map(csv_cell)
    atomic.write_text(out, safe.to_csv(index=False, lineterminator="\r\n"), encoding="utf-8-sig")
    return len(frame)


def known_departments(location: str | Path) -> dict[str, str]:
    """dept_code → latest dept_name of every stored department (for 'did you mean' hints)."""
    return open_store(location).names()


def resolve_department(location: str | Path, wanted: str) -> str:
    """Accept a stored department code or exact name; otherwise raise with the closest matches."""
    store = open_store(location)
    if not store.exists():
        raise StoreError(f"{location} 不是 perfscore 存储目录（还没有存入过结果）")
    known = store.names()
    if wanted in known:
        return wanted
    by_name = [c for c, n in known.items() if n == wanted]
    if len(by_name) == 1:
        return by_name[0]
    hint = did_you_mean(wanted, [*known, *known.values()])
    raise StoreError(f"存储目录 {location} 中没有部门「{wanted}」的记录" + (f"（{hint}）" if hint else ""))
