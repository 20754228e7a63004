"""The bureau's batch run: a folder per department (自评表 xlsx, report docx and md, JSON trace) and one 汇总表.

Layout of `perfscore score DIR --out results` (an --out without an extension, or an existing folder):

    results/
      汇总表.xlsx                         ranking with per-一级 scores, 等级分布, 按主管部门, 按行业,
                                          被拒绝的行, 检查不符, 问题与措施 (every row names its department)
      <部门编码> <部门名称>/
        自评表.xlsx  自评报告.docx  自评报告.md  评分记录.json

Each department's files are made from that department's part of the run only (`department_runs`, which
groups every table by 部门编码 once, so a batch costs the same per department at 30 or 3,000), so no
document shows another department's data or rank. Folder names go through `scoring.core.paths` (sanitised,
distinct, never outside the output folder); every file is written atomically.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.adapters.xlsx import (
    CENTER,
    INT_FMT,
    MONEY_FMT,
    SCORE_FMT,
    fit_widths,
    header,
    new_workbook,
    print_landscape,
    put,
    save,
    table_sheet,
    write_rows,
)
from scoring.core import atomic
from scoring.core.atomic import OutputError
from scoring.core.display import finite_or_none, round_half_up
from scoring.core.paths import distinct_names, inside
from scoring.core.severity import SEVERITIES, SEVERITY_ZH
from scoring.model.run import Run
from scoring.pipeline.checks import STATUS_ZH
from scoring.render.json import render_json
from scoring.render.report import build_report, render_report_docx, render_report_markdown
from scoring.render.summary import (
    GRADES,
    GROUP_HEADERS,
    PROVISIONAL_HEADER,
    failed_checks,
    grade_counts,
    group_summary,
    level_names,
    level_scores,
    rejection_departments,
)
from scoring.render.xlsx import render_xlsx

SUMMARY_FILE = "汇总表.xlsx"
DEPT_FILES = ("自评表.xlsx", "自评报告.docx", "自评报告.md", "评分记录.json")
RANKING_SHEET, GRADES_SHEET, SUPERVISOR_SHEET, SECTOR_SHEET = "排名", "等级分布", "按主管部门", "按行业"
REJECTED_SHEET, CHECKS_SHEET, FINDINGS_SHEET = "被拒绝的行", "检查不符", "问题与措施"


@dataclass(frozen=True, slots=True)
class BatchOutput:
    """What a batch run wrote: the 汇总表 and each department's folder (by 部门编码, in ranking order)."""

    folder: Path
    summary: Path
    departments: dict[str, Path]


def _r2(v: Any) -> float | None:
    x = finite_or_none(v)
    return None if x is None else round_half_up(x, 2)


