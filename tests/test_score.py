"""Scores of the bundled examples against values worked out by hand from the rulesets (arithmetic shown)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from runs import scored

from scoring import api
from scoring.core.display import fmt2, round_half_up
from scoring.model.run import Run

# Issue 9: one rounding rule. Each indicator's points are rounded half-up to 2 places first; totals are sums
# (a department of projects: the budget-weighted mean) of those rounded points, rounded again.
r2 = round_half_up

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def lusong() -> Run:
    return scored(EXAMPLES / "lusong-chengguan", "mof-project")


@pytest.fixture(scope="module")
def education_dept() -> Run:
    return scored(EXAMPLES / "district-education", "province-dept")


def project_total(run: Run, code: str) -> float:
    p = run.result.projects
    return float(p.loc[p["project_code"] == code, "total"].iloc[0])


def points(run: Run, name: str, project: str = "") -> float:
    it = run.result.items
    hit = it[(it["name"] == name) & ((it["project_code"] == project) if project else True)]
    assert len(hit) == 1, f"{name}: {len(hit)} rows"
    return float(hit["points"].iloc[0])


# 芦淞区城管局, 财预〔2020〕10号: 执行率 10 / 产出 50 / 效益 30 / 满意度 10, equal split inside a level.
LUSONG_PROJECTS = [
    # P01: 100% executed → 10; 5 output indicators share 50 → 10 each; 按期结案率 81.32/90 × 10 = 9.035556;
    #      others at or above target → 10 each; 效益 30 and 满意度 10 达成 → full.  10+40+9.04+30+10
    ("P01", 10 + 40 + r2(81.32 / 90 * 10) + 30 + 10),
    ("P02", 100.0),
    # P03: no 满意度 indicator → its 10 points are withheld (missing_level: withhold).
    ("P03", 90.0),
    # P04: 4 output indicators → 12.5 each; 垃圾容器更新率 90/95 × 12.5 = 11.842105 → 11.84.
    ("P04", 10 + 3 * 12.5 + r2(90 / 95 * 12.5) + 30 + 10),
    ("P05", 100.0),
    ("P06", 90.0),
    ("P07", 100.0),
    ("P08", 100.0),
]


@pytest.mark.parametrize(("code", "expected"), LUSONG_PROJECTS, ids=[c for c, _ in LUSONG_PROJECTS])
def test_lusong_project_totals(lusong: Run, code: str, expected: float) -> None:
    assert project_total(lusong, code) == pytest.approx(expected, abs=1e-9)


def test_lusong_department_is_budget_weighted_mean(lusong: Run) -> None:
    budgets = {
        "P01": 129.44,
        "P02": 193.16,
        "P03": 28.03,
        "P04": 70.5,
        "P05": 61.49,
        "P06": 75.92,
        "P07": 95.76,
        "P08": 164.56,
    }
    expected = r2(sum(budgets[c] * t for c, t in LUSONG_PROJECTS) / sum(budgets.values()))  # 80675.29 / 818.86
    d = lusong.result.departments
    assert float(d["total"].iloc[0]) == pytest.approx(expected, abs=1e-9)
    assert fmt2(d["total"].iloc[0]) == "98.52"
    assert d["grade"].iloc[0] == "优"


def test_lusong_explanations_say_why(lusong: Run) -> None:
    it = lusong.result.items
    row = it[(it["project_code"] == "P01") & (it["name"] == "按期结案率")].iloc[0]
    assert row["explanation"] == "按期结案率：实际 81.32%，目标 ≥90%，完成率 90.36%，得 9.04/10.00 分"
    missing = it[(it["project_code"] == "P03") & (it["kind"] == "missing")].iloc[0]
    assert missing["explanation"] == "未设置满意度指标，本级 10.00 分未得"


def test_overachievement_flagged_and_reason_recorded(lusong: Run) -> None:
    it = lusong.result.items.set_index("name")
    assert bool(it.loc["市容集中整治次数", "overachieved"])  # 85/60 = 141.7% ≥ 130%
    assert bool(it.loc["市容集中整治次数", "reason_missing"])
    assert bool(it.loc["取缔占道经营", "overachieved"]) and not bool(it.loc["取缔占道经营", "reason_missing"])
    assert "未说明偏差原因" in str(it.loc["市容集中整治次数", "explanation"])


def test_rows_accounted_for(lusong: Run) -> None:
    read, used, rejected = lusong.counts
    # 1 单位信息 + 7 预算收支 + 8 项目支出 + 38 绩效指标; 整体绩效指标 is not read by a project ruleset.
    assert (read, used, rejected) == (54, 54, 0)


def test_education_project_with_low_execution() -> None:
    run = scored(EXAMPLES / "district-education", "mof-project")
    # E02: 执行率 96/132.91 × 10; 维修面积 8600/12000 × 12.5; 合格率 12.5; 暑期完工率 75/90 × 12.5;
    #      成本 96 ≤ 132.91 → 12.5; 效益 “部分达成” → 0.7 × 30; 满意度 86/90 × 10.
    #      Rounded first: 7.22 + 8.96 + 12.5 + 10.42 + 12.5 + 21 + 9.56 = 82.16 (unrounded 82.1535 showed 82.15
    #      while its displayed parts added up to 82.16).
    parts = [96 / 132.91 * 10, 8600 / 12000 * 12.5, 12.5, 75 / 90 * 12.5, 12.5, 0.7 * 30, 86 / 90 * 10]
    expected = r2(sum(r2(x) for x in parts))
    assert project_total(run, "E02") == pytest.approx(expected, abs=1e-9)
    assert fmt2(expected) == "82.16"


def test_education_department_scope(education_dept: Run) -> None:
    """部门整体 ruleset, each indicator worked by hand from the example's tables."""
    r = education_dept
    expected = {
        "绩效目标合理性": 0.6 * 2,  # “基本合理” → 60% of 2
        "绩效指标明确性": 3.0,
        "在职人员控制率": 5 - 0.5 * 5,  # 63/60 = 105%: 5 pp over × 0.5
        "三公经费变动率": 5 - 0.5 * ((8.6 - 7.9) / 7.9 * 100),  # +8.86% × 0.5
        "预算执行率": 2745 / 2852.91 * 8,
        "预算调整率": 0.6667 * 4,  # |2852.91 − 2922.64| / 2922.64 = 2.39% ∈ (0, 10]
        "结转结余率": (1 - (95.91 / 2745 * 100) / 20) * 4,  # linear: 20% → 0, 0% → full
        "三公经费控制率": 0.0,  # 8.6/8 = 107.5%: 7.5 pp × 1 > 4
        "管理制度健全性": 5.0,
        "资金使用合规性": 5 - 1,  # 1 次 × 1
        "预决算信息公开性": 5.0,
        "实际完成率": (1 + 8600 / 12000 + 1 + 32 / 40) / 4 * 10,  # mean capped completion of 数量 rows
        "质量达标率": 8.0,
        "完成及时率": (1 + 75 / 90 + 0.6) / 3 * 6,  # E04 “部分达成” = 0.6 in this ruleset
        "成本控制率": 6.0,
        "效益实现程度": (1 + 0.6 + 1 + 1) / 4 * 12,
        "服务对象满意度": (1 + 86 / 90 + 1) / 3 * 8,
    }
    for name, want in expected.items():
        assert points(r, name) == pytest.approx(r2(want), abs=1e-9), name
    total = float(r.result.departments["total"].iloc[0])
    assert total == pytest.approx(r2(sum(r2(v) for v in expected.values())), abs=1e-9)
    assert r.result.departments["grade"].iloc[0] == "良"


