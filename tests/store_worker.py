"""Child process for the store's kill -9 and concurrency tests (run as a script, not collected by pytest).

It scores the bundled examples once, widens the run to many departments, then forks one child per trial: each
child is a real process doing the store half of a ``--store`` run, and the parent SIGKILLs it at a random moment
or lets several run at once. Forking after scoring keeps every trial to the cost of the store write itself, so
20+ trials take seconds. The parent checks the database with plain sqlite3 or psycopg (not the store module)
and prints one JSON line of findings for the test to assert on. STORE is a folder (SQLite) or a postgresql://
URL; SCRATCH is a second, empty store of the same kind used to time one write.

    python tests/store_worker.py kill STORE TRIALS SEED SCRATCH
    python tests/store_worker.py concurrent STORE WRITERS REPEATS
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from scoring import api
from scoring.model.run import Run
from scoring.store.backend import RunRecord
from scoring.store.location import open_store
from scoring.store.results import _rows, store_run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COPIES = 30  # 3 example departments × 30 = 90 departments, each with its full trace


@functools.cache
def examples_run() -> Run:
    """The bundled examples scored once per worker (every writer widens the same run)."""
    return api.run_path(EXAMPLES, "mof-project", 2024)


def wide_run(copies: int, tag: str = "") -> Run:
    """The examples' run with every department repeated under distinct codes (`<code>-<tag><i>`)."""
    run = examples_run()

    def widen(df: pd.DataFrame) -> pd.DataFrame:
        if "dept_code" not in df or not len(df):
            return df
        code = df["dept_code"].astype(str)
        return pd.concat([df.assign(dept_code=code + f"-{tag}{i:04d}") for i in range(copies)], ignore_index=True)

    r = run.result
    result = dataclasses.replace(r, departments=widen(r.departments), projects=widen(r.projects), items=widen(r.items))
    return dataclasses.replace(run, result=result, checks=widen(run.checks))


