"""Rulesets compile or fail at load, naming file, line and rule; extends and tests work without Python."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import BASE, num

from scoring import api
from scoring.core.display import round_half_up
from scoring.core.errors import RulesetError
from scoring.core.resources import ruleset_files
from scoring.rstest import run_tests
from scoring.rules.ruleset import Ruleset, load_ruleset

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("name", [p.stem for p in ruleset_files()])
def test_shipped_rulesets_compile_and_pass_their_tests(name: str) -> None:
    rs = load_ruleset(name)
    results = run_tests(rs)
    assert results, "each shipped ruleset carries embedded tests"
    assert [r.failures for r in results if not r.ok] == []


@pytest.mark.parametrize(
    ("edit", "message", "line"),
    [
        (lambda t: t.replace("points: 90", "points: 80"), "一级指标分值之和 90 不等于总分 100", 4),
        (
            lambda t: t.replace("method: budget_execution", "method: budget_executon"),
            "未知计分方法 'budget_executon'",
            "7:13",
        ),
        (lambda t: t.replace("metric: execution_rate", "metric: exec"), "未知 metric 'exec'", "6:13"),
        (
            lambda t: (
                t + "grades:\n  - {name: 优, min: 90, max: 100}\n  - {name: 良, min: 70, max: 85}\n"
                "  - {name: 差, min: 0, max: 70}\n"
            ),
            "85, 90",
            None,
        ),
    ],
    ids=["weights-dont-add-up", "unknown-method", "unknown-metric", "grade-gap"],
)
def test_bad_rulesets_fail_with_location(tmp_path: Path, edit, message: str, line: int | str | None) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, edit(BASE))
    with pytest.raises(RulesetError) as exc:
        load_ruleset(path)
    text = str(exc.value)
    assert message in text
    assert str(path) in text
    if line is not None:
        assert f"{path}:{line}" in text


def test_unknown_method_suggests_the_close_one(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("method: budget_execution", "method: budget_executon"))
    with pytest.raises(RulesetError, match="是否为 'budget_execution'"):
        load_ruleset(path)


def test_unknown_indicator_in_department_ruleset(tmp_path: Path) -> None:
    text = """\
format: 1
name: d
scope: department
levels:
  - name: 过程
    points: 100
    indicators:
      - {id: 预算执行律, points: 100, from: formula, target: "≥100%"}
