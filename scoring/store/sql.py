"""What the SQLite and PostgreSQL stores share: the statements (named ``:params``, valid in both) and every read.

A backend supplies three things: `_read(sql, params)` → rows, `_transaction()` → an `Execute` inside one
transaction, and `_ensure_schema(execute)` (its own DDL and migrations). Everything else (what a run writes, how
history, indicators and runs are read back) is written once here, so the two backends cannot drift apart.
"""

from __future__ import annotations

import json
import string
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import pandas as pd

from scoring.store.backend import (
    DEPARTMENT_COLUMNS,
    HISTORY_COLUMNS,
    INDICATOR_COLUMNS,
    LEVEL1_COLUMNS,
    RUN_COLUMNS,
    RunRecord,
    StoredRow,
)

Params = dict[str, Any]

INSERT_RUN = (
    "INSERT INTO runs (ruleset, ruleset_version, ruleset_fingerprint, stored_at, rows_read, rows_scored, "
    "rows_rejected, input_files) VALUES (:ruleset, :ruleset_version, :ruleset_fingerprint, :stored_at, "
    ":rows_read, :rows_scored, :rows_rejected, :input_files) RETURNING run_id"
)
UPSERT_RESULT = (
    "INSERT INTO results (ruleset, year, dept_code, dept_name, total, grade, n_projects, budget_final, spent, "
    "ruleset_version, ruleset_fingerprint, stored_at, run_id, trace, level1) VALUES (:ruleset, :year, :dept_code, "
    ":dept_name, :total, :grade, :n_projects, :budget_final, :spent, :ruleset_version, :ruleset_fingerprint, "
    ":stored_at, :run_id, :trace, :level1) "
    "ON CONFLICT (ruleset, year, dept_code) DO UPDATE SET dept_name=excluded.dept_name, total=excluded.total, "
    "grade=excluded.grade, n_projects=excluded.n_projects, budget_final=excluded.budget_final, "
    "spent=excluded.spent, ruleset_version=excluded.ruleset_version, "
    "ruleset_fingerprint=excluded.ruleset_fingerprint, stored_at=excluded.stored_at, run_id=excluded.run_id, "
    "trace=excluded.trace, level1=excluded.level1"
)
DELETE_INDICATORS = "DELETE FROM indicators WHERE ruleset = :ruleset AND year = :year AND dept_code = :dept_code"
_IND_STORED = INDICATOR_COLUMNS[:3] + INDICATOR_COLUMNS[4:]  # dept_name lives in results
INSERT_INDICATOR = (
    f"INSERT INTO indicators ({', '.join(_IND_STORED)}) VALUES (" + ", ".join(f":{c}" for c in _IND_STORED) + ")"
)
# A re-run replaces its predecessor's rows; the predecessor's run record then describes nothing and goes too.
PRUNE_RUNS = (
    "DELETE FROM runs WHERE run_id <> :run_id AND NOT EXISTS (SELECT 1 FROM results r WHERE r.run_id = runs.run_id)"
)


class Execute(Protocol):
    """Run one statement inside the open transaction: a dict runs once, a list of dicts runs as executemany."""

    def __call__(self, sql: str, params: Params | list[Params] | None = None) -> list[tuple[Any, ...]]: ...


def _where(years: Sequence[int] | None, ruleset: str | None, prefix: str = "") -> tuple[str, Params]:
    parts: list[str] = []
    params: Params = {}
    if years is not None:
        names = [f"y{i}" for i in range(len(years))]
        parts.append(f"{prefix}year IN ({', '.join(':' + n for n in names)})" if names else "1 = 0")
        params.update({n: int(y) for n, y in zip(names, years, strict=True)})
    if ruleset is not None:
        parts.append(f"{prefix}ruleset = :ruleset")
        params["ruleset"] = ruleset
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