def test_multi_department_ranking() -> None:
    run = scored(EXAMPLES, "mof-project")
    d = run.result.departments
    assert list(d["dept_name"]) == ["示例区卫生健康局", "株洲市芦淞区城市管理和综合执法局", "示例区教育局"]
    assert list(d["rank"]) == [1, 2, 3]


def test_year_filter_rejects_other_years() -> None:
    run = api.run_path(EXAMPLES / "district-health", "mof-project", 2023)
    assert run.result.departments.empty
    reasons = [r.reason for r in run.dataset.rejections]
    assert reasons[0] == "年度为 2024，与所评年度 2023 不符"
    assert all(r == "所属部门在单位信息中未通过校验" for r in reasons[1:])
    read, used, rejected = run.counts
    assert read == used + rejected


def test_scoring_is_vectorised_over_all_departments() -> None:
    """Scoring all examples at once gives the same per-indicator points as scoring each alone."""
    together = scored(EXAMPLES, "mof-project").result.items
    alone = pd.concat(
        [api.run_path(p, "mof-project", 2024).result.items for p in sorted(EXAMPLES.iterdir()) if p.is_dir()]
    )
    key = ["dept_code", "project_code", "name"]
    a = together.set_index(key)["points"].sort_index()
    b = alone.set_index(key)["points"].sort_index()
    pd.testing.assert_series_equal(a, b)


def test_manual_override_keeps_the_computed_score(tmp_path: Path) -> None:
    """人工调整: the evaluator's score counts; the computed score and the reason stay visible."""
    import shutil

    folder = Path(shutil.copytree(EXAMPLES / "lusong-chengguan", tmp_path / "d"))
    p = folder / "绩效指标.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[0] += ",人工调整得分,调整理由"
    lines = [
        line + (",10,系统故障期间案件延期，经核实不扣分" if "按期结案率" in line else ",,") if i else line
        for i, line in enumerate(lines)
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = api.run_path(folder, "mof-project", 2024)
    items = run.result.items.set_index(["project_code", "name"])
    row = items.loc[items.index == ("P01", "按期结案率")].iloc[0]
    assert float(row["points"]) == 10.0
    assert float(row["points_computed"]) == pytest.approx(81.32 / 90 * 10)
    assert row["explanation"].endswith("人工调整为 10.00 分（计算得分 9.04，理由：系统故障期间案件延期，经核实不扣分）")
    assert project_total(run, "P01") == pytest.approx(100.0)


def test_published_scores_are_compared(tmp_path: Path) -> None:
    """A department's own 得分 stays beside perfscore's; a difference is said, and ≥ 0.5 is a finding."""
    import shutil

    folder = Path(shutil.copytree(EXAMPLES / "lusong-chengguan", tmp_path / "d"))
    p = folder / "绩效指标.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    published = {"按期结案率": "9", "结案率": "10", "立案数": "8"}
    lines = [
        line + ",得分" if i == 0 else line + "," + next((v for k, v in published.items() if f",{k}," in line), "")
        for i, line in enumerate(lines)
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = api.run_path(folder, "mof-project", 2024)
    it = run.result.items.set_index(["project_code", "name"])
    assert it.loc[("P01", "按期结案率"), "note"] == "与单位自评得分 9.00 相差 +0.04 分"  # 9.0356 vs 9
    assert it.loc[("P01", "结案率"), "note"] == ""
    assert it.loc[("P01", "立案数"), "note"] == "与单位自评得分 8.00 相差 +2.00 分"
    (differs,) = [f for f in run.findings if f.rule_id == "published-score-differs"]
    assert differs.problem == "“数字化城管指挥中心运行项目”的“立案数”单位自评8.00分，按评分规则应为10.00分"