"""
    path = write(tmp_path, text)
    with pytest.raises(RulesetError) as exc:
        load_ruleset(path)
    assert "指标库中没有指标 '预算执行律'" in str(exc.value)
    assert "是否为 '预算执行率'" in str(exc.value)
    assert f"{path}:8" in str(exc.value)
    assert "过程/预算执行律" in str(exc.value)


def test_child_weights_must_add_up(tmp_path: Path) -> None:
    """A closed level (no department rows of its own) must be fully divided among its children."""
    text = BASE.replace("    open: true\n", "").replace(
        "    children: [{name: 数量指标}]\n",
        "    children:\n      - {name: 数量指标, points: 50}\n      - {name: 质量指标, points: 30}\n",
    )
    with pytest.raises(RulesetError, match="下级分值之和 80 不等于本级分值 90"):
        load_ruleset(write(tmp_path, text))


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ("[{min: 90, share: 1}, {min: 60, max: 80, share: 0.5}, {max: 60, share: 0}]", "[80, 90) 没有覆盖（缺口）"),
        ("[{min: 90, share: 1}, {min: 60, max: 95, share: 0.5}, {max: 60, share: 0}]", "在 [90, 95) 重叠"),
        ("[{min: 90, share: 1}, {min: 60, max: 90, share: 0.5}]", "低于 60 的值没有落入任何档（缺口）"),
    ],
    ids=["gap", "overlap", "open-bottom"],
)
def test_band_gaps_and_overlaps(tmp_path: Path, bands: str, message: str) -> None:
    text = BASE + f"methods:\n  - when: {{level2: 数量指标}}\n    method: {{name: bands, bands: {bands}}}\n"
    with pytest.raises(RulesetError) as exc:
        load_ruleset(write(tmp_path, text))
    assert message in str(exc.value)
    assert "methods[1]" in str(exc.value)


def test_unknown_field_in_check_expression(tmp_path: Path) -> None:
    text = BASE + "checks:\n  - id: c1\n    on: project\n    expect: spnet <= budget_final\n"
    with pytest.raises(RulesetError) as exc:
        load_ruleset(write(tmp_path, text))
    assert "未知字段 'spnet'" in str(exc.value) and "是否为 'spent'" in str(exc.value)


def test_extends_changes_weights_without_python() -> None:
    """The shipped variant-10-90 (no 满意度, 产出 60 / 效益 30) is a few YAML lines over mof-project."""
    rs = load_ruleset("variant-10-90")
    assert rs.raw.get("extends") is None and "extends: mof-project" in rs.path.read_text(encoding="utf-8")
    assert [(lv.name, lv.points) for lv in rs.levels] == [("预算执行率", 10), ("产出指标", 60), ("效益指标", 30)]
    run = api.run_path(EXAMPLES / "lusong-chengguan", rs, 2024)
    p = run.result.projects.set_index("project_code")
    # P03 has no 满意度 row; with no 满意度 level that row set scores in full: 10 + 60 + 30.
    assert num(p.loc["P03", "total"]) == pytest.approx(100.0)
    # P01: 5 output indicators × 12; 按期结案率 81.32/90 × 12 = 10.8427 → 10.84 (rounded first, issue 9);
    # its 满意度 row is now rejected (no such level), so P01 is 未完成评分 and its grade provisional.
    assert num(p.loc["P01", "total"]) == pytest.approx(10 + 4 * 12 + 10.84 + 30)
    assert (p.loc["P01", "status"], p.loc["P01", "grade"]) == ("未完成评分", "优（暂定）")
    assert any("没有一级指标「满意度指标」" in r.reason for r in run.dataset.rejections)


def test_changing_a_threshold_changes_scores(tmp_path: Path) -> None:
    child = write(
        tmp_path, "format: 1\nextends: mof-project\nname: strict\noverachievement: {threshold: 1.1, penalty: 0.5}\n"
    )
    run = api.run_path(EXAMPLES / "lusong-chengguan", load_ruleset(child), 2024)
    it = run.result.items.set_index(["project_code", "name"])
    # 立案数 112252/100000 = 112.25% ≥ 110% with no 偏差原因 → half of its 10 points withheld.
    assert num(it.loc[("P01", "立案数"), "points"]) == pytest.approx(5.0)
    assert num(it.loc[("P01", "结案率"), "points"]) == pytest.approx(10.0)  # 101.46% < 110%


def test_yaml_syntax_error_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "format: 1\nname: [unclosed\n")
    with pytest.raises(RulesetError, match=re.escape(str(path))):
        load_ruleset(path)


def test_unknown_ruleset_name_suggests() -> None:
    with pytest.raises(RulesetError, match="是否为 'mof-project'"):
        load_ruleset("mof-projct")


def test_execution_rate_inside_output_level(tmp_path: Path) -> None:
    """鄂州-style variant: 预算执行率 scored inside 产出 (20 of its 60 points), by configuration alone."""
    child = write(
        tmp_path,
        """\
format: 1
extends: mof-project
name: ezhou-like
levels:
  - {name: 预算执行率, remove: true}
  - name: 产出指标
    points: 60
    children:
      - {name: 预算执行, points: 20, metric: execution_rate, method: budget_execution}
