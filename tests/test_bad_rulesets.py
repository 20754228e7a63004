"""The hostile-ruleset corpus: every file in tests/rulesets/bad/ is refused by `ruleset check` with exit 2 and its message.

Each file's first line says what is wrong and, after `expect:`, a fragment the error message must contain.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app

BAD = Path(__file__).resolve().parent / "rulesets" / "bad"
FILES = sorted(BAD.glob("*.yaml"))
runner = CliRunner()


def expected_fragment(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and " | expect: " in first, f"{path.name}: first line must be '# what | expect: fragment'"
    return first.split(" | expect: ", 1)[1]


def test_the_corpus_is_large_enough() -> None:
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bad_ruleset_is_refused_with_its_message(path: Path) -> None:
    started = time.perf_counter()
    res = runner.invoke(app, ["ruleset", "check", str(path)])
    elapsed = time.perf_counter() - started
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception  # never a traceback
    assert "Traceback" not in res.output
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"错误：{path}"), res.stderr  # the file is named first
    assert expected_fragment(path) in res.stderr
    assert elapsed < 5, f"took {elapsed:.1f}s"
