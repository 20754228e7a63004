"""The terminal view of a run (ranking, projects, indicators, problems) and of a department's stored history."""

from __future__ import annotations

import pandas as pd
from tabulate import tabulate

from scoring.core.display import fmt2
from scoring.core.frames import iter_rows
from scoring.model.run import Run
from scoring.pipeline.checks import STATUS_ZH
from scoring.render.common import (
    PROJECT_HEADERS,
    RANKING_HEADERS,
    counts_line,
    item_table,
    project_rows,
    ranking_rows,
    units,
)


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
        for code, _name, project, title in units(run):
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


HISTORY_HEADERS = ["年度", "规则集", "版本", "得分", "等级", "项目数", "存入时间"]


def render_history(rows: pd.DataFrame, dept_code: str) -> str:
    """A department's stored results, one line per year and ruleset, under its name and code.

    `rows` is `scoring.store.results.history`: year, ruleset, ruleset_version, total, grade, n_projects,
    stored_at, dept_name (oldest first; the newest name heads the table)."""
    name = rows["dept_name"].iloc[-1]
    table = [[r.year, r.ruleset, r.ruleset_version, fmt2(r.total), r.grade, r.n_projects, r.stored_at]
             for r in iter_rows(rows)]
    return f"{name}（{dept_code}）\n" + tabulate(table, HISTORY_HEADERS, disable_numparse=True)
