"""The PostgreSQL results store, through SQLAlchemy 2 and psycopg 3: one database shared by several analysts.

    perfscore score DIR --store 'postgresql://analyst@/perfscore?host=/var/run/postgresql'

The tables and every query are those of the SQLite store (`scoring.store.sql`); only the DDL and the
connection differ. A run is one transaction (PostgreSQL rolls back a run whose process dies), readers see only
committed runs, and the schema is created under a transaction-scoped advisory lock so two first runs at once do
not both try to create it. This is the only module that imports SQLAlchemy (ruff banned-api).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from scoring.store.backend import StoreError
from scoring.store.sql import Execute, Params, SqlStore, schema

SCHEMA_VERSION = 3
_LOCK_KEY = 7_260_013  # advisory lock id for schema creation (any constant unique to perfscore)

_TABLES = (
    "CREATE TABLE IF NOT EXISTS perfscore_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    *schema("postgresql"),
)


class _Exec:
    """`Execute` over one SQLAlchemy connection inside its transaction."""

    def __init__(self, con: Connection) -> None:
        self.con = con

    def __call__(self, sql: str, params: Params | list[Params] | None = None) -> list[tuple[Any, ...]]:
        result = self.con.execute(sa.text(sql), params if params is not None else {})
        return [tuple(r) for r in result.fetchall()] if result.returns_rows else []


class PostgresStore(SqlStore):
    """A PostgreSQL database holding the store's tables."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"无法解析存储地址 {url}：{exc} / not a database URL") from exc
        # Never show a password in a message; show the URL as the user gave it.
        self.location = parsed.render_as_string(hide_password=True)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not the default psycopg2
        self.url = parsed
        self._engine: Engine | None = None

    def _fail(self, exc: BaseException) -> StoreError:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return StoreError(f"无法使用存储 {self.location}：{detail} / cannot use the PostgreSQL store")

    def _connect(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = sa.create_engine(self.url, poolclass=sa.NullPool)
            except (SQLAlchemyError, ImportError) as exc:
                raise self._fail(exc) from exc
        return self._engine

    def _has_schema(self, con: Connection) -> bool:
        return con.execute(sa.text("SELECT to_regclass('perfscore_meta') IS NOT NULL")).scalar() is True

    def _ensure_schema(self, execute: Execute) -> None:
        execute("SELECT pg_advisory_xact_lock(:k)", {"k": _LOCK_KEY})
        if execute("SELECT to_regclass('perfscore_meta') IS NOT NULL")[0][0]:
            found = execute("SELECT value FROM perfscore_meta WHERE key = 'schema_version'")
            version = int(found[0][0]) if found else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"存储 {self.location} 由更新版本的 perfscore 写入（结构版本 {version}），请升级 perfscore"
                )
            if version == SCHEMA_VERSION:
                return
        for ddl in _TABLES:
            execute(ddl)
        execute(
            "INSERT INTO perfscore_meta (key, value) VALUES ('schema_version', :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"v": str(SCHEMA_VERSION)},
        )

    def exists(self) -> bool:
        try:
            with self._connect().connect() as con:
                return self._has_schema(con)
        except DBAPIError as exc:
            raise self._fail(exc) from exc

    def check(self) -> None:
        self.exists()  # an unreachable server or a refused login fails here, before any scoring

    @contextmanager
    def _transaction(self) -> Iterator[Execute]:
        try:
            with self._connect().begin() as con:
                yield _Exec(con)
        except DBAPIError as exc:
            raise self._fail(exc) from exc

    def _read(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        try:
            with self._connect().connect() as con:
                if not self._has_schema(con):
                    raise StoreError(f"{self.location} 不是 perfscore 存储（数据库中还没有存入过结果）")
                return [tuple(r) for r in con.execute(sa.text(sql), params or {}).fetchall()]
        except DBAPIError as exc:
            raise self._fail(exc) from exc
