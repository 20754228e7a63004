"""The terminal view of a run (ranking, projects, indicators, problems) and of a department's stored history."""

from __future__ import annotations

from pathlib import Path

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
from scoring.render.summary import attention, grade_counts


def render_table(
    run: Run, detail: bool | None = None, files: Path | None = None, rejected_codes: list[str] | None = None
) -> str:
    """The terminal view: ranking, per-department projects, and indicator detail when asked (default: one
    department). More than MANY_DEPARTMENTS departments (and no --detail): one screen (`render_overview`)."""
    n = len(run.result.departments)
    if detail is None and n > MANY_DEPARTMENTS:
        return render_overview(run, files, rejected_codes)
    out = [f"规则集：{run.ruleset.label}", counts_line(run), ""]
    out.append(tabulate(ranking_rows(run), RANKING_HEADERS, tablefmt="simple", disable_numparse=True))
    detail = n <= 1 if detail is None else detail
    for d in iter_rows(run.result.departments):
        rows = project_rows(run, d.dept_code)
        if rows:
            out += [
                "",
                f"【{d.dept_name}】项目得分",
                tabulate(rows, PROJECT_HEADERS, tablefmt="simple", disable_numparse=True),
            ]
    if detail:
        for code, _name, project, title in units(run):
            headers, rows = item_table(run, code, project)
            out += [
                "",
                f"■ {title}",
                tabulate(
                    rows,
                    headers,
                    tablefmt="simple",
                    disable_numparse=True,
                    maxcolwidths=[None] * (len(headers) - 1) + [40],
                ),
            ]
    out += _problems_text(run)
    return "\n".join(out)


MANY_DEPARTMENTS = 10
TOP = 10  # departments shown at each end of the ranking on the overview screen
ATTENTION_LINES = 10


def render_overview(run: Run, files: Path | None = None, rejected_codes: list[str] | None = None) -> str:
    """A bureau-wide run as one screen, not a line per department: counts, grade distribution, the top and
    bottom ten, the departments needing attention (each line names its department) and where the files are."""
    d = run.result.departments
    n = len(d)
    out = [f"规则集：{run.ruleset.label}", f"共 {n} 个部门；{counts_line(run)}"]
    counts = grade_counts(run)
    out.append("等级分布：" + "  ".join(map(str, counts)))  # 良 12（其中暂定 2）: the counts add up to n
    if n:
        out.append(f"平均分 {fmt2(d['total'].mean())}，最高 {fmt2(d['total'].max())}，最低 {fmt2(d['total'].min())}")
    rows = ranking_rows(run)
    if n > 2 * TOP:
        out += [
            "",
            f"前 {TOP} 名：",
            tabulate(rows[:TOP], RANKING_HEADERS, tablefmt="simple", disable_numparse=True),
            "",
            f"后 {TOP} 名：",
            tabulate(rows[-TOP:], RANKING_HEADERS, tablefmt="simple", disable_numparse=True),
        ]
    else:
        out += ["", tabulate(rows, RANKING_HEADERS, tablefmt="simple", disable_numparse=True)]
    found = attention(run, rejected_codes)
    if found:
        out += ["", f"需要关注的部门（{len(found)} 个：有被拒绝的行、一致性检查不符或未完成评分）："]
        out += [f"  {a}" for a in found[:ATTENTION_LINES]]
        if len(found) > ATTENTION_LINES:
            out.append(
                f"  ……另有 {len(found) - ATTENTION_LINES} 个部门"
                + ("，见汇总表“被拒绝的行”“检查不符”两表" if files else "，用 --out 文件夹 写出汇总表查看")
            )
    for p in run.dataset.problems[:ATTENTION_LINES]:
        out.append(f"  无法读取：{p}")
    if len(run.dataset.problems) > ATTENTION_LINES:
        out.append(f"  ……另有 {len(run.dataset.problems) - ATTENTION_LINES} 个文件无法读取（见 -f json）")
    out.append("")
    if files is not None:
        out.append(f"文件已写入 {files}：汇总表.xlsx，及每个部门一个文件夹（自评表、自评报告、评分记录）")
    else:
        out.append("--detail 显示各部门项目与指标；--out 文件夹 为每个部门写出自评表、报告和汇总表。")
    return "\n".join(out)


def _problems_text(run: Run) -> list[str]:
    """Checks and rejections under the tables."""
    out = []
    if len(run.checks):
        out += ["", "一致性检查："] + [
            f"  [{STATUS_ZH.get(r.status, r.status)}] {r.message}" for r in iter_rows(run.checks)
        ]
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
    table = [
        [r.year, r.ruleset, r.ruleset_version, fmt2(r.total), r.grade, r.n_projects, r.stored_at]
        for r in iter_rows(rows)
    ]
    return f"{name}（{dept_code}）\n" + tabulate(table, HISTORY_HEADERS, disable_numparse=True)
