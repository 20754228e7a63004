"""docs/rulesets.md is executed: its YAML compiles (and embedded tests pass), its transcripts match, its worked scores recompute."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.core.values import ParsedValue, try_parse_value
from scoring.core.yamlio import parse_yaml_text
from scoring.rstest import run_tests
from scoring.rules import methods as m
from scoring.rules.ruleset import load_ruleset
from scoring.rules.spec import RulesetSpec

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "rulesets.md"
TEXT = GUIDE.read_text(encoding="utf-8")
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", TEXT, re.S)
CONSOLE_BLOCKS = re.findall(r"```console\n(.*?)```", TEXT, re.S)
FILES = {m_.group(1): b for b in YAML_BLOCKS if (m_ := re.match(r"# file: (\S+)", b))}


def squeeze(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def guide_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every `# file:` example written where the transcripts expect it (the current directory)."""
    for name, body in FILES.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_guide_has_examples() -> None:
    assert len(YAML_BLOCKS) >= 8 and len(CONSOLE_BLOCKS) >= 4 and len(FILES) >= 5


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_example_ruleset_compiles_and_passes_its_tests(guide_dir: Path, name: str) -> None:
    wrong = re.search(r"# 错误示例：(.+)", FILES[name])
    if wrong:
        with pytest.raises(RulesetError) as exc:
            load_ruleset(guide_dir / name)
        assert wrong.group(1).strip() in str(exc.value)
        return
    rs = load_ruleset(guide_dir / name)
    assert [r.failures for r in run_tests(rs) if not r.ok] == []


@pytest.mark.parametrize(
    "block", [b for b in YAML_BLOCKS if not b.startswith("# file:")], ids=lambda b: b.split("\n", 1)[0][:20]
)
def test_each_snippet_follows_the_schema(block: str) -> None:
    """Snippets show a few keys each: they must still be valid ruleset keys with valid values."""
    RulesetSpec.model_validate(parse_yaml_text(block))


@pytest.mark.parametrize("block", CONSOLE_BLOCKS, ids=[b.split("\n", 1)[0][2:40] for b in CONSOLE_BLOCKS])
def test_each_transcript_matches(guide_dir: Path, block: str) -> None:
    runner = CliRunner()
    command: list[str] | None = None
    expected: list[str] = []

    def check() -> None:
        if command is None:
            return
        res = runner.invoke(app, command)
        output = squeeze(res.stdout + res.stderr)
        for line in expected:
            assert squeeze(line) in output, f"{shlex.join(command)}: {line!r} not in\n{res.stdout}{res.stderr}"
        assert res.exit_code == (2 if any(line.startswith("错误：") for line in expected) else 0)

    for line in block.splitlines():
        if line.startswith("$ perfscore "):
            check()
            command, expected = shlex.split(line[len("$ perfscore ") :]), []
        elif line.strip():
            expected.append(line)
    check()


def table_rows() -> list[list[str]]:
    part = TEXT.split("<!-- methods-table -->", 1)[1].strip().split("\n\n", 1)[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in part.splitlines()[2:]]


@pytest.mark.parametrize("row", table_rows(), ids=lambda r: f"{r[0]}-{r[3]}")
def test_each_worked_score_is_what_the_method_gives(row: list[str]) -> None:
    name, params, target, actual, weight, expected, _ = row
    parsed = try_parse_value(target)
    assert isinstance(parsed, ParsedValue)
    qualitative = parsed.value is None
    example = {
        "target": None if qualitative else parsed.value,
        "actual": actual if qualitative else float(actual),
        "comparator": None if qualitative else (parsed.comparator or ">="),
        "weight": float(weight),
    }
    if parsed.high is not None:
        example["high"] = parsed.high
    frame = m.example_frame(example)
    res = m.METHODS[name].func(frame, parse_yaml_text(params) or {})
    assert float(res.points.iloc[0]) == pytest.approx(float(expected), abs=1e-9)
    assert m.validate_params(name, parse_yaml_text(params) or {}) == []


def test_the_guide_names_every_method_and_top_level_key() -> None:
    assert all(f"| {name} |" in TEXT for name in m.METHODS)
    keys = {info.alias or k for k, info in RulesetSpec.model_fields.items()}
    assert {k for k in keys if f"`{k}`" not in TEXT} == set()