""",
    )
    rs = load_ruleset(child)
    assert [(lv.name, lv.points) for lv in rs.levels] == [("产出指标", 60), ("效益指标", 30), ("满意度指标", 10)]
    run = api.run_path(EXAMPLES / "district-education", rs, 2024)
    it = run.result.items
    e02 = it[it["project_code"] == "E02"].set_index("name")
    assert e02.loc["预算执行率", "level1"] == "产出指标" and e02.loc["预算执行率", "level2"] == "预算执行"
    assert num(e02.loc["预算执行率", "points"]) == pytest.approx(round_half_up(96 / 132.91 * 20))  # 14.45
    # The other 40 output points are shared by E02's four output indicators: 10 each.
    assert num(e02.loc["维修校舍面积", "weight"]) == pytest.approx(10.0)
    parts = [96 / 132.91 * 20, 8600 / 12000 * 10, 10, 75 / 90 * 10, 10, 0.7 * 30, 86 / 90 * 10]
    total = sum(round_half_up(x) for x in parts)  # rounded first: 14.45+7.17+10+8.33+10+21+9.56 = 80.51
    p = run.result.projects.set_index("project_code")
    assert num(p.loc["E02", "total"]) == pytest.approx(total)


def test_open_level_children_may_not_exceed_it(tmp_path: Path) -> None:
    text = BASE.replace("    children: [{name: 数量指标}]\n", "    children:\n      - {name: 数量指标, points: 95}\n")
    with pytest.raises(RulesetError, match="下级分值之和 95 超过本级分值 90"):
        load_ruleset(write(tmp_path, text))


def test_error_in_an_included_fragment_names_the_fragment(tmp_path: Path) -> None:
    (tmp_path / "frag.yaml").write_text(
        """\
findings:
  - id: ok-rule
    on: project
    when: execution_rate < 0.9
    severity: medium
    category: 预算执行
    problem: "执行率低"
    cause: "慢"
    measure: "快"
  - id: typo-rule
    on: project
    when: executon_rate < 0.8
    severity: high
    category: 预算执行
    problem: "执行率很低"
    cause: "慢"
    measure: "快"
