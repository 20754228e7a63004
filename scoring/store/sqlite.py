"""The SQLite results store: one database file per store folder, WAL journal, one transaction per run.

    ROOT/index.sqlite      tables runs (one row per stored run, with the sha256 of every input file it read),
                           results (one row per ruleset, year, department: total, grade, per-一级 scores, trace)
                           and indicators (one row per scored indicator: target, actual, completion)

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
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from scoring.store.backend import StoreError
from scoring.store.sql import UPSERT_RESULT, Execute, Params, SqlStore, schema

DB_FILE = "index.sqlite"
SCHEMA_VERSION = 3
# A concurrent run holds the write lock only while it inserts its rows (well under a second for hundreds of
# departments); waiting up to two minutes rides out a slow disk without ever failing an analyst's run.
BUSY_TIMEOUT_S = 120.0

_TABLES = schema("sqlite")


class _Exec:
    """`Execute` over one sqlite3 connection."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def __call__(self, sql: str, params: Params | list[Params] | None = None) -> list[tuple[Any, ...]]:
        if isinstance(params, list):
            self.con.executemany(sql, params)
            return []
        return self.con.execute(sql, params or {}).fetchall()


class SqliteStore(SqlStore):
    """A store folder holding one SQLite database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)
        self.path = root / DB_FILE

    def exists(self) -> bool:
        return self.path.is_file()

    def _check_folder(self, create: bool) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(
                f"--store {self.root} 是一个文件，不是存储文件夹；请给出一个文件夹（不存在时自动创建）"
                f" / --store must be a folder, not a file"
            )
        if create:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"无法创建存储文件夹 {self.root}：{exc.strerror or exc} / cannot create the store folder"
                ) from exc
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
                raise StoreError(
                    f"存储 {self.path} 被其他运行占用超过 {BUSY_TIMEOUT_S:.0f} 秒，请稍后重试"
                    f" / the store stayed locked by another run"
                ) from exc
            raise StoreError(f"无法使用存储 {self.path}：{exc} / cannot use the store") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"存储 {self.path} 不是有效的 perfscore 数据库：{exc} / not a perfscore store database"
            ) from exc

    def _ensure_schema(self, execute: Execute) -> None:
        """Create the tables, or migrate a version-1 or -2 store in place; inside the write transaction."""
        version = execute("PRAGMA user_version")[0][0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"存储 {self.path} 由更新版本的 perfscore 写入（结构版本 {version}），请升级 perfscore")
        if version == SCHEMA_VERSION:
            return
        if version == 2:
            # Version 2 had no input hashes, per-一级 scores or indicators: older rows keep empty ones.
            execute("ALTER TABLE runs ADD COLUMN input_files TEXT NOT NULL DEFAULT '{}'")
            execute("ALTER TABLE results ADD COLUMN level1 TEXT NOT NULL DEFAULT '{}'")
            for ddl in _TABLES:
                execute(ddl)
        else:
            old = execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='results'")
            if old:
                execute("ALTER TABLE results RENAME TO results_v1")
            for ddl in _TABLES:
                execute(ddl)
            if old:
                self._migrate_v1(execute)
        execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate_v1(self, execute: Execute) -> None:
        """Version 1 kept each trace in ROOT/<year>/<ruleset>/<code>.json; fold them into the database."""
        rows = execute(
            "SELECT year, ruleset, ruleset_version, ruleset_fingerprint, dept_code, dept_name, total, "
            "grade, n_projects, trace, stored_at FROM results_v1"
        )
        run_id = execute(
            "INSERT INTO runs (ruleset, ruleset_version, ruleset_fingerprint, stored_at, rows_read, rows_scored, "
            "rows_rejected) VALUES ('(migrated)', '', '', '', 0, 0, 0) RETURNING run_id"
        )[0][0]
        for year, rs, version, fp, code, name, total, grade, n_proj, rel, stamp in rows:
            try:
                body = (self.root / str(rel)).read_text(encoding="utf-8")
                json.loads(body)
            except (OSError, ValueError):
                body = "{}"
            execute(
                UPSERT_RESULT,
                {
                    "ruleset": rs,
                    "year": year,
                    "dept_code": code,
                    "dept_name": name,
                    "total": total,
                    "grade": grade,
                    "n_projects": n_proj,
                    "budget_final": None,
                    "spent": None,
                    "ruleset_version": version,
                    "ruleset_fingerprint": fp,
                    "stored_at": stamp,
                    "run_id": run_id,
                    "trace": body,
                    "level1": "{}",
                },
            )
        execute("DROP TABLE results_v1")

    def check(self) -> None:
        if not self.exists():
            self._check_folder(create=True)
            return
        with self._connect() as con:
            con.execute("PRAGMA user_version").fetchone()  # a damaged file fails here, before any scoring

    @contextmanager
    def _transaction(self) -> Iterator[Execute]:
        with self._connect(create=True) as con:
            # IMMEDIATE takes the write lock up front, so a concurrent run waits here (busy timeout) rather than
            # failing at its first INSERT after having read a now-stale state.
            con.execute("BEGIN IMMEDIATE")
            try:
                yield _Exec(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        with self._connect() as con:
            if con.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                # An older store: migrate under the write lock, then read.
                con.execute("BEGIN IMMEDIATE")
                try:
                    self._ensure_schema(_Exec(con))
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            return con.execute(sql, params or {}).fetchall()
