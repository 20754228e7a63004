"""The execution row is counted once (issue 9, case 8): a ruleset that scores 执行率 from the budget lines
rejects an indicator row repeating it, and no total ever exceeds the ruleset's maximum."""

from __future__ import annotations

from pathlib import Path

import pytest
from dept_files import FULL, PROJECT, score_dept

EZHOU = Path(__file__).resolve().parent / "data" / "rulesets" / "ezhou-like.yaml"
# As a finance officer copies it from the provincial form into the indicator table.
EXECUTION_ROW = {
    "一级指标": "产出指标",
    "二级指标": "预算执行",
    "三级指标": "预算执行率",
    "年度指标值": "100%",
    "实际完成值": "98%",
}


def test_copied_execution_row_is_not_counted_twice(tmp_path: Path) -> None:
    # 执行 98 / 预算 100 = 98% → 0.98 × 20 = 19.60 (产出/预算执行); 培训人次 takes the other 40 of 产出;
    # 效益 30; 满意度 10. Total 19.60 + 40 + 30 + 10 = 99.60 (before: the copied row scored too, 114.70-style).
    run = score_dept(
        tmp_path / "d",
        EZHOU,
        projects=[{**PROJECT, "全年执行数": 98, "结转结余": 2}],
        indicators=[EXECUTION_ROW, *FULL],
    )
    [rej] = run.dataset.rejections
    assert (
        rej.reason
        == "预算执行率已由规则集按 全年执行数 / 全年预算数 计分（产出指标/预算执行，20 分），此行重复，不另计分"
    )
    it = run.result.items
    assert list(it.loc[it["name"] == "预算执行率", "kind"]) == ["metric"]
    assert it.set_index("name").loc["预算执行率", "points"] == pytest.approx(19.6)
    p = run.result.projects.iloc[0]
    assert (p["total"], p["grade"]) == (pytest.approx(99.6), "优（暂定）")


def test_execution_row_under_mof_project_is_rejected_too(tmp_path: Path) -> None:
    # mof-project scores 执行率 as its own 一级 (10 分); a copied row under 一级 预算执行率 is the same money.
    row = {**EXECUTION_ROW, "一级指标": "预算执行率", "二级指标": ""}
    run = score_dept(tmp_path / "d", indicators=[row, *FULL])
    assert [r.reason for r in run.dataset.rejections] == [
        "预算执行率已由规则集按 全年执行数 / 全年预算数 计分（预算执行率，10 分），此行重复，不另计分"
    ]
    assert float(run.result.projects["total"].iloc[0]) == 100.0
