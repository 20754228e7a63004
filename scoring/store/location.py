"""Which store a location names: a local folder is a SQLite store, a ``postgresql://`` URL the shared one.

Apart from scoring.store.backend (the types and the interface every backend implements), so that the backends
import the interface and this module imports the backends: one way, no cycle.
"""

from __future__ import annotations

from pathlib import Path

from scoring.store.backend import ResultStore, StoreError
from scoring.store.sqlite import SqliteStore


def open_store(location: str | Path) -> ResultStore:
    """The store at `location`: a folder (SQLite, created on first write) or a ``postgresql://`` URL."""
    text = str(location)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            from scoring.store.postgres import (
                PostgresStore,  # SQLAlchemy is loaded only for a PostgreSQL store
            )

            return PostgresStore(text)
        raise StoreError(
            f"不支持 {scheme}:// 存储地址：--store 接受本地文件夹（SQLite）或 postgresql:// 地址"
            f" / a store is a local folder or a postgresql:// URL"
        )
    return SqliteStore(Path(location))
