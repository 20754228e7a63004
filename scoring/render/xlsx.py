"""Render a scoring run as an Excel workbook: the scored 自评表 laid out like the MoF 项目支出绩效自评表.

Sheets, in order:
- 汇总: ruleset identity, the department ranking (排名/部门/部门编码/年度/得分/等级/项目数) and, for
  project rulesets, every project's score with a link to its sheet;
- one sheet per project (project scope) or per department (department scope): title, 项目名称/主管部门,
  the funds block (年初预算数/全年预算数/全年执行数/分值/执行率/得分), then the indicators
  (一级/二级/三级/年度指标值/实际完成值/分值/得分/自评得分/说明) with merged 一级/二级 cells,
  and 总分 and 等级 rows;
- 问题与措施 (findings), 一致性检查 (checks), 被拒绝的行 (rejections).

Every number is stored as the document states it: scores and money rounded half-up to two places (as
`fmt2` prints them), rates to two places of a percentage, so a reviewer copying a cell gets 9.04, never
9.035555555555556 behind a 0.00 format; 总分 is the rounded total, not a sum of rounded cells. Sheets are set
in 宋体 and print on A4 landscape with their header rows repeated on every page. Cells, styles, fonts and
page setup come from `scoring.adapters.xlsx`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from scoring.adapters.xlsx import (
    CENTER,
    HEAD_FILL,
    INT_FMT,
    MONEY_FMT,
    PCT_FMT,
    SCORE_FMT,
    TOTAL_FILL,
    WRAP,
    fit_widths,
    header,
    link,
    merge,
    new_workbook,
    print_landscape,
    put,
    save,
    set_widths,
    sheet_title,
    title_font,
    write_rows,
)
from scoring.core.display import apportion, finite_or_none, round_half_up
from scoring.core.frames import iter_rows
from scoring.core.severity import SEVERITIES, SEVERITY_ZH
from scoring.core.text import text_col
from scoring.model.run import Run
from scoring.model.tables import source_field
from scoring.pipeline.checks import STATUS_ZH
from scoring.render.common import reason_cell

if TYPE_CHECKING:
    from scoring.adapters.xlsx import Workbook, Worksheet

SUMMARY_SHEET = "汇总"
FINDINGS_SHEET = "问题与措施"
CHECKS_SHEET = "一致性检查"
REJECTIONS_SHEET = "被拒绝的行"
FIXED_SHEETS = (SUMMARY_SHEET, FINDINGS_SHEET, CHECKS_SHEET, REJECTIONS_SHEET)

RANKING_HEADERS = ("排名", "部门", "部门编码", "年度", "得分", "等级", "项目数")
ITEM_HEADERS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "自评得分", "说明")
FUNDS_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
SEVERITY_ORDER: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}

# ------------------------------------------------------------------ helpers


def _num(v: Any) -> float | None:
    """A score or an amount as the document states it: rounded half-up to two places (None when blank)."""
    x = finite_or_none(v)
    return None if x is None else round_half_up(x, 2)


def _rate(v: Any) -> float | None:
    """A ratio shown as 0.00%: rounded to the four places the percentage shows (0.812345 → 0.8123)."""
    x = finite_or_none(v)
    return None if x is None else round_half_up(x, 4)


def _text(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    return str(v)


def _table(
    ws: Worksheet,
    top: int,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str],
    wrap: Iterable[int] = (),
) -> int:
    """Header plus rows from `top`; formats and wrap are 0-based column indexes. Returns the next free row."""
    header(ws, top, headers)
    return write_rows(ws, top + 1, rows, formats, wrap)


# ------------------------------------------------------------------ units


def _units(run: Run) -> list[tuple[str, str | None, str]]:
    """(dept_code, project_code or None, sheet base name) per scored unit, in ranking order."""
    out: list[tuple[str, str | None, str]] = []
    for d in iter_rows(run.result.departments):
        if run.ruleset.scope == "project":
            p = run.result.projects
            for r in iter_rows(p[p["dept_code"] == d.dept_code]):
                out.append((str(d.dept_code), str(r.project_code), f"{r.project_code} {r.project_name}"))
        else:
            out.append((str(d.dept_code), None, str(d.dept_name)))
    return out


def _sheet_names(run: Run) -> dict[tuple[str, str | None], str]:
    taken: list[str] = list(FIXED_SHEETS)
    names: dict[tuple[str, str | None], str] = {}
    for dept, project, base in _units(run):
        name = sheet_title(base, taken)
        taken.append(name)
        names[(dept, project)] = name
    return names


# ------------------------------------------------------------------ sheets


def _summary(ws: Worksheet, run: Run, names: dict[tuple[str, str | None], str]) -> None:
    rs = run.ruleset
    read, used, rejected = run.counts
    put(ws, 1, 1, "绩效自评评分结果", font=title_font(14), border=False)
    ws.cell(row=2, column=1, value=f"规则集：{rs.title}（{rs.name} {rs.version}，指纹 {rs.fingerprint}）")
    ws.cell(row=3, column=1, value=f"依据：{rs.source_doc}")
    ws.cell(row=4, column=1, value=f"读取 {read} 行，评分 {used} 行，拒绝 {rejected} 行")
    top = 6
    rows = []
    for d in iter_rows(run.result.departments):
        rows.append(
            [
                int(d.rank),
                _text(d.dept_name),
                _text(d.dept_code),
                int(d.year),
                _num(d.total),
                _text(d.grade),
                int(d.n_projects),
            ]
        )
    nxt = _table(ws, top, RANKING_HEADERS, rows, {0: INT_FMT, 3: INT_FMT, 4: SCORE_FMT, 6: INT_FMT})
    if rs.scope == "department":
        for r in range(top + 1, nxt):
            unit = (str(ws.cell(row=r, column=3).value), None)
            if unit in names:
                link(ws.cell(row=r, column=2), names[unit])
    projects = run.result.projects
    if len(projects):
        top = nxt + 1
        put(ws, top, 1, "项目得分", bold=True, border=False)
        dept_names = run.result.departments.set_index("dept_code")["dept_name"]
        headers = ("部门", "项目编码", "项目名称", "全年预算数", "全年执行数", "执行率", "得分", "等级")
        order = {c: i for i, c in enumerate(run.result.departments["dept_code"])}
        ordered = sorted(iter_rows(projects), key=lambda p: (order.get(p.dept_code, 0), str(p.project_code)))
        prow = [
            [
                _text(dept_names.get(p.dept_code)),
                _text(p.project_code),
                _text(p.project_name),
                _num(p.budget_final),
                _num(p.spent),
                _rate(p.execution_rate),
                _num(p.total),
                _text(p.grade),
            ]
            for p in ordered
        ]
        _table(ws, top + 1, headers, prow, {3: MONEY_FMT, 4: MONEY_FMT, 5: PCT_FMT, 6: SCORE_FMT})
        for r, p in enumerate(ordered, start=top + 2):
            key = (str(p.dept_code), str(p.project_code))
            if key in names:
                link(ws.cell(row=r, column=3), names[key])
    fit_widths(ws, start_row=6)
    ws.freeze_panes = ws.cell(row=7, column=1)


def _explanation(r: Any) -> str:
    """说明: how the points came about (as in every scored table), plus the unit's own 偏差原因."""
    text = reason_cell(r)
    reason = _text(r.deviation_reason).strip()
    return f"{text}；偏差原因：{reason}" if reason and reason not in text else text


