"""Rule authors' conveniences: shipped names in include/extends, safe resolution, own indicators, lineage, show."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.rstest import run_tests
from scoring.rules.describe import describe_ruleset, grade_interval
from scoring.rules.ruleset import SEARCH_PATH_ENV, load_ruleset

CHILD = "format: 1\nextends: {parent}\nname: child\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_include_a_shipped_fragment_by_name(tmp_path: Path) -> None:
    text = CHILD.format(parent="mof-project") + "include: [fragments/extract-checks]\n"
    rs = load_ruleset(write(tmp_path, "r.yaml", text))
    assert "extract-total-add-up" in {c.id for c in rs.checks}


def test_a_shipped_name_means_the_shipped_file_even_beside_a_local_copy(tmp_path: Path) -> None:
    # a local mof-project.yaml with a different total: only `./mof-project.yaml` reaches it
    local = (Path(__file__).resolve().parent.parent / "rulesets" / "mof-project.yaml").read_text(encoding="utf-8")
    local = local.replace(
        "fragments/common-checks.yaml, fragments/common-findings.yaml",
        "fragments/common-checks, fragments/common-findings",
    )  # shipped fragments by name
    write(tmp_path, "mof-project.yaml", local.replace("points: 50", "points: 40").replace("points: 30", "points: 40"))
    by_name = load_ruleset(write(tmp_path, "a.yaml", CHILD.format(parent="mof-project")))
    by_path = load_ruleset(write(tmp_path, "b.yaml", CHILD.format(parent="./mof-project.yaml")))
    assert by_name.extends == ("mof-project 2020.1",)
    assert "继承自 mof-project 2020.1" in by_name.label
    assert by_path.extends == ("mof-project 2020.1",)  # same name and version, read from the local file
    points = {lv.name: lv.points for lv in by_name.levels}
    assert (points["产出指标"], points["效益指标"]) == (50, 30)  # shipped
    points = {lv.name: lv.points for lv in by_path.levels}
    assert (points["产出指标"], points["效益指标"]) == (40, 40)  # local


def test_a_path_may_not_escape_the_ruleset_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "shared", "extra.yaml", "checks:\n  - {id: extra, expect: spent >= 0}\n")
    child = write(tmp_path / "mine", "r.yaml", CHILD.format(parent="mof-project") + "include: [../shared/extra.yaml]\n")
    with pytest.raises(RulesetError, match="位于规则集所在文件夹之外"):
        load_ruleset(child)
    monkeypatch.setenv(SEARCH_PATH_ENV, str(tmp_path / "shared"))  # a configured search folder is allowed
    assert "extra" in {c.id for c in load_ruleset(child).checks}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    child = write(tmp_path, "r.yaml", CHILD.format(parent="mof-project") + "include: [pipe.yaml]\n")
    with pytest.raises(RulesetError, match="include 的文件不是普通文件：pipe.yaml"):
        load_ruleset(child)
    res = CliRunner().invoke(app, ["ruleset", "check", str(tmp_path / "pipe.yaml")])
    assert res.exit_code == 2 and "不是普通文件" in res.stderr


def test_a_ruleset_declares_its_own_indicators(tmp_path: Path) -> None:
    """支付进度 and 资金结余 are not in the library: declared here, then scored.
    预算执行率 100% → 40；支付进度 81/90 × 30 = 27；资金结余 3 万元超出 0，每万元扣 1 分 → 27；合计 94。"""
    path = write(
        tmp_path,
        "d.yaml",
        """\
format: 1
name: own-indicators
scope: department
indicators:
  - {id: 支付进度, aliases: [资金支付进度], direction: higher, unit: "%"}
  - {id: 资金结余, direction: lower, unit: 万元}
levels:
  - name: 过程
    points: 100
    indicators:
      - {id: 预算执行率, points: 40, from: formula, target: "≥100%", method: budget_execution}
      - {id: 资金支付进度, points: 30, from: input, method: ratio}
      - {id: 资金结余, points: 30, from: input, method: {name: deduction, per: 1}}
tests:
  - name: 自设指标按规则计分
    data:
      单位信息: [{部门编码: T1, 部门名称: 测试局, 年度: 2024}]
      预算收支: [{科目: 合计, 年初预算数: 100, 全年预算数: 100, 全年执行数: 100}]
      整体绩效指标:
        - {一级指标: 过程, 三级指标: 支付进度, 年度指标值: "≥90%", 实际完成值: 81%}
        - {一级指标: 过程, 三级指标: 资金结余, 年度指标值: "≤0万元", 实际完成值: 3万元}
    expect:
      indicators: {预算执行率: 40, 支付进度: 27, 资金结余: 27}
      total: 94
""",
    )
    rs = load_ruleset(path)
    assert rs.library.resolve("资金支付进度") is not None and rs.library.indicators["资金结余"].direction == "lower"
    assert [r.failures for r in run_tests(rs)] == [()]
    assert "自设指标：\n  支付进度  方向 higher  单位 %  别名 资金支付进度" in describe_ruleset(rs)


def test_an_own_indicator_may_not_take_a_library_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, "d.yaml", CHILD.format(parent="mof-project") + "indicators:\n  - {id: 付款进度, aliases: [执行率]}\n"
    )
    with pytest.raises(RulesetError, match="名称 '执行率' 已属于指标库中的指标 '预算执行率'"):
        load_ruleset(path)


def test_extends_may_override_source_and_title(tmp_path: Path) -> None:
    path = write(
        tmp_path, "v.yaml", CHILD.format(parent="variant-10-90") + "title: 某省口径\nsource: 某财绩〔2024〕1号\n"
    )
    rs = load_ruleset(path)
    assert (rs.title, rs.source_doc) == ("某省口径", "某财绩〔2024〕1号")
    assert rs.label == "某省口径（child，继承自 variant-10-90 2023.1 ← mof-project 2020.1）"
    # without its own source a variant still says whose it is
    bare = load_ruleset(write(tmp_path, "w.yaml", CHILD.format(parent="mof-project")))
    assert bare.source_doc.startswith("财政部") and "继承自 mof-project" in bare.label


def test_show_prints_parameters_and_closed_top_grade() -> None:
    rs = load_ruleset("mof-project")
    text = describe_ruleset(rs)
    assert "等级：优 [90, 100]，良 [80, 90)，中 [60, 80)，差 [0, 60)" in text
    assert "超额完成：实际/目标 ≥ 1.3 时须说明偏差原因" in text
    assert "{level2: 成本指标} → inverse_ratio" in text
    assert [grade_interval(g, rs) for g in rs.grades] == ["[90, 100]", "[80, 90)", "[60, 80)", "[0, 60)"]
    shown = CliRunner().invoke(app, ["ruleset", "show", "mof-project"])
    assert shown.exit_code == 0 and shown.stdout == text