class SqlStore(ABC):
    """The reads and the run write common to every SQL backend."""

    location: str

    @abstractmethod
    def _read(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Rows of one query on a store that exists (StoreError when it does not)."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Execute]:
        """One write transaction (committed on exit, rolled back on any exception)."""

    @abstractmethod
    def _ensure_schema(self, execute: Execute) -> None:
        """Create or migrate the tables, inside the write transaction."""

    @abstractmethod
    def exists(self) -> bool: ...

    def put(self, run: RunRecord, rows: Sequence[StoredRow]) -> None:
        with self._transaction() as execute:
            self._ensure_schema(execute)
            record = {
                "ruleset": run.ruleset,
                "ruleset_version": run.ruleset_version,
                "ruleset_fingerprint": run.ruleset_fingerprint,
                "stored_at": run.stored_at,
                "rows_read": run.rows_read,
                "rows_scored": run.rows_scored,
                "rows_rejected": run.rows_rejected,
                "input_files": json.dumps(dict(run.input_files), ensure_ascii=False),
            }
            run_id = execute(INSERT_RUN, record)[0][0]
            # Sorted keys: two concurrent runs replacing the same departments lock them in the same order
            # (PostgreSQL row locks), so one waits for the other instead of deadlocking.
            ordered = sorted(rows, key=lambda r: (r.year, r.dept_code))
            if ordered:
                execute(
                    UPSERT_RESULT,
                    [
                        {
                            **record,
                            "year": r.year,
                            "dept_code": r.dept_code,
                            "dept_name": r.dept_name,
                            "total": r.total,
                            "grade": r.grade,
                            "n_projects": r.n_projects,
                            "budget_final": r.budget_final,
                            "spent": r.spent,
                            "run_id": run_id,
                            "trace": r.trace,
                            "level1": json.dumps(dict(r.level1), ensure_ascii=False),
                        }
                        for r in ordered
                    ],
                )
                execute(
                    DELETE_INDICATORS,
                    [{"ruleset": run.ruleset, "year": r.year, "dept_code": r.dept_code} for r in ordered],
                )
                indicators = [
                    {
                        "ruleset": run.ruleset,
                        "year": r.year,
                        "dept_code": r.dept_code,
                        "project_code": i.project_code,
                        "pos": i.pos,
                        "indicator_id": i.indicator_id,
                        "name": i.name,
                        "level1": i.level1,
                        "unit": i.unit,
                        "comparator": i.comparator,
                        "direction": i.direction,
                        "qualitative": 1 if i.qualitative else 0,
                        "target": i.target,
                        "actual": i.actual,
                        "completion": i.completion,
                    }
                    for r in ordered
                    for i in r.indicators
                ]
                if indicators:
                    execute(INSERT_INDICATOR, indicators)
            execute(PRUNE_RUNS, {"run_id": run_id})

    def history(self, dept_code: str) -> pd.DataFrame:
        rows = self._read(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM results WHERE dept_code = :code ORDER BY year, ruleset",
            {"code": dept_code},
        )
        return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))

    def departments(self, year: int | None = None, ruleset: str | None = None) -> pd.DataFrame:
        cols = [
            c if c != "rank" else "RANK() OVER (PARTITION BY year, ruleset ORDER BY total DESC) AS rank"
            for c in DEPARTMENT_COLUMNS
        ]
        where, params = _where(None if year is None else [year], ruleset)
        rows = self._read(
            f"SELECT {', '.join(cols)} FROM results{where} ORDER BY year, ruleset, total DESC, dept_code", params
        )
        return pd.DataFrame(rows, columns=list(DEPARTMENT_COLUMNS))

    def indicators(self, years: Sequence[int] | None = None, ruleset: str | None = None) -> pd.DataFrame:
        where, params = _where(years, ruleset, "i.")
        cols = ", ".join("r.dept_name" if c == "dept_name" else f"i.{c}" for c in INDICATOR_COLUMNS)
        rows = self._read(
            f"SELECT {cols} FROM indicators i JOIN results r ON r.ruleset = i.ruleset AND "
            f"r.year = i.year AND r.dept_code = i.dept_code{where} "
            "ORDER BY i.year, i.ruleset, i.dept_code, i.pos",
            params,
        )
        out = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
        out["qualitative"] = out["qualitative"].astype(bool)
        for c in ("target", "actual", "completion"):
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
        return out

    def level1_scores(self, years: Sequence[int] | None = None, ruleset: str | None = None) -> pd.DataFrame:
        where, params = _where(years, ruleset)
        rows = self._read(
            f"SELECT ruleset, year, dept_code, level1 FROM results{where} ORDER BY year, ruleset, dept_code", params
        )
        flat = [
            (rs, y, code, name, float(score))
            for rs, y, code, text in rows
            for name, score in json.loads(text or "{}").items()
        ]
        return pd.DataFrame(flat, columns=list(LEVEL1_COLUMNS))

    def runs(self) -> pd.DataFrame:
        rows = self._read(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY run_id")
        out = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
        out["input_files"] = [json.loads(t or "{}") for t in out["input_files"]]
        return out

    def names(self) -> dict[str, str]:
        if not self.exists():
            return {}
        rows = self._read("SELECT dept_code, dept_name FROM results ORDER BY year, stored_at")
        return {str(c): str(n) for c, n in rows}

    def trace(self, ruleset: str, year: int, dept_code: str) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT trace FROM results WHERE ruleset = :ruleset AND year = :year AND dept_code = :code",
            {"ruleset": ruleset, "year": year, "code": dept_code},
        )
        if not rows:
            return None
        out: dict[str, Any] = json.loads(rows[0][0])
        return out


