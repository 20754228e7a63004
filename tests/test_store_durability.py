"""The store under hard stops and contention: kill -9 at random moments, and four runs storing at once.

The work happens in tests/store_worker.py, a separate process that forks one child per trial (see there).
Both backends: a SQLite folder and a PostgreSQL database (where a killed client's transaction is rolled back by
the server, and concurrent writers wait on row locks instead of the SQLite write lock).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "store_worker.py"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the worker forks one child per trial")


def worker(*args: object) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    res = subprocess.run(
        [sys.executable, str(WORKER), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def scratch_of(location: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second empty store of the same kind, for the worker to time one write on."""
    if "://" not in location:
        return str(tmp_path / "timing")
    from pgcluster import new_database

    return new_database(request.getfixturevalue("pg_socket"), location.rsplit("/", 1)[1].split("?")[0] + "_t")


def test_kill_9_leaves_the_store_before_or_after(
    store_location: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # PostgreSQL's own crash safety is not what is tested here, only that a run is one transaction: fewer trials.
    n = 22 if "://" not in store_location else 10
    out = worker("kill", store_location, n, 20261201, scratch_of(store_location, tmp_path, request))
    trials = out["trials"]
    assert len(trials) == n
    assert [t for t in trials if t["state"] == "torn" or t["integrity"] != "ok" or t["failed"]] == []
    # The kills really landed mid-write: some inside the database transaction left the store as it was.
    assert any(t["killed"] and t["in_txn"] and t["state"] == "before" for t in trials), Counter(
        (t["in_txn"], t["killed"], t["state"]) for t in trials
    )
    # And the next run after them all works: every department, one stamp, a sound database.
    final = out["final"]
    assert final["rows"] == out["departments"] == 90
    assert final["stamps"] == [out["final_stamp"]]
    assert final["integrity"] == "ok"


def test_four_concurrent_runs_lose_nothing(store_location: str) -> None:
    out = worker("concurrent", store_location, 4, 3)
    assert out["exit_codes"] == [0, 0, 0, 0]
    assert out["rows_per_writer"] == {f"w{w}": out["expected_per_writer"] for w in range(4)}
    assert out["expected_per_writer"] == 30
    # Each writer's three runs replace one another: one run record per writer survives.
    assert out["runs"] == 4