def _text(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


# ------------------------------------------------------------------ one department's part of a run


class _Split:
    """Every table of a run grouped by 部门编码 once, so that each department's part is taken from its group:
    splitting N departments costs one pass over each table, not N (issue 15: rendering linear in departments)."""

    def __init__(self, run: Run, rejected_codes: Sequence[str]) -> None:
        self.run = run
        ds, res = run.dataset, run.result
        self._frames = {
            name: (self._plain(df), self._positions(df))
            for name, df in (
                ("departments", ds.departments),
                ("budget", ds.budget),
                ("projects", ds.projects),
                ("indicators", ds.indicators),
                ("notes", ds.notes),
                ("items", res.items),
                ("result_projects", res.projects),
                ("result_departments", res.departments),
                ("checks", run.checks),
            )
        }
        self._rejections = self._group(zip(rejected_codes, ds.rejections, strict=True))
        self._findings = self._group((str(f.dept_code), f) for f in run.findings)
        self._facts = self._group((str(f.get("dept_code")), f) for f in run.facts)

    @staticmethod
    def _plain(df: pd.DataFrame) -> pd.DataFrame:
        """The table with its text columns held as object and its columns consolidated into one block per
        dtype: the renderers select rows of a department's tables many times, and pandas copies each block of
        a selection separately (a scored items table has a block per text column)."""
        text = {c: object for c, t in df.dtypes.items() if isinstance(t, pd.StringDtype)}
        return (df.astype(text) if text else df).copy()

    @staticmethod
    def _positions(df: pd.DataFrame) -> dict[str, Any] | None:
        """部门编码 → row positions, in table order; None for a table without departments (kept whole)."""
        if df.empty or "dept_code" not in df.columns:
            return None
        return {str(code): pos for code, pos in df.groupby(df["dept_code"].astype(str), sort=False).indices.items()}

    @staticmethod
    def _group(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for code, x in pairs:
            out.setdefault(code, []).append(x)
        return out

    def own(self, name: str, code: str) -> pd.DataFrame:
        df, positions = self._frames[name]
        if positions is None:
            return df
        return df.take(positions.get(code, []))

    def department(self, code: str) -> Run:
        """The run as if only `code` had been scored: its rows, checks, findings, facts and rejected rows."""
        run, ds, res = self.run, self.run.dataset, self.run.result
        sub_ds = dataclasses.replace(
            ds,
            departments=self.own("departments", code),
            budget=self.own("budget", code),
            projects=self.own("projects", code),
            indicators=self.own("indicators", code),
            notes=self.own("notes", code),
            rejections=tuple(self._rejections.get(code, ())),
            problems=(),
            rows_read=0,
        )
        read = sub_ds.rows_used + sub_ds.rows_rejected  # read = used + rejected, as for a whole run
        sub_ds = dataclasses.replace(sub_ds, rows_read=read)
        depts = self.own("result_departments", code).copy()
        depts["rank"] = 1  # alone in its own documents: the bureau's ranking stays in the 汇总表
        result = dataclasses.replace(
            res,
            items=self.own("items", code),
            projects=self.own("result_projects", code),
            departments=depts,
            dataset=sub_ds,
        )
        return dataclasses.replace(
            run,
            dataset=sub_ds,
            checks=self.own("checks", code),
            result=result,
            findings=tuple(self._findings.get(code, ())),
            facts=tuple(self._facts.get(code, ())),
        )


def department_runs(run: Run, rejected_codes: Sequence[str] | None = None) -> Iterator[tuple[str, Run]]:
    """(部门编码, that department's part of the run) for every scored department, in ranking order; every table
    is grouped once (`rejected_codes` is `rejection_departments(run)` when the caller has it)."""
    split = _Split(run, rejection_departments(run) if rejected_codes is None else rejected_codes)
    for code in run.result.departments["dept_code"].astype(str):
        yield code, split.department(code)


def department_run(run: Run, dept_code: str, rejected_codes: Sequence[str] | None = None) -> Run:
    """The run as if only `dept_code` had been scored (one department; a batch uses `department_runs`)."""
    return _Split(run, rejection_departments(run) if rejected_codes is None else rejected_codes).department(dept_code)


def write_department(run: Run, folder: Path) -> list[Path]:
    """A one-department run's four files into `folder` (made if missing)."""
    code = str(run.result.departments["dept_code"].iloc[0])
    xlsx, docx, md, trace = (inside(folder, n) for n in DEPT_FILES)
    render_xlsx(run, xlsx)
    report = build_report(run, code)
    atomic.save_atomic(docx, lambda tmp: render_report_docx(report, tmp))
    atomic.write_text(md, render_report_markdown(report))
    atomic.write_text(trace, render_json(run))
    return [xlsx, docx, md, trace]


def department_folders(run: Run) -> list[str]:
    """Folder names "<编码> <名称>", sanitised and distinct, in ranking order."""
    d = run.result.departments
    codes = [str(c) for c in d["dept_code"]]
    return distinct_names([f"{c} {n}" for c, n in zip(codes, d["dept_name"].astype(str), strict=True)], codes)


def write_batch(run: Run, folder: Path, progress: Callable[[str], None] | None = None) -> BatchOutput:
    """Every department's folder and the 汇总表 into `folder`; `progress(name)` after each department."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"输出路径 {folder} 是一个文件，批量输出需要一个文件夹：请换一个文件夹名")
    if run.result.departments.empty:
        raise OutputError("没有评分的部门，未写出批量文件")
    folder.mkdir(parents=True, exist_ok=True)
    codes = rejection_departments(run)
    written: dict[str, Path] = {}
    for (code, own), name in zip(department_runs(run, codes), department_folders(run), strict=True):
        target = inside(folder, name)
        target.mkdir(exist_ok=True)
        write_department(own, target)
        written[code] = target
        if progress is not None:
            progress(name)
    summary = inside(folder, SUMMARY_FILE)
    render_summary_xlsx(run, summary, codes, folders=written)
    return BatchOutput(folder, summary, written)


# ------------------------------------------------------------------ the 汇总表


def build_summary(run: Run, rejected_codes: Sequence[str] | None = None, folders: dict[str, Path] | None = None) -> Any:
    """The 汇总表 workbook in memory (tests read it back by cell)."""
    codes = rejection_departments(run) if rejected_codes is None else list(rejected_codes)
    d = run.result.departments.assign(dept_code=lambda x: x["dept_code"].astype(str))
    names = dict(zip(d["dept_code"], d["dept_name"].astype(str), strict=True))
    levels = level_names(run)
    scores = level_scores(run)
    rejected = pd.Series(codes, dtype=object).value_counts()
    fc = failed_checks(run)
    failed = fc["dept_code"].astype(str).value_counts() if len(fc) else pd.Series(dtype=int)

    wb, ws = new_workbook(RANKING_SHEET)
    assert ws is not None
    has_status = "status" in d.columns
    heads = [
        "排名",
        "部门编码",
        "部门名称",
        "主管部门",
        "行业",
        "年度",
        "总分",
        "等级",
        *levels,
        "项目数",
        "全年预算数(万元)",
        "全年执行数(万元)",
        "被拒绝行数",
        "检查不符项数",
        *(["状态"] if has_status else []),
        "文件夹",
    ]
    rows = []
    r: Any
    for r in d.itertuples(index=False):
        code = str(r.dept_code)
        row: list[Any] = [
            int(r.rank),
            code,
            _text(r.dept_name),
            _text(getattr(r, "supervisor", "")),
            _text(getattr(r, "sector", "")),
            int(r.year),
            _r2(r.total),
            _text(r.grade),
            *[_r2(scores.at[code, lv]) for lv in levels],
            int(r.n_projects),
            _r2(r.budget_final),
            _r2(r.spent),
            int(rejected.get(code, 0)),
            int(failed.get(code, 0)),
        ]
        if has_status:
            row.append(_text(getattr(r, "status", "")))
        row.append(folders[code].name if folders and code in folders else "")
        rows.append(row)
    n_lv = len(levels)
    fmts = {
        0: INT_FMT,
        5: INT_FMT,
        6: SCORE_FMT,
        **{8 + i: SCORE_FMT for i in range(n_lv)},
        8 + n_lv: INT_FMT,
        9 + n_lv: MONEY_FMT,
        10 + n_lv: MONEY_FMT,
        11 + n_lv: INT_FMT,
        12 + n_lv: INT_FMT,
    }
    rs = run.ruleset
    put(
        ws,
        1,
        1,
        f"{rs.title} 汇总表（{'、'.join(sorted({str(int(y)) for y in d['year']}))}年度，共 {len(d)} 个部门）",
        bold=True,
        border=False,
    )
    header(ws, 3, heads)
    write_rows(ws, 4, rows, fmts)
    fit_widths(ws, start_row=3)
    ws.freeze_panes = "D4"
    print_landscape(ws, title_rows="3:3")

    # One counting rule (scoring.model.grades): a provisional 良（暂定） is a 良, shown again under 其中暂定.
    counts = grade_counts(run)
    total = sum(c.count for c in counts) or 1
    g = wb.create_sheet(GRADES_SHEET)
    header(g, 1, ["等级", "部门数", PROVISIONAL_HEADER, "占比"])
    write_rows(
        g,
        2,
        [[c.grade, c.count, c.provisional, round_half_up(c.count / total, 4)] for c in counts],
        {1: INT_FMT, 2: INT_FMT, 3: "0.00%"},
    )
    put(g, len(counts) + 2, 1, "合计", bold=True, align=CENTER)
    put(g, len(counts) + 2, 2, sum(c.count for c in counts), INT_FMT, bold=True)
    put(g, len(counts) + 2, 3, sum(c.provisional for c in counts), INT_FMT, bold=True)
    fit_widths(g)
    print_landscape(g, title_rows="1:1")

    for title, column, label in ((SUPERVISOR_SHEET, "supervisor", "主管部门"), (SECTOR_SHEET, "sector", "行业")):
        s = group_summary(run, column)
        groups: list[Any] = list(s.itertuples(index=False))
        grows = [
            [
                _text(x.group),
                int(x.部门数),
                _r2(x.平均分),
                _r2(x.最高分),
                _r2(x.最低分),
                *[int(getattr(x, gr)) for gr in GRADES],
                int(getattr(x, PROVISIONAL_HEADER)),
            ]
            for x in groups
        ]
        table_sheet(
            wb,
            title,
            [label, *GROUP_HEADERS],
            grows,
            {1: INT_FMT, 2: SCORE_FMT, 3: SCORE_FMT, 4: SCORE_FMT, **{5 + i: INT_FMT for i in range(5)}},
        )

    rrows = []
    for rej, code in zip(run.dataset.rejections, codes, strict=True):
        s_ = rej.source
        rrows.append(
            [
                code,
                names.get(code, "（未能识别部门）" if not code else "（未评分）"),
                _text(rej.table),
                _text(s_.file),
                _text(s_.sheet),
                s_.row,
                _text(s_.column),
                _text(rej.value),
                _text(rej.reason),
                _text(rej.hint),
            ]
        )
    table_sheet(
        wb,
        REJECTED_SHEET,
        ["部门编码", "部门名称", "表", "文件", "工作表", "行", "列", "值", "原因", "提示"],
        rrows,
        {5: INT_FMT},
        wrap=(8, 9),
        fixed={9: 40, 10: 40},
    )

    crows = [
        [
            str(c.dept_code),
            names.get(str(c.dept_code), ""),
            _text(c.title),
            SEVERITY_ZH.get(str(c.severity), _text(c.severity)),
            STATUS_ZH.get(str(c.status), _text(c.status)),
            _text(c.subject),
            _r2(c.expected),
            _r2(c.actual),
            _r2(c.difference),
            _text(c.message),
        ]
        for c in fc.itertuples(index=False)
    ]
    table_sheet(
        wb,
        CHECKS_SHEET,
        ["部门编码", "部门名称", "检查", "严重程度", "状态", "对象", "应为", "实为", "差额", "说明"],
        crows,
        {6: MONEY_FMT, 7: MONEY_FMT, 8: MONEY_FMT},
        wrap=(9,),
        fixed={10: 56},
    )

    order: dict[str, int] = {str(s): i for i, s in enumerate(SEVERITIES)}
    found = sorted(run.findings, key=lambda f: (order.get(str(f.severity), 9), str(f.dept_code), f.rule_id))
    frows = [
        [
            str(f.dept_code or ""),
            names.get(str(f.dept_code), ""),
            SEVERITY_ZH.get(str(f.severity), str(f.severity)),
            _text(f.category),
            _text(f.problem),
            _text(f.cause),
            _text(f.measure),
            "、".join(map(str, f.subjects)),
            _text(f.rule_id),
        ]
        for f in found
    ]
    table_sheet(
        wb,
        FINDINGS_SHEET,
        ["部门编码", "部门名称", "严重程度", "类别", "问题", "原因", "措施", "涉及", "规则"],
        frows,
        {},
        wrap=(4, 5, 6, 7),
        fixed={5: 44, 6: 36, 7: 44, 8: 24},
        empty="未发现问题",
    )
    return wb


def render_summary_xlsx(
    run: Run, out: Path, rejected_codes: Sequence[str] | None = None, folders: dict[str, Path] | None = None
) -> Path:
    """Write the 汇总表 workbook to `out` and return it."""
    return save(build_summary(run, rejected_codes, folders), out)
