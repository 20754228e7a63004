"""Bounded scores and one rounding rule (issue 9, cases 3, 4 and 5), from cells as a department writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from dept_files import FULL, PROJECT, score_dept

from scoring.core.display import fmt2

OUTPUT, BENEFIT, SATISFACTION = FULL


def _rejections(run: object) -> list[tuple[str, str]]:
    return [(r.source.column, r.reason) for r in run.dataset.rejections]  # type: ignore[attr-defined]


# ------------------------------------------------------------------ case 3: rounding and grading


def test_displayed_90_is_graded_excellent(tmp_path: Path) -> None:
    # 执行率 10；产出 50；效益“部分达成”0.7 × 30 = 21；满意度 80.96/90 × 10 = 8.99556 → 9.00。
    # Rounded first: 10 + 50 + 21 + 9.00 = 90.00 → 优 (before: 89.99556, shown 90.00 but graded 良).
    sat = {**SATISFACTION, "实际完成值": "80.96%"}
    run = score_dept(tmp_path / "d", indicators=[OUTPUT, {**BENEFIT, "实际完成值": "部分达成"}, sat])
    it = run.result.items.set_index("name")
    assert it.loc["学员满意度", "points"] == 9.0
    p = run.result.projects.iloc[0]
    assert (fmt2(p["total"]), p["grade"]) == ("90.00", "优")
    d = run.result.departments.iloc[0]
    assert (fmt2(d["total"]), d["grade"]) == ("90.00", "优")


def test_displayed_indicator_points_add_up_to_the_total(tmp_path: Path) -> None:
    # 产出 50 split among three rows: 16.67 + 16.67 + 16.66 (not 3 × 16.6667, shown as 16.67 each = 50.01).
    # Each at 50%: 0.5 × 16.67 = 8.335 → 8.34, 8.34, 0.5 × 16.66 = 8.33. Total 10 + 25.01 + 30 + 10 = 75.01.
    # Before: each 8.3333 shown 8.33 (sum 24.99) while the total showed 75.00.
    rows = [{**OUTPUT, "三级指标": f"任务{i}", "年度指标值": "≥100件", "实际完成值": "50件"} for i in (1, 2, 3)]
    run = score_dept(tmp_path / "d", indicators=[*rows, BENEFIT, SATISFACTION])
    it = run.result.items.set_index("name")
    assert [it.loc[f"任务{i}", "weight"] for i in (1, 2, 3)] == [16.67, 16.67, 16.66]
    assert [it.loc[f"任务{i}", "points"] for i in (1, 2, 3)] == [8.34, 8.34, 8.33]
    shown = sum(float(fmt2(v)) for v in run.result.items["points"])
    assert fmt2(run.result.projects["total"].iloc[0]) == fmt2(shown) == "75.01"


# ------------------------------------------------------------------ case 4: 人工调整得分


def test_override_above_weight_is_rejected(tmp_path: Path) -> None:
    # 人工调整得分 1000 with a reason: before, the project scored 1089.04 and the department 255.01/100 优.
    out = {**OUTPUT, "人工调整得分": 1000, "调整理由": "经复核"}
    run = score_dept(tmp_path / "d", indicators=[out, BENEFIT, SATISFACTION])
    assert _rejections(run) == [("人工调整得分", "人工调整得分 1000 超过「产出指标」的分值 50")]
    # The 产出 row is not scored: 10 + 0 + 30 + 10 = 50, and never above 100.
    assert float(run.result.projects["total"].iloc[0]) == 50.0


def test_override_above_given_weight_is_rejected(tmp_path: Path) -> None:
    out = {**OUTPUT, "分值": 20, "人工调整得分": 25, "调整理由": "经复核"}
    run = score_dept(tmp_path / "d", indicators=[out, BENEFIT, SATISFACTION])
    assert _rejections(run) == [("人工调整得分", "人工调整得分 25 超过分值 20")]


def test_override_needs_a_reason(tmp_path: Path) -> None:
    out = {**OUTPUT, "人工调整得分": 40, "调整理由": ""}
    run = score_dept(tmp_path / "d", indicators=[out, BENEFIT, SATISFACTION])
    assert _rejections(run) == [("调整理由", "有人工调整得分但未填写调整理由")]


def test_override_within_bounds_with_reason_counts(tmp_path: Path) -> None:
    # 产出 computed 50, adjusted to 40 with a reason: 10 + 40 + 30 + 10 = 90.
    out = {**OUTPUT, "人工调整得分": 40, "调整理由": "抽查发现部分培训记录不全"}
    run = score_dept(tmp_path / "d", indicators=[out, BENEFIT, SATISFACTION])
    assert run.dataset.rejections == ()
    assert float(run.result.projects["total"].iloc[0]) == 90.0


def test_negative_override_is_rejected(tmp_path: Path) -> None:
    out = {**OUTPUT, "人工调整得分": -5, "调整理由": "扣分"}
    run = score_dept(tmp_path / "d", indicators=[out, BENEFIT, SATISFACTION])
    assert _rejections(run) == [("人工调整得分", "「人工调整得分」不能为负数")]


# ------------------------------------------------------------------ case 5: negative money and counts


def test_negative_budget_is_rejected(tmp_path: Path) -> None:
    # Before: 全年预算数 −100 with 执行 100 scored 100.02/100.
    project = {**PROJECT, "全年预算数": -100}
    run = score_dept(tmp_path / "d", projects=[project], indicators=[OUTPUT, BENEFIT, SATISFACTION])
    reasons = _rejections(run)
    assert reasons[0] == ("全年预算数", "「全年预算数」不能为负数")
    assert run.result.projects.empty
    assert float(run.result.departments["total"].iloc[0]) == 0.0


def test_negative_count_is_rejected(tmp_path: Path) -> None:
    out = {**OUTPUT, "实际完成值": "-3人次"}
    run = score_dept(tmp_path / "d", indicators=[out, BENEFIT, SATISFACTION])
    assert _rejections(run) == [("实际完成值", "以「人次」计的数量不能为负数")]


def test_negative_rate_change_is_allowed(tmp_path: Path) -> None:
    # A 变动率 may be negative: −5% against ≤0% is met (成本 rules: inverse_ratio, target 0 → actual ≤ 0 full).
    cost = {
        "一级指标": "产出指标",
        "二级指标": "成本指标",
        "三级指标": "成本变动率",
        "年度指标值": "≤0%",
        "实际完成值": "-5%",
    }
    run = score_dept(tmp_path / "d", indicators=[OUTPUT, cost, BENEFIT, SATISFACTION])
    assert run.dataset.rejections == ()
    assert run.result.items.set_index("name").loc["成本变动率", "points"] == 25.0


@pytest.mark.parametrize("column", ["全年执行数", "结转结余", "年初预算数"])
def test_negative_project_money_is_rejected(tmp_path: Path, column: str) -> None:
    run = score_dept(tmp_path / "d", projects=[{**PROJECT, column: -1}], indicators=[OUTPUT])
    assert _rejections(run)[0] == (column, f"「{column}」不能为负数")
