"""The SQLite results store: one database file per store folder, WAL journal, one transaction per run.

    ROOT/index.sqlite      tables runs (one row per stored run) and results (one row per ruleset, year, department)

Why this shape: a run killed at any instant (kill -9, power cut) must leave the store exactly as it was before or
after that run, and two analysts storing into one folder at once must both keep every row. SQLite gives both:
each run's rows are written inside one ``BEGIN IMMEDIATE`` … ``COMMIT``; WAL lets history and export read while
a run writes; the busy timeout makes a second writer wait for the first instead of failing. Nothing else is
written into the folder (CSV is exported on demand, see `scoring.store.results.export_csv`).

WAL needs shared memory between the processes, so the store folder must be on a local disk of the machine the
analysts run perfscore on, not on a network share; a store shared between machines is what the PostgreSQL
backend (see `scoring.store.backend.open_store`) is for.

Department codes are stored as text in the key, so ``X/1`` and ``X_1`` are different departments (they used
to share one sanitised trace file name).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.store.backend import DEPARTMENT_COLUMNS, HISTORY_COLUMNS, RunRecord, StoredRow, StoreError

DB_FILE = "index.sqlite"
SCHEMA_VERSION = 2
# A concurrent run holds the write lock only while it inserts its rows (well under a second for hundreds of
# departments); waiting up to two minutes rides out a slow disk without ever failing an analyst's run.
BUSY_TIMEOUT_S = 120.0

_TABLES = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT,
        ruleset TEXT NOT NULL,
        ruleset_version TEXT NOT NULL,
        ruleset_fingerprint TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_scored INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS results (
        ruleset TEXT NOT NULL,
        year INTEGER NOT NULL,
        dept_code TEXT NOT NULL,
        dept_name TEXT NOT NULL,
        total REAL NOT NULL,
        grade TEXT NOT NULL,
        n_projects INTEGER NOT NULL,
        budget_final REAL,
        spent REAL,
        ruleset_version TEXT NOT NULL,
        ruleset_fingerprint TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (run_id),
        trace TEXT NOT NULL,
        PRIMARY KEY (ruleset, year, dept_code)
    )""",
    "CREATE INDEX IF NOT EXISTS results_by_dept ON results (dept_code)",
)
_UPSERT = (
    "INSERT INTO results (ruleset, year, dept_code, dept_name, total, grade, n_projects, budget_final, spent, "
    "ruleset_version, ruleset_fingerprint, stored_at, run_id, trace) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (ruleset, year, dept_code) DO UPDATE SET dept_name=excluded.dept_name, total=excluded.total, "
    "grade=excluded.grade, n_projects=excluded.n_projects, budget_final=excluded.budget_final, "
    "spent=excluded.spent, ruleset_version=excluded.ruleset_version, "
    "ruleset_fingerprint=excluded.ruleset_fingerprint, stored_at=excluded.stored_at, run_id=excluded.run_id, "
    "trace=excluded.trace"
)


