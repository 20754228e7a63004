"""`perfscore ruleset diff A B`: what a new standard changes, in Chinese, as a table or Markdown."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scoring.cli import app
from scoring.rules.diff import Change, diff_rulesets, render_diff
from scoring.rules.ruleset import load_ruleset

STRICT = """\
format: 1
extends: mof-project
name: strict
version: "1"
title: 从严口径
levels:
  - {name: 预算执行率, method: {name: budget_execution, round: 0}}
overachievement: {penalty: 0.2}
grades:
  - {name: 优, min: 95, max: 100}
  - {name: 良, min: 80, max: 95}
  - {name: 中, min: 60, max: 80}
  - {name: 差, min: 0, max: 60}
checks:
  - {id: weights-add-up, remove: true}
findings:
  - {id: execution-low, when: "execution_rate >= 0.8 and execution_rate < 0.95"}
"""


def test_every_kind_of_change_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text(STRICT, encoding="utf-8")
    a, b = load_ruleset("mof-project"), load_ruleset(path)
    changes = diff_rulesets(a, b)
    assert changes == [
        Change("总体", "标题", "项目支出绩效自评（财预〔2020〕10号）", "从严口径"),
        Change(
            "计分方法", "预算执行率", "execution_rate：budget_execution", "execution_rate：budget_execution {round: 0}"
        ),
        Change("阈值", "未说明原因扣减比例", "0", "0.2"),
        Change("等级", "优", "[90, 100]", "[95, 100]"),
        Change("等级", "良", "[80, 90)", "[80, 95)"),
        Change(
            "检查",
            "weights-add-up",
            "{expect: 90, kind: weights, severity: medium, title: 绩效指标分值合计为 90 分（另有预算执行率 10 分）}",
            "（无）",
        ),
        Change(
            "问题规则",
            "execution-low（when）",
            "execution_rate >= 0.8 and execution_rate < 0.9",
            "execution_rate >= 0.8 and execution_rate < 0.95",
        ),
    ]
    md = render_diff(a, b, changes, "md")
    assert md.startswith("# 规则集差异\n")
    assert "- 共 7 处不同：总体 1 处，计分方法 1 处，阈值 1 处，等级 2 处，检查 1 处，问题规则 1 处" in md
    assert "| 等级     | 优 " in md


def test_weights_and_removed_levels(tmp_path: Path) -> None:
    changes = diff_rulesets(load_ruleset("mof-project"), load_ruleset("variant-10-90"))
    weights = [(c.item, c.a, c.b) for c in changes if c.category == "权重"]
    assert weights == [
        ("产出指标", "50 分，单位自设（open）", "60 分，单位自设（open）"),
        ("满意度指标", "10 分，单位自设（open）", "（无）"),
        ("满意度指标/服务对象满意度指标", "不计分值", "（无）"),
    ]


def test_same_ruleset_has_no_differences() -> None:
    rs = load_ruleset("province-dept")
    assert diff_rulesets(rs, rs) == []
    assert "完全相同" in render_diff(rs, rs, [], "table")


def test_diff_command(tmp_path: Path) -> None:
    out = tmp_path / "差异.md"
    res = CliRunner().invoke(app, ["ruleset", "diff", "mof-project", "variant-10-90", "-f", "md", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "| 权重     | 产出指标" in out.read_text(encoding="utf-8")
    bad = CliRunner().invoke(app, ["ruleset", "diff", "mof-project", "variant-10-90", "-f", "docx"])
    assert bad.exit_code == 2 and "--format 只能是 table 或 md" in bad.stderr
