"""The declared ruleset schema: unknown keys, types and ranges fail with file:line:column; editors get the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from helpers import BASE
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.core.resources import ruleset_files
from scoring.core.yamlio import load_yaml, strip_lines
from scoring.rules.ruleset import load_ruleset
from scoring.rules.spec import json_schema


def fail(tmp_path: Path, text: str) -> str:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError) as exc:
        load_ruleset(path)
    assert exc.value.exit_code == 2
    return str(exc.value).replace(str(path), "r.yaml")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("points: 90", "point: 90", "r.yaml:9:5 规则 levels[2].point：未知的键 'point'（是否为 'points'"),
        (
            "open: true",
            "open: true\n    removed: true",
            "r.yaml:11:5 规则 levels[2].removed：未知的键 'removed'（是否为 'remove'",
        ),
        ("points: 10", "points: .nan", "r.yaml:5:13 规则 levels[1].points：不能为 NaN 或无穷大"),
        ("points: 10", "points: -50", "r.yaml:5:13 规则 levels[1].points：应不小于 0，而不是 -50"),
        ("points: 10", "points: abc", "r.yaml:5:13 规则 levels[1].points：应为 数值，而不是 文字 'abc'"),
        ("points: 10", "points: " + "9" * 400, "r.yaml:5:13 规则 levels[1].points：数值位数过多（400 位"),
        ("open: true", "open: yes", "r.yaml:10:11 规则 levels[2].open：应为 true 或 false，而不是 文字 'yes'"),
        ("name: t", "name: t\nyears: {from: abc}", "r.yaml:3:15 规则 years.from：应为 整数，而不是 文字 'abc'"),
        (
            "name: t",
            "name: t\nmissing_level: redistibute",
            "r.yaml:3:16 规则 missing_level：未知 missing_level 'redistibute'（是否为 'redistribute'",
        ),
        (
            "name: t",
            "name: t\noverachievment: {threshold: 1.2}",
            "r.yaml:3:1 规则 overachievment：未知的键 'overachievment'（是否为 'overachievement'",
        ),
        ("name: t", "name: t\nchecks: abc", "r.yaml:3:9 规则 checks：应为 列表（每项以 - 开头），而不是 文字 'abc'"),
        ("name: t", "name: t\nextends: [a, b]", "r.yaml:3:10 规则 extends：应为 文字，而不是 列表"),
    ],
    ids=[
        "point",
        "removed",
        "nan",
        "negative",
        "text-number",
        "400-digits",
        "yes-is-not-bool",
        "years-abc",
        "missing-level-typo",
        "overachievment",
        "checks-text",
        "extends-list",
    ],
)
def test_schema_errors_name_line_and_column(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert expected in fail(tmp_path, BASE.replace(old, new, 1))


def test_method_inside_a_band_is_an_unknown_key(tmp_path: Path) -> None:
    text = BASE.replace(
        "method: budget_execution",
        "method:\n      name: bands\n      bands:\n"
        "        - {min: 90, share: 1}\n        - {max: 90, share: 0.8, method: linear}",
    )
    msg = fail(tmp_path, text)
    assert "r.yaml:11:33 规则 levels[1].method.bands[2].method：未知的键 'method'" in msg
    assert "可用：label、linear、max、min、share" in msg  # the keys of a band, not of the method


def test_every_error_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace("points: 10", "points: abc").replace("open: true", "opne: true")
    msg = fail(tmp_path, text)
    assert "r.yaml:5:13" in msg and "r.yaml:10:5" in msg and "未知的键 'opne'" in msg


def test_an_error_in_the_parent_names_the_parent_not_the_child(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "r.yaml").write_text(
        "format: 1\nextends: base.yaml\nname: c\nlevels:\n  - {name: 产出指标, points: 80}\n", encoding="utf-8"
    )
    with pytest.raises(RulesetError) as exc:
        load_ruleset(tmp_path / "r.yaml")
    # the weights no longer add up; the first level (where the error points) is written in base.yaml line 4,
    # so the message names base.yaml:4 — never the child's file with the parent's line number
    text = str(exc.value)
    assert f"{tmp_path / 'base.yaml'}:4 " in text and "一级指标分值之和 90 不等于总分 100" in text


def test_json_schema_accepts_every_shipped_ruleset_and_rejects_a_typo(tmp_path: Path) -> None:
    schema = json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for path in ruleset_files():
        doc = strip_lines(load_yaml(path))
        assert list(validator.iter_errors(doc)) == [], path.name
    bad = strip_lines(load_yaml(ruleset_files()[0]))
    bad["levels"][0]["point"] = 10
    assert any("point" in e.message for e in validator.iter_errors(bad))


def test_schema_command_writes_the_json_schema(tmp_path: Path) -> None:
    out = tmp_path / "ruleset.schema.json"
    res = CliRunner().invoke(app, ["ruleset", "schema", "-o", str(out)])
    assert res.exit_code == 0, res.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == json_schema()
    assert written["properties"]["missing_level"]["enum"] == ["withhold", "redistribute"]


def test_alias_bomb_is_refused_in_milliseconds() -> None:
    import time

    from scoring.core.yamlio import YamlLimitError, read_yaml

    bomb = Path(__file__).resolve().parent / "rulesets" / "bad" / "alias-bomb.yaml"  # 10⁹ values once expanded
    started = time.perf_counter()
    with pytest.raises(YamlLimitError, match="别名展开后超过"):
        read_yaml(bomb)
    assert time.perf_counter() - started < 0.5


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from scoring.core import yamlio

    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (yamlio.MAX_BYTES + 10) + "\n" + BASE, encoding="utf-8")
    msg = fail(tmp_path, big.read_text(encoding="utf-8"))
    assert "文件过大" in msg


def test_a_number_in_a_text_field_and_an_expression_with_a_long_literal(tmp_path: Path) -> None:
    ok = tmp_path / "ok.yaml"
    ok.write_text(BASE.replace("name: t", "name: t\nversion: 2020.1"), encoding="utf-8")
    assert load_ruleset(ok).version == "2020.1"  # a YAML number where text belongs reads as its text
    text = BASE + "checks:\n  - {id: c, on: project, expect: spent < 1" + "0" * 30 + "}\n"
    assert "数字过大：整数部分有 31 位" in fail(tmp_path, text)  # the expression grammar's own bound
