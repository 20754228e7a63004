"""The command line as a user meets it: exit codes, messages on stderr, ruleset commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.errors import TestsFailedError
from scoring.core.resources import ruleset_files

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lusong-chengguan"
runner = CliRunner()


@pytest.mark.parametrize("name", [p.stem for p in ruleset_files()])
def test_ruleset_check_and_test_pass_for_shipped_rulesets(name: str) -> None:
    check = runner.invoke(app, ["ruleset", "check", name])
    assert check.exit_code == 0 and "检查通过" in check.stdout
    test = runner.invoke(app, ["ruleset", "test", name])
    assert test.exit_code == 0, test.stdout
    assert test.stdout.strip().splitlines()[-1].endswith("passed, 0 failed")


def test_ruleset_check_fails_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nname: bad\nlevels:\n  - {name: 产出指标, points: 90, open: true}\n", encoding="utf-8")
    res = runner.invoke(app, ["ruleset", "check", str(bad)])
    assert res.exit_code == 2
    assert f"错误：{bad}:4 规则 levels：一级指标分值之和 90 不等于总分 100" in res.stderr


def test_ruleset_test_reports_a_wrong_expectation(tmp_path: Path) -> None:
    rs = tmp_path / "t.yaml"
    rs.write_text(
        """\
format: 1
extends: mof-project
name: expect-wrong
tests:
  - name: 期望值写错
    data:
      单位信息: [{部门编码: T1, 部门名称: 测试局, 年度: 2024}]
      项目支出: [{项目编码: P1, 项目名称: 测试项目, 全年预算数: 100, 全年执行数: 50}]
    expect:
      indicators: {预算执行率: 10}
""",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["ruleset", "test", str(rs)])
    assert res.exit_code == TestsFailedError.exit_code
    assert "指标「预算执行率」得分：期望 10.00，实际 5.00" in res.stdout
    assert "0 passed, 1 failed" in res.stdout


def test_score_json_trace_is_complete() -> None:
    res = runner.invoke(app, ["score", str(EXAMPLE), "-y", "2024", "-f", "json"])
    assert res.exit_code == 0
    trace = json.loads(res.stdout)
    assert trace["counts"] == {"read": 54, "scored": 54, "rejected": 0}
    item = next(i for i in trace["items"] if i["name"] == "按期结案率")
    assert item["method"] == "ratio" and item["points"] == 9.04  # 81.32 / 90 × 10 = 9.0356, rounded first
    assert item["file"].endswith("绩效指标.csv") and item["row"] == 5
    assert {f["rule_id"] for f in trace["findings"]} >= {"indicator-below-target", "partial-year-data"}


def test_ruleset_list_and_show() -> None:
    listed = runner.invoke(app, ["ruleset", "list"])
    assert "mof-project" in listed.stdout and "province-dept" in listed.stdout
    shown = runner.invoke(app, ["ruleset", "show", "province-dept"])
    assert (
        "在职人员控制率  5 分  来源 formula（由预算数据推导）  方法 deduction {per: 0.5, step: 1}  目标 ≤100%"
        in shown.stdout
    )


def test_wrong_year_for_ruleset() -> None:
    res = runner.invoke(app, ["score", str(EXAMPLE), "-y", "2019"])
    assert res.exit_code == 2 and "不含 2019" in res.stderr


def test_explain_says_why_rules_fired_or_not() -> None:
    res = runner.invoke(
        app, ["explain", str(ROOT / "examples" / "district-education"), "-d", "430299101", "-i", "暑期完工率"]
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    fired = lines.index(next(line for line in lines if line.startswith("[medium] indicator-below-target")))
    assert lines[fired + 1].strip() == "触发：校舍维修改造项目·暑期完工率"
    assert "未触发：校舍维修改造项目·暑期完工率 —— overachieved 不成立（overachieved = false）" in res.stdout


def test_several_years_need_a_year(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "examples" / "district-health", tmp_path / "health")
    shutil.copytree(ROOT / "examples" / "district-education", tmp_path / "edu")
    info = tmp_path / "edu" / "单位信息.csv"
    info.write_text(info.read_text(encoding="utf-8").replace(",2024,", ",2023,"), encoding="utf-8")
    mixed = runner.invoke(app, ["score", str(tmp_path)])
    assert mixed.exit_code == 3
    assert "数据包含多个年度：2023、2024" in mixed.stderr and "--year" in mixed.stderr
    one = runner.invoke(app, ["score", str(tmp_path), "--year", "2024", "--no-detail"])
    assert one.exit_code == 4  # the 2023 department's rows are rejected; the 2024 one is still scored
    assert "示例区卫生健康局" in one.stdout and "年度为 2023，与所评年度 2024 不符" in one.stdout


def test_many_departments_show_the_ranking_only(tmp_path: Path) -> None:
    import shutil

    for i in range(11):
        folder = Path(shutil.copytree(ROOT / "examples" / "district-health", tmp_path / f"d{i}"))
        info = folder / "单位信息.csv"
        info.write_text(
            info.read_text(encoding="utf-8")
            .replace("430299201", f"4302992{i:02d}")
            .replace("示例区卫生健康局", f"卫生健康局{i}"),
            encoding="utf-8",
        )
    res = runner.invoke(app, ["score", str(tmp_path), "-y", "2024"])
    assert res.exit_code == 0, res.output
    assert "共 11 个部门；" in res.stdout  # one screen: counts, grades, top and bottom ten (render.table overview)
    assert "项目得分" not in res.stdout
    detailed = runner.invoke(app, ["score", str(tmp_path), "-y", "2024", "--detail"])
    assert detailed.stdout.count("【卫生健康局") == 11


def test_every_fact_field_is_documented() -> None:
    from scoring.rules.fact_fields import SCHEMA, field_doc

    undocumented = [f"{k}.{f}" for k, fields in SCHEMA.items() for f in fields if not field_doc(k, f)]
    assert undocumented == []
    res = runner.invoke(app, ["ruleset", "fields", "project"])
    assert res.exit_code == 0
    assert "execution_rate" in res.stdout and "预算执行率（比例，0.9 = 90%）" in res.stdout
