"""What a bureau reads across many departments: per-一级 scores, grade counts, summaries by 主管部门 and 行业,
and the rejected rows and failed checks, each named by its department.

The 汇总表 workbook (`scoring.render.batch`) and the terminal screen for many departments
(`scoring.render.table`) are both built from these, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scoring.core.text import text_col
from scoring.model.grades import GradeCount, count_grades
from scoring.model.run import Run

GRADES = ("优", "良", "中", "差")
UNFILLED = "（未填）"  # the group of departments that left 主管部门 / 行业 blank
INCOMPLETE = "未完成评分"  # a department status: some of its rows were rejected (shown where the pipeline sets it)


def level_names(run: Run) -> list[str]:
    """一级 names in ruleset order, then any other 一级 the items hold (a reported level outside the ruleset)."""
    names = [lv.name for lv in run.ruleset.levels]
    seen = [str(x) for x in dict.fromkeys(run.result.items["level1"].dropna())]
    return names + [n for n in seen if n not in names]


def level_scores(run: Run) -> pd.DataFrame:
    """Points per department (index dept_code) and 一级 (columns, `level_names` order); each row sums to the
    department's total. Project scope: each 一级 averaged over the projects with the weights the total uses
    (全年预算数; equal weights when a department gives no budget), as `scoring.pipeline.score` does."""
    it = run.result.items
    levels = level_names(run)
    codes = run.result.departments["dept_code"].astype(str)
    if it.empty:
        return pd.DataFrame(0.0, index=pd.Index(codes, name="dept_code"), columns=levels)
    it = it.assign(dept_code=it["dept_code"].astype(str), project_code=text_col(it["project_code"]))
    if run.ruleset.scope == "project" and len(run.result.projects):
        per = it.pivot_table(
            index=["dept_code", "project_code"], columns="level1", values="points", aggfunc="sum", fill_value=0.0
        )
        pr = run.result.projects.assign(
            dept_code=run.result.projects["dept_code"].astype(str),
            project_code=text_col(run.result.projects["project_code"]),
        )
        w = pr.set_index(["dept_code", "project_code"])["budget_final"].fillna(0.0)
        dept_sum = w.groupby(level="dept_code").transform("sum")
        w = w.where(dept_sum > 0, 1.0)
        w = w.reindex(per.index).fillna(0.0)
        out = per.mul(w, axis=0).groupby(level="dept_code").sum().div(w.groupby(level="dept_code").sum(), axis=0)
    else:
        out = it.pivot_table(index="dept_code", columns="level1", values="points", aggfunc="sum", fill_value=0.0)
    return out.reindex(index=codes, columns=levels).fillna(0.0).rename_axis(index="dept_code", columns=None)


def grade_counts(run: Run) -> list[GradeCount]:
    """Departments per grade by the one counting rule (`scoring.model.grades.count_grades`): 优/良/中/差 always
    present, a provisional 良（暂定） counted under 良 and noted as 其中暂定; the counts add up to the departments."""
    return count_grades(run.result.departments, GRADES)


PROVISIONAL_HEADER = "其中暂定"
GROUP_HEADERS = ("部门数", "平均分", "最高分", "最低分", *GRADES, PROVISIONAL_HEADER)


def group_summary(run: Run, column: str) -> pd.DataFrame:
    """One row per value of `column` (supervisor or sector; blank → （未填）): department count, mean, best and
    worst total and the grade counts. Empty when the column is absent."""
    d = run.result.departments
    if column not in d.columns or d.empty:
        return pd.DataFrame(columns=["group", *GROUP_HEADERS])
    key = text_col(d[column]).str.strip().replace("", UNFILLED)
    g = d.assign(group=key).groupby("group", sort=True)
    out = pd.DataFrame(
        {"部门数": g.size(), "平均分": g["total"].mean(), "最高分": g["total"].max(), "最低分": g["total"].min()}
    )
    counted = {group: {c.grade: c for c in count_grades(rows, GRADES)} for group, rows in g}
    for grade in GRADES:
        out[grade] = [counted[group][grade].count for group in out.index]
    out[PROVISIONAL_HEADER] = [sum(c.provisional for c in counted[group].values()) for group in out.index]
    return out.reset_index()


def _file_departments(run: Run) -> dict[str, set[str]]:
    """Input file → the departments whose accepted rows it holds (a file of one department names it)."""
    out: dict[str, set[str]] = {}
    ds = run.dataset
    for df in (ds.departments, ds.budget, ds.projects, ds.indicators):
        if len(df) and "_file" in df.columns:
            for f, code in zip(df["_file"].astype(str), df["dept_code"].astype(str), strict=True):
                out.setdefault(f, set()).add(code)
    return out


def rejection_departments(run: Run) -> list[str]:
    """The 部门编码 of each rejected row (in `run.dataset.rejections` order): the code on the row as validation
    read it (a single-department file's blank codes filled), else the one department the row's file holds, else ""."""
    by_file: dict[str, set[str]] | None = None
    out = []
    for r in run.dataset.rejections:
        code = r.dept_code
        if not code:
            by_file = _file_departments(run) if by_file is None else by_file
            only = by_file.get(str(r.source.file), set())
            code = next(iter(only)) if len(only) == 1 else ""
        out.append(code)
    return out


def failed_checks(run: Run) -> pd.DataFrame:
    """Consistency checks that failed (status fail), CHECK_COLUMNS."""
    c = run.checks
    return c[c["status"] == "fail"] if len(c) else c


@dataclass(frozen=True, slots=True)
class Attention:
    """A department a reviewer should look at: rows rejected, checks failed, or scoring not complete."""

    dept_code: str
    dept_name: str
    rejected: int
    failed: int
    status: str

    def __str__(self) -> str:
        parts = [
            f"被拒绝 {self.rejected} 行" if self.rejected else "",
            f"检查不符 {self.failed} 项" if self.failed else "",
            self.status,
        ]
        return f"{self.dept_name}（{self.dept_code}）：" + "，".join(p for p in parts if p)


def attention(run: Run, rejected_codes: list[str] | None = None) -> list[Attention]:
    """Departments needing attention, most problems first (then by code); rows no department claims are
    listed under the code ""."""
    codes = rejection_departments(run) if rejected_codes is None else rejected_codes
    rejected = pd.Series(codes, dtype=object).value_counts() if codes else pd.Series(dtype=int)
    fc = failed_checks(run)
    failed = fc["dept_code"].astype(str).value_counts() if len(fc) else pd.Series(dtype=int)
    d = run.result.departments
    names = dict(zip(d["dept_code"].astype(str), d["dept_name"].astype(str), strict=True))
    status = dict(zip(d["dept_code"].astype(str), text_col(d["status"]), strict=True)) if "status" in d.columns else {}
    flagged = {
        *rejected.index.astype(str),
        *failed.index.astype(str),
        *(c for c, s in status.items() if s == INCOMPLETE),
    }
    out = [
        Attention(
            c,
            names.get(c, "（未能识别部门）" if not c else "（未评分）"),
            int(rejected.get(c, 0)),
            int(failed.get(c, 0)),
            status.get(c, ""),
        )
        for c in flagged
    ]
    return sorted(out, key=lambda a: (-(a.rejected + a.failed), a.dept_code))
