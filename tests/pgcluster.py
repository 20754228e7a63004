"""A throwaway PostgreSQL cluster for the store tests: initdb + pg_ctl on a unix socket in a temporary folder.

`find_bin` looks on PATH, then in Debian's /usr/lib/postgresql/<major>/bin. initdb refuses to run as root, so
as root the cluster runs as the unprivileged user `nobody` (via runuser) in a folder under /tmp that it owns
(pytest's own temp folders are private to root). `cluster()` yields a SQLAlchemy-free URL base; `new_database`
creates one empty database per test so tests never see each other's rows. Stopped (fast mode) on exit.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "perfscore"


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    return None


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yield the socket folder. Raises RuntimeError with the reason when it cannot."""
    bindir = find_bin()
    if bindir is None:
        raise RuntimeError("没有找到 initdb/pg_ctl（PostgreSQL 未安装）/ PostgreSQL server binaries not found")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise RuntimeError("以 root 运行但没有 runuser，无法以非特权用户启动 PostgreSQL")
    folder = Path(tempfile.mkdtemp(prefix="perfscore-pg-"))
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    data, log = folder / "data", folder / "log"
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}

    def run(*cmd: str) -> None:
        res = subprocess.run(
            _as_owner(list(cmd)), cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if res.returncode != 0:
            extra = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{cmd[0]} failed ({res.returncode}): {res.stderr[-2000:]}{extra}")

    started = False
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync")
        # No TCP at all: the socket in our folder is the only way in. fsync off: a test cluster, thrown away.
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-k {folder} -c listen_addresses= -F -c max_connections=40",
            "start",
        )
        started = True
        yield str(folder)
    finally:
        if started:
            subprocess.run(
                _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                cwd=folder,
                env=env,
                capture_output=True,
                timeout=120,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)


def new_database(socket_dir: str, name: str) -> str:
    """Create database `name` on the cluster; its ``postgresql://`` URL (the form users give to --store)."""
    import psycopg

    with psycopg.connect(host=socket_dir, user=USER, dbname="postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://{USER}@/{name}?host={socket_dir}"
