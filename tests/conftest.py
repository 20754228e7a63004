"""Shared pytest options: `--update-golden` rewrites the golden files in tests/golden/ (review the diff)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests that leave max_examples to the profile run 1,000 examples in CI (HYPOTHESIS_PROFILE=ci,
# set by .ci/run) and fewer on a developer's machine.
settings.register_profile("ci", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def golden(update_golden: bool) -> Callable[[str, str], None]:
    """check(name, text): compare text with tests/golden/<name>, or rewrite it under --update-golden."""

    def check(name: str, text: str) -> None:
        text = text.replace(str(ROOT) + "/", "")  # paths relative to the checkout, wherever it is
        path = GOLDEN / name
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"缺少 golden 文件 {path}；运行 pytest --update-golden 生成后检查差异"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} 与 golden 文件不同；确认改动无误后运行 pytest --update-golden"

    return check


@pytest.fixture(scope="session")
def pg_socket() -> Iterator[str]:
    """A temporary PostgreSQL cluster for this test session (tests/pgcluster.py); skips when there is none,
    fails instead when PERFSCORE_REQUIRE_POSTGRES=1 (CI)."""
    from pgcluster import cluster

    try:
        with cluster() as socket_dir:
            yield socket_dir
            return
    except RuntimeError as exc:
        if os.environ.get("PERFSCORE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PERFSCORE_REQUIRE_POSTGRES=1 but no PostgreSQL cluster could start: {exc}")
        pytest.skip(f"no PostgreSQL cluster: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each backend: a folder (SQLite) and a fresh database on the session's cluster."""
    if request.param == "sqlite":
        return str(tmp_path / "store")
    from pgcluster import new_database

    socket_dir = request.getfixturevalue("pg_socket")
    return str(new_database(socket_dir, f"t_{uuid.uuid4().hex[:12]}"))