def query(location: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` on the store's database, read directly (sqlite3 or psycopg)."""
    if "://" not in location:
        with sqlite3.connect(Path(location) / "index.sqlite") as con:
            return con.execute(sql).fetchall()
    import psycopg

    user, rest = location.split("://", 1)[1].split("@/", 1)
    db, host = rest.split("?host=", 1)
    with psycopg.connect(host=host, user=user, dbname=db) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def snapshot(location: str) -> dict[str, Any]:
    """What the store holds: row count, distinct stamps, runs, integrity (PostgreSQL has no integrity pragma)."""
    if "://" in location:
        if not query(location, "SELECT to_regclass('results') IS NOT NULL")[0][0]:
            return {"rows": 0, "stamps": [], "runs": 0, "integrity": "ok"}
        return {
            "rows": query(location, "SELECT count(*) FROM results")[0][0],
            "stamps": sorted(r[0] for r in query(location, "SELECT DISTINCT stored_at FROM results")),
            "runs": query(location, "SELECT count(*) FROM runs")[0][0],
            "integrity": "ok",
        }
    db = Path(location) / "index.sqlite"
    if not db.exists():
        return {"rows": 0, "stamps": [], "runs": 0, "integrity": "ok"}
    with sqlite3.connect(db) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "results" not in tables:
            return {
                "rows": 0,
                "stamps": [],
                "runs": 0,
                "integrity": con.execute("PRAGMA integrity_check").fetchone()[0],
            }
        return {
            "rows": con.execute("SELECT count(*) FROM results").fetchone()[0],
            "stamps": sorted(r[0] for r in con.execute("SELECT DISTINCT stored_at FROM results")),
            "runs": con.execute("SELECT count(*) FROM runs").fetchone()[0],
            "integrity": con.execute("PRAGMA integrity_check").fetchone()[0],
        }


def stamp(i: int) -> datetime:
    return datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=i)


def record(run: Run, i: int) -> RunRecord:
    read, scored, rejected = run.counts
    return RunRecord(
        run.ruleset.name,
        run.ruleset.version,
        run.ruleset.fingerprint,
        stamp(i).isoformat(timespec="seconds"),
        read,
        scored,
        rejected,
    )


def kill_trials(root: str, trials: int, seed: int, scratch: str) -> dict[str, Any]:
    """Odd trials: kill anywhere in the store half of a run; even trials: kill inside the database transaction."""
    rng = random.Random(seed)
    run = wide_run(COPIES)
    n = len(run.result.departments)
    # How long each part takes here (warm store, every row replaced): kills are spread over 1.3 × that.
    store_run(run, scratch, now=stamp(0))
    t0 = time.perf_counter()
    rows = _rows(run)
    t1 = time.perf_counter()
    open_store(scratch).put(record(run, 0), rows)
    whole, txn = time.perf_counter() - t0, time.perf_counter() - t1
    committed: str | None = None  # the stamp of the last run that reached the store
    outcomes = []
    for i in range(1, trials + 1):
        in_txn = i % 2 == 0
        delay = rng.uniform(0, 1.3 * (txn if in_txn else whole))
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: the store half of a --store run, then exit without any Python cleanup
            code = 1
            try:
                os.close(ready_r)
                child_rows = _rows(run)
                os.write(ready_w, b"x")  # about to open the store and write
                open_store(root).put(record(run, i), child_rows)
                code = 0
            except BaseException as exc:
                print(f"trial {i}: {exc!r}", file=sys.stderr)
            finally:
                os._exit(code)
        os.close(ready_w)
        if in_txn:
            os.read(ready_r, 1)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(ready_r)  # only now: a child still writing its byte must not get a broken pipe
        killed = os.WIFSIGNALED(status)
        failed = not killed and os.waitstatus_to_exitcode(status) != 0
        snap = snapshot(root)
        this = stamp(i).isoformat(timespec="seconds")
        if snap["stamps"] == [this] and snap["rows"] == n:
            state = "after"
            committed = this
        elif snap["stamps"] == ([committed] if committed else []) and snap["rows"] == (n if committed else 0):
            state = "before"
        else:
            state = "torn"
        outcomes.append(
            {
                "trial": i,
                "in_txn": in_txn,
                "delay": round(delay, 3),
                "killed": killed,
                "failed": failed,
                "state": state,
                "integrity": snap["integrity"],
                "rows": snap["rows"],
                "stamps": len(snap["stamps"]),
            }
        )
    # The next run after all the kills works and replaces everything.
    store_run(run, root, now=stamp(trials + 1))
    final = snapshot(root)
    return {
        "departments": n,
        "store_seconds": round(whole, 3),
        "transaction_seconds": round(txn, 3),
        "trials": outcomes,
        "final": final,
        "final_stamp": stamp(trials + 1).isoformat(timespec="seconds"),
    }


def concurrent(root: str, writers: int, repeats: int) -> dict[str, Any]:
    runs = [wide_run(10, tag=f"w{w}-") for w in range(writers)]
    start = time.time() + 0.5  # every child starts at the same instant, on a store that does not yet exist
    pids = []
    for w in range(writers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                time.sleep(max(0.0, start - time.time()))
                for k in range(repeats):
                    store_run(runs[w], root, now=stamp(w * 100 + k))
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]
    elapsed = time.time() - start
    codes_stored = [r[0] for r in query(root, "SELECT dept_code FROM results")]
    per_writer = dict(Counter(c[c.index("-w") + 1 : c.index("-w") + 3] for c in codes_stored))
    runs_stored = query(root, "SELECT count(*) FROM runs")[0][0]
    return {
        "exit_codes": codes,
        "rows_per_writer": per_writer,
        "expected_per_writer": len(runs[0].result.departments),
        "runs": runs_stored,
        "seconds": round(elapsed, 2),
    }


if __name__ == "__main__":
    mode, root = sys.argv[1], sys.argv[2]
    a, b = int(sys.argv[3]), int(sys.argv[4])
    out = kill_trials(root, a, b, sys.argv[5]) if mode == "kill" else concurrent(root, a, b)
    print(json.dumps(out, ensure_ascii=False))
