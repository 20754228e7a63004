"""Rows and cells every renderer shares: counts, ranking, project and indicator tables, the 说明 cell.

The table, Markdown, xlsx and report renderers all build their tables from these, so a 说明 or a
ranking reads the same in every format.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from scoring.core.display import fmt2
from scoring.core.display import pct_text as _pct
from scoring.core.display import wan_text as _wan
from scoring.core.frames import iter_rows
from scoring.model.run import Run


def counts_line(run: Run) -> str:
    read, used, rejected = run.counts
    return f"读取 {read} 行，评分 {used} 行，拒绝 {rejected} 行"


def ranking_rows(run: Run) -> list[list[str]]:
    d = run.result.departments
    return [[str(r.rank), r.dept_name, str(r.year), r.total_text, r.grade, str(r.n_projects)] for r in iter_rows(d)]


RANKING_HEADERS = ["排名", "部门", "年度", "得分", "等级", "项目数"]
PROJECT_HEADERS = ["项目", "全年预算(万元)", "全年执行(万元)", "执行率", "得分", "等级"]
ITEM_HEADERS = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "自评得分", "说明"]


def project_rows(run: Run, dept_code: str) -> list[list[str]]:
    p = run.result.projects
    if p.empty:
        return []
    p = p[p["dept_code"] == dept_code]
    return [
        [r.project_name, _wan(r.budget_final), _wan(r.spent), _pct(r.execution_rate), r.total_text, r.grade]
        for r in iter_rows(p)
    ]


def reason_cell(r: Any) -> str:
    """说明 beside the target, actual and points columns: how the method reached the points, and what
    changed them after (over-achievement, 人工调整, a published 得分 that differs). A missing row says why."""
    if r.kind == "missing":
        return str(r.explanation)
    return "；".join(t for t in (str(r.how), str(r.note)) if t and t != "nan")


def item_table(run: Run, dept_code: str, project_code: str | None = None) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of one scored 自评表. 说明 says how the points came about (target and points are in
    their own columns); 自评得分 appears only when the department published scores."""
    it = run.result.items
    it = it[it["dept_code"] == dept_code]
    if project_code is not None:
        it = it[it["project_code"] == project_code]
    published = it["published_score"].notna().any()
    headers = [h for h in ITEM_HEADERS if published or h != "自评得分"]
    rows = []
    for r in iter_rows(it):
        why = reason_cell(r)
        row = [r.level1, r.level2 or "", r.name, r.target_text, r.actual_text, fmt2(r.weight), fmt2(r.points)]
        if published:
            row.append("" if pd.isna(r.published_score) else fmt2(r.published_score))
        rows.append([*row, why])
    return headers, rows


def units(run: Run) -> Iterator[tuple[str, str, str | None, str]]:
    """(dept_code, dept_name, project_code or None, title) for each scored unit, in display order."""
    for d in iter_rows(run.result.departments):
        if run.ruleset.scope == "project":
            p = run.result.projects
            for r in iter_rows(p[p["dept_code"] == d.dept_code]):
                yield d.dept_code, d.dept_name, r.project_code, f"{r.project_name}（{r.total_text} 分，{r.grade}）"
        else:
            yield d.dept_code, d.dept_name, None, f"{d.dept_name}（{d.total_text} 分，{d.grade}）"