class SqliteStore:
    """A store folder holding one SQLite database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)
        self.path = root / DB_FILE

    def exists(self) -> bool:
        return self.path.is_file()

    def _check_folder(self, create: bool) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"--store {self.root} 是一个文件，不是存储文件夹；请给出一个文件夹（不存在时自动创建）"
                             f" / --store must be a folder, not a file")
        if create:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建存储文件夹 {self.root}：{exc.strerror or exc}"
                                 f" / cannot create the store folder") from exc
        elif not self.exists():
            raise StoreError(f"{self.root} 不是 perfscore 存储目录（缺少 {DB_FILE}）")

    @contextmanager
    def _connect(self, *, create: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (transactions are explicit); SQLite errors become StoreError."""
        self._check_folder(create)
        try:
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as con:
                con.execute("PRAGMA journal_mode=WAL")
                # FULL: a committed run survives a power cut too, not only a killed process.
                con.execute("PRAGMA synchronous=FULL")
                yield con
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"存储 {self.path} 被其他运行占用超过 {BUSY_TIMEOUT_S:.0f} 秒，请稍后重试"
                                 f" / the store stayed locked by another run") from exc
            raise StoreError(f"无法使用存储 {self.path}：{exc} / cannot use the store") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"存储 {self.path} 不是有效的 perfscore 数据库：{exc}"
                             f" / not a perfscore store database") from exc

    def _ensure_schema(self, con: sqlite3.Connection) -> None:
        """Create the tables, or migrate a version-1 store (trace paths to JSON files) in place; inside a transaction."""
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"存储 {self.path} 由更新版本的 perfscore 写入（结构版本 {version}），请升级 perfscore")
        if version == SCHEMA_VERSION:
            return
        old = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='results'").fetchone()
        if old:
            con.execute("ALTER TABLE results RENAME TO results_v1")
        for ddl in _TABLES:
            con.execute(ddl)
        if old:
            self._migrate_v1(con)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate_v1(self, con: sqlite3.Connection) -> None:
        """Version 1 kept each trace in ROOT/<year>/<ruleset>/<code>.json; fold them into the database."""
        rows = con.execute("SELECT year, ruleset, ruleset_version, ruleset_fingerprint, dept_code, dept_name, total, "
                           "grade, n_projects, trace, stored_at FROM results_v1").fetchall()
        run_id = con.execute(
            "INSERT INTO runs (ruleset, ruleset_version, ruleset_fingerprint, stored_at, rows_read, rows_scored, "
            "rows_rejected) VALUES ('(migrated)', '', '', '', 0, 0, 0)").lastrowid
        for year, rs, version, fp, code, name, total, grade, n_proj, rel, stamp in rows:
            try:
                body = (self.root / str(rel)).read_text(encoding="utf-8")
                json.loads(body)
            except (OSError, ValueError):
                body = "{}"
            con.execute(_UPSERT, (rs, year, code, name, total, grade, n_proj, None, None, version, fp, stamp,
                                  run_id, body))
        con.execute("DROP TABLE results_v1")

    def check(self) -> None:
        if not self.exists():
            self._check_folder(create=True)
            return
        with self._connect() as con:
            con.execute("PRAGMA user_version").fetchone()  # a damaged file fails here, before any scoring

    def put(self, run: RunRecord, rows: Sequence[StoredRow]) -> None:
        with self._connect(create=True) as con:
            # IMMEDIATE takes the write lock up front, so a concurrent run waits here (busy timeout) rather than
            # failing at its first INSERT after having read a now-stale state.
            con.execute("BEGIN IMMEDIATE")
            try:
                self._ensure_schema(con)
                run_id = con.execute(
                    "INSERT INTO runs (ruleset, ruleset_version, ruleset_fingerprint, stored_at, rows_read, "
                    "rows_scored, rows_rejected) VALUES (?,?,?,?,?,?,?)",
                    (run.ruleset, run.ruleset_version, run.ruleset_fingerprint, run.stored_at, run.rows_read,
                     run.rows_scored, run.rows_rejected)).lastrowid
                con.executemany(_UPSERT, [
                    (run.ruleset, r.year, r.dept_code, r.dept_name, r.total, r.grade, r.n_projects, r.budget_final,
                     r.spent, run.ruleset_version, run.ruleset_fingerprint, run.stored_at, run_id, r.trace)
                    for r in rows])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            if con.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                # An older store: migrate under the write lock, then read.
                con.execute("BEGIN IMMEDIATE")
                try:
                    self._ensure_schema(con)
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            yield con

    def history(self, dept_code: str) -> pd.DataFrame:
        with self._reader() as con:
            rows = con.execute(f"SELECT {', '.join(HISTORY_COLUMNS)} FROM results WHERE dept_code = ? "
                               "ORDER BY year, ruleset", (dept_code,)).fetchall()
        return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))

    def departments(self, year: int | None = None, ruleset: str | None = None) -> pd.DataFrame:
        cols = [c if c != "rank" else
                "RANK() OVER (PARTITION BY year, ruleset ORDER BY total DESC) AS rank" for c in DEPARTMENT_COLUMNS]
        where: list[str] = []
        args: list[int | str] = []
        if year is not None:
            where.append("year = ?")
            args.append(year)
        if ruleset is not None:
            where.append("ruleset = ?")
            args.append(ruleset)
        sql = (f"SELECT {', '.join(cols)} FROM results" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY year, ruleset, total DESC, dept_code")
        with self._reader() as con:
            rows = con.execute(sql, args).fetchall()
        return pd.DataFrame(rows, columns=list(DEPARTMENT_COLUMNS))

    def names(self) -> dict[str, str]:
        if not self.exists():
            return {}
        with self._reader() as con:
            rows = con.execute("SELECT dept_code, dept_name FROM results ORDER BY year, stored_at").fetchall()
        return {str(c): str(n) for c, n in rows}

    def trace(self, ruleset: str, year: int, dept_code: str) -> dict[str, Any] | None:
        with self._reader() as con:
            row = con.execute("SELECT trace FROM results WHERE ruleset = ? AND year = ? AND dept_code = ?",
                              (ruleset, year, dept_code)).fetchone()
        if row is None:
            return None
        out: dict[str, Any] = json.loads(row[0])
        return out