""",
        encoding="utf-8",
    )
    main = write(tmp_path, "include: [frag.yaml]\n" + BASE)
    with pytest.raises(RulesetError) as exc:
        load_ruleset(main)
    text = str(exc.value)
    assert f"{tmp_path / 'frag.yaml'}:10" in text and "typo-rule" in text
    assert "是否为 'execution_rate'" in text


def test_fingerprint_does_not_depend_on_where_the_checkout_is(tmp_path: Path) -> None:
    import shutil

    here = load_ruleset("mof-project")
    moved = Path(shutil.copytree(here.path.parent, tmp_path / "rulesets"))
    assert load_ruleset(moved / "mof-project.yaml").fingerprint == here.fingerprint


def test_overachievement_cut_by_deviation(tmp_path: Path) -> None:
    """按偏离度适度调减: 20% of the weight per 100% above 130%, capped at 30%, only when unexplained."""
    child = write(
        tmp_path,
        "format: 1\nextends: mof-project\nname: deviation\n"
        "overachievement: {threshold: 1.3, per_excess: 0.2, cap: 0.3}\n",
    )
    run = api.run_path(EXAMPLES, load_ruleset(child), 2024)
    it = run.result.items.set_index(["project_code", "name"])
    # 市容集中整治 85/60 = 141.67%, unexplained: cut 0.2 × 0.1167 = 2.33% of 12.5
    assert num(it.loc[("P04", "市容集中整治次数"), "points"]) == pytest.approx(
        round_half_up(12.5 * (1 - 0.2 * (85 / 60 - 1.3)))
    )  # 12.2083 → 12.21
    # 取缔占道经营 148% has a 偏差原因: no cut
    assert num(it.loc[("P04", "取缔占道经营"), "points"]) == pytest.approx(12.5)
    # 培训教师人次 2000/800 = 250%: 0.2 × 1.2 = 24% of 25
    assert num(it.loc[("E03", "培训教师人次"), "points"]) == pytest.approx(25 * (1 - 0.24))
    assert "按偏离度扣减 24.00% 分值" in str(it.loc[("E03", "培训教师人次"), "explanation"])


def test_overachievement_settings_checked(tmp_path: Path) -> None:
    child = write(tmp_path, "format: 1\nextends: mof-project\nname: bad\noverachievement: {threshhold: 1.2}\n")
    with pytest.raises(
        RulesetError, match=r"r\.yaml:4:19 规则 overachievement\.threshhold：未知的键 'threshhold'.*是否为 'threshold'"
    ):
        load_ruleset(child)


def test_blank_comparator_for_costs_is_configured(tmp_path: Path) -> None:
    """“80万元” under 成本指标 reads as ≤80万元 (mof-project's blank_comparator), so 110万元 is a cost
    overrun scored down by deviation — not an over-achievement of a target set too low."""
    from scoring.rstest import run_case

    case = {
        "name": "cost",
        "data": {
            "单位信息": [{"部门编码": "T1", "部门名称": "测试局", "年度": 2024}],
            "项目支出": [{"项目编码": "P1", "项目名称": "测试项目", "全年预算数": 100, "全年执行数": 100}],
            "绩效指标": [
                {
                    "项目编码": "P1",
                    "一级指标": "产出指标",
                    "二级指标": "成本指标",
                    "三级指标": "采购成本",
                    "年度指标值": "80万元",
                    "实际完成值": "110万元",
                }
            ],
        },
        "expect": {
            "indicators": {"采购成本": 50 * (1 - 30 / 80)},
            "findings": ["cost-over-target"],
            "no_findings": ["target-set-too-low"],
        },
    }
    assert run_case(case, load_ruleset("mof-project")).failures == ()
    from scoring.api import run_raw
    from scoring.rstest import _raw

    def explained(rs: Ruleset) -> str:
        return str(run_raw(_raw(case, rs), rs).result.items.set_index("name").loc["采购成本", "explanation"])

    assert "目标 ≤80万元" in explained(load_ruleset("mof-project"))
    # Without the setting the bare number reads as ≥ (the library does not know 采购成本).
    plain = load_ruleset(write(tmp_path, "format: 1\nextends: mof-project\nname: plain\nblank_comparator: []\n"))
    assert plain.blank_comparators == ()
    assert "目标 ≥80万元" in explained(plain)


def test_officer_methods_in_a_ruleset(tmp_path: Path) -> None:
    """Rate rounded before scoring (49.88% → 50% × 10 = 5) and a banded 成本 rule with target/actual, end to end."""
    path = write(
        tmp_path,
        """\
format: 1
extends: mof-project
name: officer
levels:
  - {name: 预算执行率, method: {name: budget_execution, round: 0}}
methods:
  - when: {level2: 成本指标}
    method: target_over_actual
tests:
  - name: 49.88% 按 50% 计分；成本 80/100 × 50
    data:
      单位信息: [{部门编码: T1, 部门名称: 测试局, 年度: 2024}]
      项目支出: [{项目编码: P1, 项目名称: 测试项目, 全年预算数: 100, 全年执行数: 49.88}]
      绩效指标:
        - {项目编码: P1, 一级指标: 产出指标, 二级指标: 成本指标, 三级指标: 采购成本, 年度指标值: "≤80万元", 实际完成值: 100万元}
    expect:
      indicators: {预算执行率: 5, 采购成本: 40}
""",
    )
    rs = load_ruleset(path)
    results = run_tests(rs)
    assert [r.failures for r in results] == [()]


def test_methods_command_lists_every_method() -> None:
    from typer.testing import CliRunner

    from scoring.cli import app
    from scoring.rules.methods import METHODS

    res = CliRunner().invoke(app, ["ruleset", "methods"])
    assert res.exit_code == 0
    assert all(f"■ {name}：" in res.stdout for name in METHODS)
    assert "per（数值，默认 必填）：每 step 个单位扣的分数" in res.stdout