# The store's tables, written once for both backends; `schema(dialect)` fills in the types that differ.
_TYPES = {
    "sqlite": {"ID": "INTEGER PRIMARY KEY AUTOINCREMENT", "REF": "INTEGER", "FLOAT": "REAL"},
    "postgresql": {
        "ID": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "REF": "BIGINT",
        "FLOAT": "DOUBLE PRECISION",
    },
}
_RUNS = """CREATE TABLE IF NOT EXISTS runs (
        run_id $ID,
        ruleset TEXT NOT NULL,
        ruleset_version TEXT NOT NULL,
        ruleset_fingerprint TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_scored INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        input_files TEXT NOT NULL DEFAULT '{}'
    )"""
_RESULTS = """CREATE TABLE IF NOT EXISTS results (
        ruleset TEXT NOT NULL,
        year INTEGER NOT NULL,
        dept_code TEXT NOT NULL,
        dept_name TEXT NOT NULL,
        total $FLOAT NOT NULL,
        grade TEXT NOT NULL,
        n_projects INTEGER NOT NULL,
        budget_final $FLOAT,
        spent $FLOAT,
        ruleset_version TEXT NOT NULL,
        ruleset_fingerprint TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        run_id $REF NOT NULL REFERENCES runs (run_id),
        trace TEXT NOT NULL,
        level1 TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (ruleset, year, dept_code)
    )"""
_INDICATORS = """CREATE TABLE IF NOT EXISTS indicators (
        ruleset TEXT NOT NULL,
        year INTEGER NOT NULL,
        dept_code TEXT NOT NULL,
        project_code TEXT NOT NULL,
        pos INTEGER NOT NULL,
        indicator_id TEXT NOT NULL,
        name TEXT NOT NULL,
        level1 TEXT NOT NULL,
        unit TEXT NOT NULL,
        comparator TEXT NOT NULL,
        direction TEXT NOT NULL,
        qualitative INTEGER NOT NULL,
        target $FLOAT,
        actual $FLOAT,
        completion $FLOAT,
        PRIMARY KEY (ruleset, year, dept_code, pos)
    )"""
_SCHEMA = (
    _RUNS,
    _RESULTS,
    _INDICATORS,
    "CREATE INDEX IF NOT EXISTS results_by_dept ON results (dept_code)",
    "CREATE INDEX IF NOT EXISTS indicators_by_id ON indicators (indicator_id, year)",
)


def schema(dialect: str) -> tuple[str, ...]:
    """CREATE statements of the store's tables and indexes for `dialect` ("sqlite" or "postgresql")."""
    return tuple(string.Template(ddl).substitute(_TYPES[dialect]) for ddl in _SCHEMA)
