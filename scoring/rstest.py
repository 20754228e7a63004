"""Tests embedded in a ruleset (`tests:`): small inline departments with the scores and findings expected.

A case names its input tables by sheet (单位信息, 预算收支, 项目支出, 绩效指标, 整体绩效指标) with rows
written as mappings of column headers, and an `expect:` block:

    tests:
      - name: 全部达标
        data:
          单位信息: [{部门编码: T1, 部门名称: 测试局, 年度: 2024}]
          项目支出: [{项目编码: P1, 项目名称: 测试项目, 全年预算数: 100, 全年执行数: 95}]
          绩效指标: [{项目编码: P1, 一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 立案数, 年度指标值: ≥100件, 实际完成值: 120件}]
        expect:
          total: 89.5                 # department total
          grade: 良
          projects: {P1: 89.5}        # project totals (project scope)
          indicators: {立案数: 50}    # points by 三级指标 name
          findings: [execution-low]   # rule ids that must fire
          no_findings: [execution-very-low]
          rejected: 0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.api import run_raw
from scoring.core.tolerance import STATED_SCORE_TOL as TOLERANCE
from scoring.core.yamlio import LINE_KEY, line_of
from scoring.io.load import RawData, _frame
from scoring.model.tables import TABLES
from scoring.pipeline.findings import Engine
from scoring.rules.ruleset import Ruleset


@dataclass(frozen=True, slots=True)
class CaseResult:
    name: str
    line: int | None
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def _raw(case: Mapping[str, Any], ruleset: Ruleset) -> RawData:
    data = case.get("data") or {}
    tables = {}
    where = f"{ruleset.path}#{case.get('name', '')}"
    for table in TABLES:
        rows = data.get(table.sheet) or data.get(table.key) or []
        rows = [{k: v for k, v in r.items() if k != LINE_KEY} for r in rows]
        headers = sorted({k for r in rows for k in r}, key=lambda k: [k2 for r in rows for k2 in r].index(k))
        grid: list[list[object]] = [list(headers)] + [[r.get(h) for h in headers] for r in rows]
        tables[table.key] = (
            _frame(table, grid, where, table.sheet)
            if rows
            else _frame(table, [[c.header for c in table.columns]], where, table.sheet)
        )
    depts = tables["departments"]
    if len(depts) == 1:  # one department: 部门编码 may be left out elsewhere
        for key, df in tables.items():
            if key != "departments" and len(df):
                df["dept_code"] = df["dept_code"].where(df["dept_code"].notna(), depts["dept_code"].iloc[0])
    return RawData(tables)


def run_case(case: Mapping[str, Any], ruleset: Ruleset, engine: Engine = "columns") -> CaseResult:
    name = str(case.get("name", "（未命名）"))
    exp = case.get("expect") or {}
    try:
        run = run_raw(_raw(case, ruleset), ruleset, engine=engine)
    except Exception as exc:  # a case that cannot run is a failure, reported with its reason
        return CaseResult(name, line_of(case), (f"运行出错：{exc}",))
    fails: list[str] = []
    depts = run.result.departments

    def close(label: str, got: float | None, want: Any) -> None:
        if got is None or pd.isna(got):
            fails.append(f"{label}：期望 {want}，实际没有结果")
        elif abs(float(got) - float(want)) > TOLERANCE:
            fails.append(f"{label}：期望 {float(want):.2f}，实际 {float(got):.2f}")

    if "total" in exp:
        close("总分", float(depts["total"].iloc[0]) if len(depts) else None, exp["total"])
    if "grade" in exp:
        got = depts["grade"].iloc[0] if len(depts) else None
        if got != exp["grade"]:
            fails.append(f"等级：期望 {exp['grade']}，实际 {got}")
    for code, want in (exp.get("projects") or {}).items():
        if code == LINE_KEY:
            continue
        p = run.result.projects
        hit = p[p["project_code"] == str(code)] if len(p) else p
        close(f"项目 {code} 得分", float(hit["total"].iloc[0]) if len(hit) else None, want)
    items = run.result.items
    for ind, want in (exp.get("indicators") or {}).items():
        if ind == LINE_KEY:
            continue
        hit = items[(items["name"] == ind) | (items["indicator_id"] == ind)]
        close(f"指标「{ind}」得分", float(hit["points"].sum()) if len(hit) else None, want)
    fired = {f.rule_id for f in run.findings}
    for rid in exp.get("findings") or ():
        if rid not in fired:
            fails.append(f"应触发问题规则 {rid}，但未触发（已触发：{', '.join(sorted(fired)) or '无'}）")
    for rid in exp.get("no_findings") or ():
        if rid in fired:
            fails.append(f"不应触发问题规则 {rid}，但触发了")
    if "rejected" in exp and len(run.dataset.rejections) != int(exp["rejected"]):
        fails.append(
            f"拒绝行数：期望 {exp['rejected']}，实际 {len(run.dataset.rejections)}："
            + "；".join(str(r) for r in run.dataset.rejections[:3])
        )
    return CaseResult(name, line_of(case), tuple(fails))


def run_tests(ruleset: Ruleset, engine: Engine = "columns") -> list[CaseResult]:
    return [run_case(c, ruleset, engine) for c in ruleset.tests]
