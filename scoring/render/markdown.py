"""The scored 自评表 as Markdown: ranking, each department's projects and indicators, checks, rejections."""

from __future__ import annotations

from tabulate import tabulate

from scoring.core.escape import md_rows, md_text
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


def render_markdown(run: Run) -> str:
    """The scored 自评表 in Markdown: ranking, then each department's projects and indicators."""
    rs = run.ruleset
    out = [
        "# 绩效自评评分结果",
        "",
        f"- 规则集：{md_text(rs.title)}（`{md_text(rs.name)}` {md_text(rs.version)}）",
        f"- 依据：{md_text(rs.source_doc)}",
        f"- {counts_line(run)}",
        "",
        "## 部门排名",
        "",
        tabulate(md_rows(ranking_rows(run)), RANKING_HEADERS, tablefmt="github", disable_numparse=True),
    ]
    for d in iter_rows(run.result.departments):
        out += ["", f"## {md_text(d.dept_name)}（{d.total_text} 分，{d.grade}）"]
        rows = project_rows(run, d.dept_code)
        if rows:
            out += ["", tabulate(md_rows(rows), PROJECT_HEADERS, tablefmt="github", disable_numparse=True)]
        for code, _name, project, title in units(run):
            if code != d.dept_code:
                continue
            headers, item_rows = item_table(run, code, project)
            out += [
                "",
                f"### {md_text(title)}" if project else "### 指标得分",
                "",
                tabulate(md_rows(item_rows), headers, tablefmt="github", disable_numparse=True),
            ]
    if len(run.checks):
        out += ["", "## 一致性检查", ""] + [
            f"- {'**不符**' if r.status == 'fail' else STATUS_ZH.get(r.status, r.status)}：{md_text(r.message)}"
            for r in iter_rows(run.checks)
        ]
    if run.dataset.rejections:
        out += ["", "## 被拒绝的行", ""] + [f"- {md_text(r)}" for r in run.dataset.rejections]
    return "\n".join(out) + "\n"
