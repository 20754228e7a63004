"""The results-store interface: what a run writes and what history and export read, whatever the database.

`open_store` picks the backend from the location: a local folder is a SQLite store (`scoring.store.sqlite`).
A database URL (``postgresql://…``) is the place for a SQLAlchemy backend implementing `ResultStore`; until
one exists such a URL is refused with a clear message rather than created as a folder named "postgresql:".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from scoring.core.errors import PerfscoreError

# Columns of ResultStore.history and ResultStore.departments; the departments export adds rank.
HISTORY_COLUMNS = ("year", "ruleset", "ruleset_version", "ruleset_fingerprint", "dept_code", "dept_name", "total",
                   "grade", "n_projects", "stored_at")
DEPARTMENT_COLUMNS = ("year", "ruleset", "dept_code", "dept_name", "total", "grade", "rank", "n_projects",
                      "budget_final", "spent", "ruleset_version", "ruleset_fingerprint", "stored_at")


class StoreError(PerfscoreError):
    """The store cannot be used, or holds nothing for what was asked."""


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


def open_store(location: str | Path) -> ResultStore:
    """The store at `location`: a folder (SQLite, created on first write) or, later, a database URL."""
    text = str(location)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(f"暂不支持 {scheme}:// 存储地址，--store 目前只接受本地文件夹（SQLite）"
                         f" / only a local folder is supported as a store for now")
    from scoring.store.sqlite import SqliteStore

    return SqliteStore(Path(location))
