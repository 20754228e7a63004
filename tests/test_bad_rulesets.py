"""The hostile-ruleset corpus: every file in tests/rulesets/bad/ is refused by `ruleset check` with exit 2 and its message.

Each file's first line says what is wrong and, after `expect:`, a fragment the error message must contain.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.core.resources import ruleset_files
from scoring.core.yamlio import load_yaml, strip_lines
from scoring.rules.ruleset import load_ruleset

BAD = Path(__file__).resolve().parent / "rulesets" / "bad"
FILES = sorted(BAD.glob("*.yaml"))
runner = CliRunner()


def expected_fragment(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and " | expect: " in first, (
        f"{path.name}: first line must be '# what | expect: fragment'"
    )
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


# ---------------------------------------------------------------- any value anywhere: an error message, never a traceback

SHIPPED = {p.stem: strip_lines(load_yaml(p)) for p in ruleset_files()}
for _doc in SHIPPED.values():
    _doc.pop("include", None)  # the fragments live beside the shipped files, not in tmp_path
WRONG = st.sampled_from(
    [
        "abc",
        "",
        [],
        {},
        None,
        True,
        -1,
        0,
        1.5,
        [1, 2],
        {"x": 1},
        10**20,
        float("nan"),
        "9" * 400,
        "≥",
        {"name": "bands"},
    ]
)


def _paths(x: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here] if here else []
    if isinstance(x, dict):
        out += [p for k, v in x.items() for p in _paths(v, (*here, k))]
    elif isinstance(x, list):
        out += [p for i, v in enumerate(x) for p in _paths(v, (*here, i))]
    return out


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(sorted(SHIPPED)), st.data(), WRONG)
def test_any_wrong_value_anywhere_is_a_ruleset_error(
    tmp_path: Path, name: str, data: st.DataObject, value: Any
) -> None:
    doc = copy.deepcopy(SHIPPED[name])
    where = data.draw(st.sampled_from(_paths(doc)))
    cur = doc
    for key in where[:-1]:
        cur = cur[key]
    cur[where[-1]] = value
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        load_ruleset(path)
    except RulesetError as exc:
        assert str(exc).startswith(str(path))  # named, located, never a traceback


@pytest.mark.parametrize("ref", ["c" * 5000, "./" + "c" * 5000 + ".yaml"])
def test_a_name_too_long_for_the_file_system_is_a_ruleset_error(tmp_path: Path, ref: str) -> None:
    """Found by the wrong-value property test: a 5,000-character `extends:` raised OSError (File name too long)."""
    path = tmp_path / "r.yaml"
    path.write_text(f"format: 1\nname: t\nextends: {ref}\n", encoding="utf-8")
    with pytest.raises(RulesetError) as exc:
        load_ruleset(path)
    assert "extends" in str(exc.value) and len(str(exc.value)) < 400
