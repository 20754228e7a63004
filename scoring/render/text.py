"""Render a scoring run as a terminal table, Markdown or a JSON trace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
from tabulate import tabulate

from scoring.core.display import fmt2
from scoring.core.display import pct_text as _pct
from scoring.core.display import wan_text as _wan
from scoring.core.frames import iter_rows
from scoring.model.run import Run
from scoring.model.trace import trace
from scoring.pipeline.checks import STATUS_ZH


def counts_line(run: Run) -> str:
    read, used, rejected = run.counts
    return f"读取 {read} 行，评分 {used} 行，拒绝 {rejected} 行"


def ranking_rows(run: Run) -> list[list[str]]:
    d = run.result.departments
    return [[str(r.rank), r.dept_name, str(r.year), fmt2(r.total), r.grade, str(r.n_projects)]
            for r in iter_rows(d)]


RANKING_HEADERS = ["排名", "部门", "年度", "得分", "等级", "项目数"]
PROJECT_HEADERS = ["项目", "全年预算(万元)", "全年执行(万元)", "执行率", "得分", "等级"]
ITEM_HEADERS = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "自评得分", "说明"]


def project_rows(run: Run, dept_code: str) -> list[list[str]]:
    p = run.result.projects
    if p.empty:
        return []
    p = p[p["dept_code"] == dept_code]
    return [[r.project_name, _wan(r.budget_final), _wan(r.spent), _pct(r.execution_rate), fmt2(r.total), r.grade]
            for r in iter_rows(p)]


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


def _units(run: Run) -> Iterator[tuple[str, str, str | None, str]]:
    """(dept_code, dept_name, project_code or None, title) for each scored unit, in display order."""
    for d in iter_rows(run.result.departments):
        if run.ruleset.scope == "project":
            p = run.result.projects
            for r in iter_rows(p[p["dept_code"] == d.dept_code]):
                yield d.dept_code, d.dept_name, r.project_code, f"{r.project_name}（{fmt2(r.total)} 分，{r.grade}）"
        else:
            yield d.dept_code, d.dept_name, None, f"{d.dept_name}（{fmt2(d.total)} 分，{d.grade}）"


def render_table(run: Run, detail: bool | None = None) -> str:
    """The terminal view: ranking, per-department projects, and indicator detail when asked (default: one department)."""
    out = [f"规则集：{run.ruleset.label}", counts_line(run), ""]
    out.append(tabulate(ranking_rows(run), RANKING_HEADERS, tablefmt="simple", disable_numparse=True))
    n = len(run.result.departments)
    if detail is None and n > MANY_DEPARTMENTS:
        # A bureau-wide run: the ranking is the screen; the rest belongs in a file.
        out += ["", f"共 {n} 个部门；--detail 显示各部门项目与指标，或用 -f xlsx / -f html / report 输出文件。"]
        out += _problems_text(run, brief=True)
        return "\n".join(out)
    detail = n <= 1 if detail is None else detail
    for d in iter_rows(run.result.departments):
        rows = project_rows(run, d.dept_code)
        if rows:
            out += ["", f"【{d.dept_name}】项目得分",
                    tabulate(rows, PROJECT_HEADERS, tablefmt="simple", disable_numparse=True)]
    if detail:
        for code, _name, project, title in _units(run):
            headers, rows = item_table(run, code, project)
            out += ["", f"■ {title}", tabulate(rows, headers, tablefmt="simple", disable_numparse=True,
                                               maxcolwidths=[None] * (len(headers) - 1) + [40])]
    out += _problems_text(run)
    return "\n".join(out)


MANY_DEPARTMENTS = 10


def _problems_text(run: Run, brief: bool = False) -> list[str]:
    """Checks and rejections under the tables; `brief` counts them instead of listing them."""
    if brief:
        fails = int((run.checks["status"] == "fail").sum()) if len(run.checks) else 0
        rejected = run.dataset.rows_rejected
        return ["", f"一致性检查不符 {fails} 项，被拒绝的行 {rejected} 行，无法读取的文件 {len(run.dataset.problems)} 个"
                    "（详见 -f json / -f xlsx）"] if fails or rejected or run.dataset.problems else []
    out = []
    if len(run.checks):
        out += ["", "一致性检查："] + [f"  [{STATUS_ZH.get(r.status, r.status)}] {r.message}"
                                         for r in iter_rows(run.checks)]
    if run.dataset.rejections:
        rej = run.dataset.rejections
        out += ["", f"被拒绝的行（{len(rej)}）："] + [f"  {r}" for r in rej[:50]]
        if len(rej) > 50:
            out.append(f"  ……另有 {len(rej) - 50} 行，见 --format json")
    for p in run.dataset.problems:
        out.append(f"  {p}")
    return out


def render_markdown(run: Run) -> str:
    """The scored 自评表 in Markdown: ranking, then each department's projects and indicators."""
    rs = run.ruleset
    out = ["# 绩效自评评分结果", "", f"- 规则集：{rs.title}（`{rs.name}` {rs.version}）",
           f"- 依据：{rs.source_doc}", f"- {counts_line(run)}", "", "## 部门排名", "",
           tabulate(ranking_rows(run), RANKING_HEADERS, tablefmt="github", disable_numparse=True)]
    for d in iter_rows(run.result.departments):
        out += ["", f"## {d.dept_name}（{fmt2(d.total)} 分，{d.grade}）"]
        rows = project_rows(run, d.dept_code)
        if rows:
            out += ["", tabulate(rows, PROJECT_HEADERS, tablefmt="github", disable_numparse=True)]
        for code, _name, project, title in _units(run):
            if code != d.dept_code:
                continue
            headers, item_rows = item_table(run, code, project)
            out += ["", f"### {title}" if project else "### 指标得分", "",
                    tabulate(item_rows, headers, tablefmt="github", disable_numparse=True)]
    if len(run.checks):
        out += ["", "## 一致性检查", ""] + [f"- {'**不符**' if r.status == 'fail' else STATUS_ZH.get(r.status, r.status)}：{r.message}"
                                              for r in iter_rows(run.checks)]
    if run.dataset.rejections:
        out += ["", "## 被拒绝的行", ""] + [f"- {r}" for r in run.dataset.rejections]
    return "\n".join(out) + "\n"








def render_json(run: Run) -> str:
    return json.dumps(trace(run), ensure_ascii=False, indent=2) + "\n"
