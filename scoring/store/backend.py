"""The results-store interface: what a run writes and what history and export read, whatever the database.

`open_store` picks the backend from the location: a local folder is a SQLite store (`scoring.store.sqlite`);
a ``postgresql://user@/db?host=/socket/dir`` URL is a PostgreSQL store shared by several analysts
(`scoring.store.postgres`, through SQLAlchemy). Any other URL is refused with a clear message rather than
created as a folder named "mysql:". Both backends share their queries (`scoring.store.sql`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from scoring.core.errors import (
    StoreError as StoreError,
)  # defined with the other error classes; the store modules import it from here

# Columns of ResultStore.history and ResultStore.departments; the departments export adds rank.
HISTORY_COLUMNS = (
    "year",
    "ruleset",
    "ruleset_version",
    "ruleset_fingerprint",
    "dept_code",
    "dept_name",
    "total",
    "grade",
    "n_projects",
    "stored_at",
)
DEPARTMENT_COLUMNS = (
    "year",
    "ruleset",
    "dept_code",
    "dept_name",
    "total",
    "grade",
    "rank",
    "n_projects",
    "budget_final",
    "spent",
    "ruleset_version",
    "ruleset_fingerprint",
    "stored_at",
)
# Columns of ResultStore.indicators: one row per scored indicator of a stored department (pos keeps the order).
INDICATOR_COLUMNS = (
    "ruleset",
    "year",
    "dept_code",
    "dept_name",
    "project_code",
    "pos",
    "indicator_id",
    "name",
    "level1",
    "unit",
    "comparator",
    "direction",
    "qualitative",
    "target",
    "actual",
    "completion",
)
# Columns of ResultStore.level1_scores: a department's score under each 一级指标 (they add up to its total).
LEVEL1_COLUMNS = ("ruleset", "year", "dept_code", "level1", "score")
# Columns of ResultStore.runs; input_files is {path: sha256} of every file the run read.
RUN_COLUMNS = (
    "run_id",
    "ruleset",
    "ruleset_version",
    "ruleset_fingerprint",
    "stored_at",
    "rows_read",
    "rows_scored",
    "rows_rejected",
    "input_files",
)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One scoring run as the store records it."""

    ruleset: str
    ruleset_version: str
    ruleset_fingerprint: str
    stored_at: str
    rows_read: int
    rows_scored: int
    rows_rejected: int
    input_files: tuple[tuple[str, str], ...] = ()  # (path, sha256 of its bytes) of every file read


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One scored indicator of a stored department: enough for history and target advice."""

    project_code: str
    pos: int
    indicator_id: str
    name: str
    level1: str
    unit: str
    comparator: str
    direction: str  # higher | lower
    qualitative: bool
    target: float | None
    actual: float | None
    completion: float | None


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One department's result; (ruleset, year, dept_code) is its key, so storing it again replaces it."""

    year: int
    dept_code: str
    dept_name: str
    total: float
    grade: str
    n_projects: int
    budget_final: float | None
    spent: float | None
    trace: str  # the department's JSON trace (see scoring.model.trace)
    level1: tuple[tuple[str, float], ...] = ()  # (一级指标, score), adding up to total
    indicators: tuple[IndicatorRow, ...] = ()


class ResultStore(Protocol):
    """A results store: `put` is all-or-nothing; readers never see half a run."""

    location: str

    def put(self, run: RunRecord, rows: Sequence[StoredRow]) -> None:
        """Store every row of one run in one transaction, replacing rows with the same key."""
        ...

    def history(self, dept_code: str) -> pd.DataFrame:
        """The department's rows (HISTORY_COLUMNS) by year, then ruleset."""
        ...

    def departments(self, year: int | None = None, ruleset: str | None = None) -> pd.DataFrame:
        """Stored departments (DEPARTMENT_COLUMNS), ranked within each year and ruleset."""
        ...

    def indicators(self, years: Sequence[int] | None = None, ruleset: str | None = None) -> pd.DataFrame:
        """Stored indicators (INDICATOR_COLUMNS) of the given years (all when None), in stored order."""
        ...

    def level1_scores(self, years: Sequence[int] | None = None, ruleset: str | None = None) -> pd.DataFrame:
        """Each stored department's per-一级 scores (LEVEL1_COLUMNS)."""
        ...

    def runs(self) -> pd.DataFrame:
        """The runs whose rows are still stored (RUN_COLUMNS), oldest first; a re-run replaced its predecessor."""
        ...

    def names(self) -> dict[str, str]:
        """dept_code → latest dept_name of every stored department."""
        ...

    def trace(self, ruleset: str, year: int, dept_code: str) -> dict[str, Any] | None:
        """A stored department's JSON trace, or None."""
        ...

    def exists(self) -> bool:
        """Whether anything was ever stored here."""
        ...

    def check(self) -> None:
        """Raise StoreError now if a run could not be stored here (called before scoring, to fail fast)."""
        ...
