"""Write an extraction as the input workbook a person reviews (through `scoring.adapters.xlsx`), and the terminal
summary of what was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from scoring.adapters.xlsx import (
    REVIEW_FILL,
    TODO_FILL,
    add_comment,
    header,
    new_workbook,
    save,
    set_widths,
    style,
    write_rows,
)
from scoring.core.severity import SEVERITIES, SEVERITY_SHORT_ZH
from scoring.io.extract.model import CHECK_SHEET, SOURCE_SHEET, Extraction, Issue
from scoring.model.tables import BUDGET, DEPARTMENTS, DEPT_INDICATORS, INDICATORS, PROJECTS, Table

if TYPE_CHECKING:
    from scoring.adapters.xlsx import Worksheet


def summary(ex: Extraction, issues: Sequence[Issue]) -> str:
    """A few lines for the terminal: what was found and every 核对 row, most severe first."""
    generic = sum(r.confidence in ("中", "低") for r in ex.indicators)
    lines = [
        f"{ex.dept_name or '（未找到部门名称）'} {ex.year or '（年度未知）'} 年度，部门编码 {ex.dept_code}",
        f"预算科目 {len(ex.budget)} 项，项目 {len(ex.projects)} 个，绩效指标 {len(ex.indicators)} 条"
        f"（其中通用模式 {generic} 条，待复核），提取来源 {len(ex.facts)} 条",
        "年度指标值已留空（黄色），请复核后填写，再运行 perfscore score",
    ]
    if issues:
        lines.append(f"核对 {len(issues)} 条：")
        for i in sorted(issues, key=lambda i: SEVERITIES.index(i.severity)):
            where = f"（第{ex.text.count(chr(10), 0, i.offset) + 1}行）" if i.offset is not None else ""
            lines.append(f"  [{SEVERITY_SHORT_ZH[i.severity]}] {i.kind}·{i.status}：{i.message}{where}")
    return "\n".join(lines)


def write_workbook(ex: Extraction, out: Path, issues: Sequence[Issue] | None = None) -> Path:
    """Write the input workbook (单位信息, 预算收支, 项目支出, 绩效指标[, 整体绩效指标], 提取来源, 核对).

    Yellow (TODO_FILL) marks the cells the reviewer must fill in; orange (REVIEW_FILL) the values to
    confirm: derived amounts and values read by the generic pattern."""
    wb, _ = new_workbook(None)

    def sheet(
        title: str, headers: Sequence[str], rows: Iterable[Sequence[object]], widths: Mapping[int, int]
    ) -> Worksheet:
        ws = wb.create_sheet(title)
        header(ws, 1, headers)
        write_rows(ws, 2, rows, border=False)
        set_widths(ws, {col + 1: width for col, width in widths.items()})
        ws.freeze_panes = "A2"
        return ws

    dept_cols = _headers(DEPARTMENTS)
    sheet(
        DEPARTMENTS.sheet,
        dept_cols,
        [[ex.dept_code, ex.dept_name or None, ex.year, ex.staff_authorized, ex.staff_actual]],
        {1: 36},
    )
    sheet(
        BUDGET.sheet,
        _headers(BUDGET),
        [[ex.dept_code, b.line, b.budget_initial, b.budget_final, b.spent, None] for b in ex.budget],
        {1: 22},
    )
    ws_projects = sheet(
        PROJECTS.sheet,
        _headers(PROJECTS),
        [
            [
                ex.dept_code,
                p.code,
                p.name,
                p.fund_type,
                p.budget_initial,
                p.budget_final,
                p.spent,
                p.carryover,
                p.period or None,
            ]
            for p in ex.projects
        ],
        {2: 40},
    )
    derived = {(f.project, f.field): f.note for f in ex.facts if f.confidence == "推算"}
    for row, p in enumerate(ex.projects, start=2):
        for fld in ("budget_initial", "budget_final"):
            note = derived.get((p.code, fld))
            if note:  # not written in the report: computed, so the reviewer should confirm it
                cell = ws_projects.cell(row=row, column=PROJECTS.fields.index(fld) + 1)
                style(cell, fill=REVIEW_FILL)
                add_comment(cell, f"推算：{note}，请核对")
    ind_headers = [*_headers(INDICATORS), "提取置信度"]
    for table, rows in (
        (INDICATORS, [r for r in ex.indicators if r.project]),
        (DEPT_INDICATORS, [r for r in ex.indicators if not r.project]),
    ):
        if table is DEPT_INDICATORS and not rows:
            continue
        headers = ind_headers if table is INDICATORS else [*_headers(DEPT_INDICATORS), "提取置信度"]
        values = []
        for r in rows:
            rec = {
                "dept_code": ex.dept_code,
                "project_code": r.project,
                "level1": r.level1,
                "level2": r.level2,
                "name": r.name,
                "actual": r.actual or None,
                "target": r.target or None,
            }
            values.append([rec.get(f) for f in table.fields] + [r.confidence])
        ws = sheet(table.sheet, headers, values, {table.fields.index("name"): 28})
        t_col = table.fields.index("target") + 1
        for i, r in enumerate(rows, start=2):
            cell = ws.cell(row=i, column=t_col)
            style(cell, fill=TODO_FILL)
            if i == 2:
                add_comment(cell, "请填写年度指标值（如 ≥95%、≥100000件）；黄色为待填单元格")
            if r.confidence == "低":
                for c in range(1, len(headers) + 1):
                    if c != t_col:
                        style(ws.cell(row=i, column=c), fill=REVIEW_FILL)
    sheet(
        SOURCE_SHEET,
        [
            "序号",
            "表",
            "对象",
            "字段",
            "值",
            "原文",
            "项目编码",
            "来源句",
            "字符位置",
            "行号",
            "模式",
            "置信度",
            "说明",
        ],
        [
            [
                n,
                f.table,
                f.subject,
                _FIELD_NAMES.get(f.field, f.field),
                f.value,
                f.text,
                f.project or None,
                f.sentence,
                f.offset,
                ex.text.count("\n", 0, f.offset) + 1,
                f.pattern,
                f.confidence,
                f.note or None,
            ]
            for n, f in enumerate(ex.facts, start=1)
        ],
        {2: 24, 5: 16, 7: 60, 10: 22, 12: 40},
    )
    shown = tuple(issues) if issues is not None else ex.issues
    sheet(
        CHECK_SHEET,
        ["类别", "严重程度", "状态", "对象", "说明", "来源句", "字符位置", "检查编号"],
        [
            [
                i.kind,
                SEVERITY_SHORT_ZH[i.severity],
                i.status,
                i.subject,
                i.message,
                i.sentence or None,
                i.offset,
                i.check_id or None,
            ]
            for i in shown
        ],
        {3: 20, 4: 60, 5: 60},
    )
    return save(wb, out)


_FIELD_NAMES: Final = {
    **{c.field: c.header for t in (DEPARTMENTS, BUDGET, PROJECTS, INDICATORS) for c in t.columns},
    "income": "收入",
    "adjust": "调增减",
    "list_name": "项目列表中的名称",
    "actual": "实际完成值",
}


def _headers(table: Table) -> list[str]:
    return [c.header for c in table.columns]