def _record(df: pd.DataFrame, **key: str) -> dict[str, Any]:
    """The first row of `df` whose columns equal `key`, as a dict."""
    wanted = tuple(key.values())
    found = next(i for i, values in enumerate(zip(*(df[c].tolist() for c in key), strict=True)) if values == wanted)
    return {str(k): v for k, v in df.iloc[found].items()}


def _unit_sheet(ws: Worksheet, run: Run, dept_code: str, project_code: str | None) -> None:
    rs = run.ruleset
    dept = _record(run.result.departments, dept_code=dept_code)
    items = run.result.items
    items = items[items["dept_code"] == dept_code]
    ncol = len(ITEM_HEADERS)
    if project_code is not None:
        proj = _record(run.result.projects, dept_code=dept_code, project_code=project_code)
        items = items[items["project_code"] == project_code]
        title, name_label, name = "项目支出绩效自评表", "项目名称", _text(proj["project_name"])
        exact = [proj["budget_initial"], proj["budget_final"], proj["spent"]]
        funds = [_num(v) for v in exact]
        rate = _rate(proj["execution_rate"])
        metric = items[items["kind"] == "metric"]
        weight = _num(metric["weight"].sum()) if len(metric) else None
        points = _num(metric["points"].sum()) if len(metric) else None
        total, grade = _num(proj["total"]), _text(proj["grade"])
        items = items[items["kind"] != "metric"]  # 执行率 is scored in the funds block, as in the MoF form
    else:
        title, name_label, name = "部门整体支出绩效自评表", "部门名称", _text(dept["dept_name"])
        p = run.dataset.projects
        p = p[p["dept_code"] == dept_code]
        exact = [p["budget_initial"].sum(min_count=1), p["budget_final"].sum(min_count=1), p["spent"].sum(min_count=1)]
        funds = [_num(v) for v in exact]
        rate = _rate(funds[2] / funds[1]) if funds[1] and funds[2] is not None else None
        weight = points = None
        total, grade = _num(dept["total"]), _text(dept["grade"])

    put(ws, 1, 1, title, align=CENTER, border=False, font=title_font(16))
    merge(ws, 1, 1, 1, ncol, border=False)
    put(ws, 2, 1, f"（{int(dept['year'])}年度）", align=CENTER, border=False)
    merge(ws, 2, 1, 2, ncol, border=None)

    put(ws, 3, 1, name_label, bold=True, fill=HEAD_FILL, align=CENTER)
    put(ws, 3, 2, name, align=WRAP)
    merge(ws, 3, 2, 3, ncol)
    if project_code is not None:
        put(ws, 4, 1, "主管部门", bold=True, fill=HEAD_FILL, align=CENTER)
        put(ws, 4, 2, _text(dept["dept_name"]), align=WRAP)
        merge(ws, 4, 2, 4, 4)
        put(ws, 4, 5, "部门编码", bold=True, fill=HEAD_FILL, align=CENTER)
        put(ws, 4, 6, dept_code)
        merge(ws, 4, 6, 4, 7)
        put(ws, 4, 8, "项目编码", bold=True, fill=HEAD_FILL, align=CENTER)
        put(ws, 4, 9, project_code)
    else:
        put(ws, 4, 1, "部门编码", bold=True, fill=HEAD_FILL, align=CENTER)
        put(ws, 4, 2, dept_code)
        merge(ws, 4, 2, 4, ncol)

    # Funds block (万元), as the MoF form has it: 年度资金总额 (the row 执行率 is scored on) and its sources.
    put(ws, 5, 1, "项目资金（万元）" if project_code else "部门资金（万元）", bold=True, fill=HEAD_FILL, align=CENTER)
    put(ws, 5, 2, "", fill=HEAD_FILL)
    for i, h in enumerate(FUNDS_HEADERS):
        put(ws, 5, 3 + i, h, bold=True, fill=HEAD_FILL, align=CENTER)
    put(ws, 5, ncol, "", fill=HEAD_FILL)
    sources = _fund_sources(run, dept_code, project_code, exact)
    for r, (label, amounts) in enumerate([("年度资金总额", [*funds, weight, rate, points]), *sources], start=6):
        put(ws, r, 2, label, align=CENTER)
        for i, (v, fmt) in enumerate(zip(amounts, [MONEY_FMT] * 3 + [SCORE_FMT, PCT_FMT, SCORE_FMT], strict=True)):
            put(ws, r, 3 + i, v, fmt)
        put(ws, r, ncol, "")
    merge(ws, 5, 1, 5 + 1 + len(sources), 1)

    # 年度总体目标: 预期目标 | 实际完成情况. The unit's own words where the input has them (项目概况), else a
    # marked placeholder a reviewer sees at once; perfscore never invents a goal.
    g = 6 + 1 + len(sources)
    goal, achieved = _goal_texts(run, dept_code, project_code)
    put(ws, g, 1, "年度总体目标", bold=True, fill=HEAD_FILL, align=CENTER)
    merge(ws, g, 1, g + 1, 1)
    put(ws, g, 2, "预期目标", bold=True, fill=HEAD_FILL, align=CENTER)
    merge(ws, g, 2, g, 5)
    put(ws, g, 6, "实际完成情况", bold=True, fill=HEAD_FILL, align=CENTER)
    merge(ws, g, 6, g, ncol)
    put(ws, g + 1, 2, goal, align=WRAP)
    merge(ws, g + 1, 2, g + 1, 5)
    put(ws, g + 1, 6, achieved, align=WRAP)
    merge(ws, g + 1, 6, g + 1, ncol)
    ws.row_dimensions[g + 1].height = max(30, 15 * (1 + max(len(goal) // 40, len(achieved) // 50)))

    items = _grouped(items)
    head = g + 3
    header(ws, head, ITEM_HEADERS)
    first = head + 1
    r = first - 1
    for r, it in enumerate(iter_rows(items), start=first):
        placeholder = it.kind == "missing" and not _text(it.indicator_id)
        # A level with no indicators keeps its row (分值 withheld, 得分 0) but no 三级 text, so a reader of
        # the MoF layout (scoring.load_mof) skips it instead of taking it for an indicator.
        values: list[Any] = [
            _text(it.level1),
            _text(it.level2),
            "" if placeholder else _text(it.name),
            "" if placeholder else _text(it.target_text),
            "" if placeholder else _text(it.actual_text),
            _num(it.weight),
            _num(it.points),
            _num(it.published_score),
            _explanation(it),
        ]
        for c, v in enumerate(values, start=1):
            put(
                ws,
                r,
                c,
                v,
                SCORE_FMT if c in (6, 7, 8) else None,
                align=WRAP if c == ncol else (CENTER if c <= 2 else None),
            )
    _merge_runs(ws, first, items)

    tr = r + 1
    put(ws, tr, 1, "总分", bold=True, fill=TOTAL_FILL, align=CENTER)
    merge(ws, tr, 1, tr, 5)
    put(ws, tr, 6, float(rs.total), SCORE_FMT, bold=True, fill=TOTAL_FILL)
    put(ws, tr, 7, total, SCORE_FMT, bold=True, fill=TOTAL_FILL)
    published = items["published_score"].dropna()
    put(ws, tr, 8, _num(published.sum()) if len(published) else None, SCORE_FMT, fill=TOTAL_FILL)
    note = "部门得分为各项目得分按全年预算数加权平均" if project_code is None and rs.scope == "project" else ""
    put(ws, tr, 9, note, fill=TOTAL_FILL)
    put(ws, tr + 1, 1, "等级", bold=True, fill=TOTAL_FILL, align=CENTER)
    merge(ws, tr + 1, 1, tr + 1, 5)
    for c in (6, 8, 9):
        put(ws, tr + 1, c, "", fill=TOTAL_FILL)
    put(ws, tr + 1, 7, grade, bold=True, fill=TOTAL_FILL, align=CENTER)
    link(ws.cell(row=tr + 3, column=1, value="返回汇总"), SUMMARY_SHEET)

    widths = {1: 14, 2: 16, 3: 24, 4: 16, 5: 16, 6: 10, 7: 10, 8: 10, 9: 56}
    set_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=first, column=1)
    print_landscape(ws, title_rows=f"{head}:{head}")


# The 其中 rows of the MoF funds block and the 项目支出 source columns they show (scoring.model.tables.FUND_SOURCES).
FUND_SOURCES = (("其中：当年财政拨款", "current"), ("上年结转资金", "carried"), ("其他资金", "other"))
GOAL_PLACEHOLDER = "【待单位补充：年度总体目标】"
ACHIEVED_PLACEHOLDER = "【待单位补充：年度总体目标实际完成情况】"


def _fund_sources(
    run: Run, dept_code: str, project_code: str | None, totals: Sequence[Any]
) -> list[tuple[str, list[Any]]]:
    """The 当年财政拨款 / 上年结转资金 / 其他资金 rows: 年初预算数, 全年预算数, 全年执行数 where the input gives
    them (current_/carried_/other_ columns of 项目支出), blank where it does not — unknown, never 0 — so the form
    stays whole for the unit to fill. A department's figure is the sum over its projects only when every project
    gives it. Rounded with `apportion`, so sources that add up to the total (unrounded) still do as shown.
    执行率 and 得分 belong to the total row only, as in the MoF form."""
    p = run.dataset.projects
    p = p[p["dept_code"] == dept_code]
    if project_code is not None:
        p = p[p["project_code"] == project_code]
    columns: list[list[float | None]] = []
    for i, amount in enumerate(("budget_initial", "budget_final", "spent")):
        parts: list[float | None] = []
        for _, source in FUND_SOURCES:
            col = source_field(source, amount)
            values = p[col] if col in p.columns and len(p) else None
            parts.append(None if values is None or values.isna().any() else finite_or_none(values.sum()))
        columns.append(apportion(parts, finite_or_none(totals[i])))
    return [
        (label, [columns[0][k], columns[1][k], columns[2][k], None, None, None])
        for k, (label, _) in enumerate(FUND_SOURCES)
    ]


def _goal_texts(run: Run, dept_code: str, project_code: str | None) -> tuple[str, str]:
    """(预期目标, 实际完成情况): a goal column if the input has one, else the project's 项目概况, else placeholders."""
    p = run.dataset.projects
    p = p[p["dept_code"] == dept_code]
    if project_code is not None:
        p = p[p["project_code"] == project_code]
    goal = achieved = ""
    if project_code is not None and len(p):
        row = p.iloc[0]
        goal = _text(row.get("goal")) or _text(row.get("description"))
        achieved = _text(row.get("achieved"))
    return goal.strip() or GOAL_PLACEHOLDER, achieved.strip() or ACHIEVED_PLACEHOLDER


def _grouped(items: pd.DataFrame) -> pd.DataFrame:
    """Rows of one 二级 together (first appearance order), so the form can merge them; order otherwise kept."""
    l1 = items["level1"].astype(str).tolist()
    l2 = [(a, b) for a, b in zip(l1, text_col(items["level2"]).tolist(), strict=True)]
    rank1 = {k: i for i, k in enumerate(dict.fromkeys(l1))}
    rank2 = {k: i for i, k in enumerate(dict.fromkeys(l2))}
    order = sorted(range(len(l1)), key=lambda i: (rank1[l1[i]], rank2[l2[i]]))  # stable: ties keep their order
    return items if order == list(range(len(l1))) else items.take(order)


def _merge_runs(ws: Worksheet, first: int, items: pd.DataFrame) -> None:
    """Merge consecutive equal 一级 cells, and equal 二级 cells within one 一级, as the MoF form does."""
    l1 = [_text(v) for v in items["level1"]]
    l2 = [_text(v) for v in items["level2"]]
    for col, keys in ((1, l1), (2, list(zip(l1, l2, strict=True)))):
        start = 0
        for i in range(1, len(keys) + 1):
            if i == len(keys) or keys[i] != keys[start]:
                if i - 1 > start and (col == 1 or l2[start]):
                    merge(ws, first + start, col, first + i - 1, col)
                start = i


def _findings(ws: Worksheet, run: Run) -> None:
    names = run.result.departments.set_index("dept_code")["dept_name"]
    found = sorted(run.findings, key=lambda f: (SEVERITY_ORDER.get(str(f.severity), 9), str(f.dept_code)))
    rows = []
    for i, f in enumerate(found, start=1):
        rows.append(
            [
                i,
                _text(names.get(f.dept_code, f.dept_code)),
                SEVERITY_ZH.get(str(f.severity), str(f.severity)),
                _text(f.category),
                _text(f.problem),
                _text(f.cause),
                _text(f.measure),
                "、".join(str(s) for s in (getattr(f, "subjects", ()) or ())),
                _text(f.rule_id),
            ]
        )
    headers = ("序号", "部门", "严重程度", "类别", "问题", "原因", "措施", "涉及", "规则")
    _table(ws, 1, headers, rows, {0: INT_FMT}, wrap=(4, 5, 6, 7))
    if not rows:
        ws.cell(row=2, column=1, value="未发现问题")
    fit_widths(ws, fixed={5: 48, 6: 40, 7: 40, 8: 24})
    ws.freeze_panes = "A2"


def _checks(ws: Worksheet, run: Run) -> None:
    names = run.result.departments.set_index("dept_code")["dept_name"]
    rows = []
    for c in iter_rows(run.checks):
        rows.append(
            [
                _text(names.get(c.dept_code, c.dept_code)),
                _text(c.title),
                SEVERITY_ZH.get(str(c.severity), _text(c.severity)),
                STATUS_ZH.get(str(c.status), _text(c.status)),
                _text(c.subject),
                _num(c.expected),
                _num(c.actual),
                _num(c.difference),
                _text(c.message),
            ]
        )
    headers = ("部门", "检查", "严重程度", "状态", "对象", "应为", "实为", "差额", "说明")
    _table(ws, 1, headers, rows, {5: MONEY_FMT, 6: MONEY_FMT, 7: MONEY_FMT}, wrap=(8,))
    if not rows:
        ws.cell(row=2, column=1, value="无")
    fit_widths(ws, fixed={9: 56})
    ws.freeze_panes = "A2"


def _rejections(ws: Worksheet, run: Run) -> None:
    rows = []
    for r in run.dataset.rejections:
        s = r.source
        rows.append(
            [
                _text(r.table),
                _text(s.file),
                _text(s.sheet),
                s.row,
                _text(s.column),
                _text(r.value),
                _text(r.reason),
                _text(r.hint),
            ]
        )
    headers = ("表", "文件", "工作表", "行", "列", "值", "原因", "提示")
    _table(ws, 1, headers, rows, {3: INT_FMT}, wrap=(6, 7))
    if not rows:
        ws.cell(row=2, column=1, value="无")
    fit_widths(ws, fixed={7: 40, 8: 40})
    ws.freeze_panes = "A2"


# ------------------------------------------------------------------ entry points


def build_workbook(run: Run) -> Workbook:
    """The whole workbook in memory (tests read it back by cell)."""
    wb, summary = new_workbook(SUMMARY_SHEET)
    assert summary is not None
    names = _sheet_names(run)
    _summary(summary, run, names)
    for (dept, project), name in names.items():
        _unit_sheet(wb.create_sheet(name), run, dept, project)
    _findings(wb.create_sheet(FINDINGS_SHEET), run)
    _checks(wb.create_sheet(CHECKS_SHEET), run)
    _rejections(wb.create_sheet(REJECTIONS_SHEET), run)
    print_landscape(summary, title_rows="6:6")
    for ws in (wb[FINDINGS_SHEET], wb[CHECKS_SHEET], wb[REJECTIONS_SHEET]):
        print_landscape(ws, title_rows="1:1")
    return wb


def render_xlsx(run: Run, out: Path) -> Path:
    """Write the scored 自评表 workbook to `out` and return it."""
    return save(build_workbook(run), out)
