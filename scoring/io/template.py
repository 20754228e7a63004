"""Write the input template a department fills in: an xlsx workbook (or a CSV folder) with the schema's tables.

Every header carries a cell comment saying what to write; 一级/二级指标, 科目 and 资金性质 have drop-down
lists taken from the ruleset and the indicator library; each sheet holds a few sample rows.

Sample rows are marked by a 部门编码 that starts with 「示例」 (SAMPLE_MARK). `scoring.io.raw` skips such
rows and says so, so a template that still holds its samples loads without inventing a department; a
person fills the template by overwriting the samples (or deleting them).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scoring.adapters.xlsx import (
    BOLD,
    SAMPLE_FONT,
    TODO_FILL,
    add_comment,
    add_validation,
    as_text_cell,
    column_letter,
    define_name,
    display_width,
    header,
    new_workbook,
    put,
    save,
    set_widths,
    style,
    text_column,
    title_font,
)
from scoring.core import atomic
from scoring.io.raw import SAMPLE_MARK
from scoring.model.tables import BUDGET, DEPARTMENTS, DEPT_INDICATORS, INDICATORS, PROJECTS, Column, Table
from scoring.model.tables import INPUT_TABLES as TABLES  # 核对 is written by extract, never filled in by hand
from scoring.rules.ruleset import Ruleset, load_ruleset

if TYPE_CHECKING:
    from scoring.adapters.xlsx import Worksheet

SAMPLE_DEPT = SAMPLE_MARK + "001"
OPTIONS_SHEET = "选项"
README_SHEET = "填表说明"
README_FILE = "填表说明.txt"
DATA_ROWS = 1000  # drop-downs and prompts cover rows 2..DATA_ROWS+1
# Text-formatted columns: Excel keeps "=4次" as text instead of a formula, and codes keep leading zeros.
TEXT_FIELDS = frozenset({"dept_code", "project_code", "target", "actual"})
FUND_TYPES = ("一般公共预算", "政府性基金", "国有资本经营预算", "其他资金")
# 计量单位 are written inside 年度指标值/实际完成值 ("≥95%", "9500平方米"); there is no unit column, so
# the template lists them on the 选项 sheet and in the input prompt rather than as a drop-down.
UNITS = (
    "%",
    "个",
    "次",
    "人",
    "人次",
    "件",
    "户",
    "项",
    "场",
    "期",
    "座",
    "万元",
    "元",
    "平方米",
    "米",
    "公里",
    "立方米",
    "吨",
    "天",
    "个工作日",
    "分",
)
TemplateFormat = Literal["xlsx", "csv"]

# What to write in each column, beyond Column.comment. Keyed by field; (table key, field) overrides.
_HELP: dict[str | tuple[str, str], str] = {
    "dept_code": "同一部门在各表中须一致；除“单位信息”外可留空（文件只含一个部门时自动补全）。"
    "以“示例”开头的行为模板示例，读取时跳过，请直接覆盖或删除。",
    "dept_name": "部门（单位）全称，如 株洲市芦淞区城市管理和综合执法局。",
    "year": "填四位年份；写成日期也可，按其年份读取。",
    "supervisor": "可留空。财政局汇总表按主管部门分组统计；二级单位填其主管部门全称。",
    "sector": "可留空。按支出功能分类（类）填写，财政局汇总表按行业分组统计。",
    "staff_authorized": "核定编制数（人），用于在职人员控制率。",
    "staff_actual": "年末实有在职人数（人），用于在职人员控制率。",
    "line": "从下拉列表选择；同一科目一行。一般公共预算 = 基本支出 + 项目支出，基本支出 = 人员经费 + 公用经费。",
    "budget_initial": "人大批准的年初预算数。写数字即可；写成“3700元”会自动折算为万元。",
    "budget_final": "年中调整后的全年预算数，执行率 = 全年执行数 / 全年预算数（财预〔2020〕10号）。",
    "spent": "全年实际支出数。",
    "prior_spent": "上年同口径支出数，用于三公经费变动率等。",
    "project_code": "部门内唯一的项目编码，如 P01；绩效指标表用它关联项目。",
    ("indicators", "project_code"): "填所属项目的项目编码（须在“项目支出”表中存在）。",
    "project_name": "项目全称。",
    "fund_type": "从下拉列表选择；含“基金”字样的计入政府性基金。",
    "carryover": "年末结转结余资金。",
    "level1": "从下拉列表选择（名称来自所用规则集）。",
    "level2": "从下拉列表选择；没有二级指标时可留空。",
    "name": "三级指标名称，如 立案数、结案率、市民满意度。",
    (
        "dept_indicators",
        "name",
    ): "部门整体指标名称，如 绩效目标合理性、管理制度健全性（下拉列表为规则集要求填报的指标）。",
    "target": "比较符 + 数值 + 单位；不写比较符时产出、效益指标按“≥”，成本指标按“≤”。定性指标写文字。"
    "本列为文本格式，可直接输入 =4次（其他软件中可写全角“＝”）。",
    "actual": "与目标同单位的实际数；百分比写 95% 或 0.95 均可。定性指标写 达成预期指标 / 部分达成 / 未达成。",
    "weight": "本指标分值（选填）。留空时本级分值在未填分值的指标间平均分配；填写的以所填为准。",
    "published_score": "",
    "reason": "未完成目标或实际值达到目标 130% 及以上时应说明原因和改进措施。",
    "override_score": "评审人员人工调整后的得分（选填），须同时填写调整理由。",
    "override_reason": "人工调整得分的依据。",
    "period": "",
}


@dataclass(frozen=True, slots=True)
class Options:
    """The drop-down lists: each name maps to its values (written to the hidden 选项 sheet)."""

    level1: tuple[str, ...]
    level2: tuple[str, ...]
    lines: tuple[str, ...]
    fund_types: tuple[str, ...]
    dept_indicators: tuple[str, ...]
    units: tuple[str, ...] = UNITS
    children: tuple[tuple[str, tuple[str, ...]], ...] = ()  # 一级 → its 二级, for the dependent drop-down


def column_comment(table: Table, col: Column) -> str:
    """The cell comment for a header: required or not, what to write, and the other accepted headers."""
    need = "必填" if col.required else "选填"
    kind = "，数字" if col.numeric else ""
    lines = [f"【{col.header}】{need}{kind}"]
    if col.comment:
        lines.append(col.comment)
    extra = _HELP.get((table.key, col.field), _HELP.get(col.field, ""))
    if extra:
        lines.append(extra)
    if col.aliases:
        lines.append("表头也可写作：" + "、".join(col.aliases))
    return "\n".join(lines)


def options_for(ruleset: Ruleset) -> Options:
    """Drop-down values from the ruleset (一级/二级 names a department can fill) and the indicator library."""
    fillable = [lv for lv in ruleset.levels if lv.metric is None]
    level2 = [c.name for lv in fillable for c in lv.children]
    inputs = [
        fi.id
        for lv in ruleset.levels
        for fi in (*lv.indicators, *(f for c in lv.children for f in c.indicators))
        if fi.source == "input"
    ]
    lines = [names[0] for names in ruleset.library.budget_lines.values() if names]
    children = tuple((lv.name, tuple(c.name for c in lv.children)) for lv in fillable if lv.children)
    return Options(
        tuple(lv.name for lv in fillable),
        tuple(dict.fromkeys(level2)),
        tuple(lines),
        FUND_TYPES,
        tuple(dict.fromkeys(inputs)),
        children=children,
    )


CHILD_LIST_PREFIX = "二级_"
_NAME_OK = re.compile(r"^[^\W\d][\w.]*$")  # a workbook name Excel/WPS accept (CJK letters count as letters)


def dependent_lists(options: Options) -> bool:
    """Whether 二级 can narrow to the chosen 一级: every 一级 must make a valid workbook name."""
    return bool(options.children) and all(_NAME_OK.match(CHILD_LIST_PREFIX + n) for n, _ in options.children)


def sample_rows(ruleset: Ruleset, year: int) -> dict[str, list[dict[str, object]]]:
    """Sample rows per table key, valid against the ruleset, all under 部门编码 示例001."""

    def l1(name: str) -> str:
        lv = ruleset.level_for(name)
        return lv.name if lv else name

    def l2(level: str, name: str) -> str:
        lv = ruleset.level_for(level)
        child = ruleset.child_for(lv, name) if lv else None
        return child.name if child else name

    d = SAMPLE_DEPT
    dept_rows = _dept_indicator_samples(ruleset)
    return {
        "departments": [
            {
                "dept_code": d,
                "dept_name": "示例：某某区城市管理局（请改为本单位）",
                "year": year,
                "supervisor": "示例：某某区人民政府",
                "sector": "城乡社区支出",
                "staff_authorized": 30,
                "staff_actual": 28,
            },
        ],
        "budget": [
            {
                "dept_code": d,
                "line": "一般公共预算",
                "budget_initial": 1200,
                "budget_final": 1250,
                "spent": 1180.5,
                "prior_spent": 1100,
            },
            {
                "dept_code": d,
                "line": "基本支出",
                "budget_initial": 450,
                "budget_final": 460,
                "spent": 455.2,
                "prior_spent": 440,
            },
            {
                "dept_code": d,
                "line": "项目支出",
                "budget_initial": 750,
                "budget_final": 790,
                "spent": 725.3,
                "prior_spent": 660,
            },
        ],
        "projects": [
            {
                "dept_code": d,
                "project_code": "示例P01",
                "project_name": "示例：道路维护项目",
                "fund_type": "一般公共预算",
                "budget_initial": 500,
                "budget_final": 520,
                "spent": 498.6,
                "carryover": 21.4,
                "period": "1—12月",
            },
            {
                "dept_code": d,
                "project_code": "示例P02",
                "project_name": "示例：垃圾分类宣传项目",
                "fund_type": "一般公共预算",
                "budget_initial": 250,
                "budget_final": 270,
                "spent": 226.7,
                "carryover": 43.3,
                "period": "1—12月",
            },
        ],
        "indicators": [
            {
                "dept_code": d,
                "project_code": "示例P01",
                "level1": l1("产出指标"),
                "level2": l2("产出指标", "数量指标"),
                "name": "道路修复面积",
                "target": "≥9000平方米",
                "actual": "9500平方米",
            },
            {
                "dept_code": d,
                "project_code": "示例P01",
                "level1": l1("产出指标"),
                "level2": l2("产出指标", "质量指标"),
                "name": "验收合格率",
                "target": "≥95%",
                "actual": "90%",
                "reason": "部分路段返工，已督促施工单位整改",
            },
            {
                "dept_code": d,
                "project_code": "示例P01",
                "level1": l1("满意度指标"),
                "level2": l2("满意度指标", "服务对象满意度指标"),
                "name": "市民满意度",
                "target": "≥90%",
                "actual": "93%",
            },
        ],
        "dept_indicators": [{"dept_code": d, **row} for row in dept_rows],
    }


def _dept_indicator_samples(ruleset: Ruleset) -> list[dict[str, object]]:
    """整体绩效指标 samples: the ruleset's own 'from: input' indicators, else the provincial common ones."""
    rows: list[dict[str, object]] = []
    examples = {"资金使用合规性": ("=0次", "0次")}
    for lv in ruleset.levels:
        for child in lv.children:
            for fi in child.indicators:
                if fi.source == "input" and len(rows) < 3:
                    target, actual = examples.get(fi.id, (fi.target or "达成预期指标", "达成预期指标"))
                    rows.append(
                        {"level1": lv.name, "level2": child.name, "name": fi.id, "target": target, "actual": actual}
                    )
    return rows or [
        {"level1": "投入", "level2": "目标设定", "name": "绩效目标合理性", "target": "合理", "actual": "合理"},
        {"level1": "过程", "level2": "预算管理", "name": "管理制度健全性", "target": "健全", "actual": "健全"},
        {"level1": "过程", "level2": "预算管理", "name": "资金使用合规性", "target": "=0次", "actual": "0次"},
    ]


def readme_lines(ruleset: Ruleset) -> list[str]:
    """The 填表说明 text, one paragraph per line."""
    return [
        "预算绩效自评填报模板（perfscore）",
        f"规则集：{ruleset.title}（{ruleset.name} {ruleset.version}）",
        "1. 每个工作表的第一行是表头，请勿修改表头文字；把鼠标移到表头单元格上可看到填写说明（批注）。",
        "2. 部门编码以“示例”开头的行是示例（Excel 模板中为浅黄色斜体），读取时自动跳过。请直接在示例行上覆盖填写本单位数据，或删除示例行。",
        "3. 一个文件通常只填一个部门：“单位信息”填一行；其他表的部门编码可留空，读取时自动补全。",
        "4. 金额单位为万元；百分比写 95% 或 0.95 均可；全角数字、千分位逗号都能识别。",
        "5. 一级指标、二级指标、科目、资金性质可从下拉列表选择；常用计量单位见“选项”工作表。",
        "6. 项目支出绩效自评只读取“绩效指标”表；部门整体支出自评还读取“整体绩效指标”表（不填项目编码）。",
        "7. 填好后运行：perfscore score 本文件.xlsx --year 年度",
    ]


def write_template(
    out: Path, fmt: TemplateFormat = "xlsx", ruleset: Ruleset | str | Path = "mof-project", year: int | None = None
) -> tuple[Path, ...]:
    """Write the template to `out` (an .xlsx file, or a folder of CSVs) and return the paths written."""
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    year = year if year is not None else date.today().year - 1
    samples = sample_rows(rs, year)
    if fmt == "csv":
        return write_csv_template(out, samples, readme_lines(rs))
    return (write_xlsx_template(out, samples, options_for(rs), readme_lines(rs)),)


def write_csv_template(
    folder: Path, samples: dict[str, list[dict[str, object]]], readme: Sequence[str]
) -> tuple[Path, ...]:
    """One CSV per table, UTF-8 with BOM so Excel shows the Chinese headers; plus 填表说明.txt."""
    atomic.check_target(folder / README_FILE)  # the folder, made or refused with a clear error
    written = []
    for table in TABLES:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([c.header for c in table.columns])
        for row in samples.get(table.key, []):
            w.writerow(["" if row.get(c.field) is None else row[c.field] for c in table.columns])
        path = folder / f"{table.sheet}.csv"
        atomic.write_text(path, buf.getvalue(), encoding="utf-8-sig")
        written.append(path)
    notes = folder / README_FILE
    atomic.write_text(
        notes,
        "\r\n".join(
            [*readme, "", "各表各列说明："]
            + [f"{t.sheet}：" + "；".join(column_comment(t, c).replace("\n", " ") for c in t.columns) for t in TABLES]
        )
        + "\r\n",
        encoding="utf-8-sig",
    )
    return (*written, notes)


# ------------------------------------------------------------------ xlsx


def _list_ranges(ws_options: Worksheet, options: Options) -> dict[str, str]:
    """Write each option list as a column of the 选项 sheet; return name → absolute range formula."""
    lists = {
        "一级指标": options.level1,
        "二级指标": options.level2,
        "科目": options.lines,
        "资金性质": options.fund_types,
        "整体指标": options.dept_indicators,
        "计量单位": options.units,
    }
    # One column per 一级 with its own 二级, named 二级_<一级> by the caller for INDIRECT().
    lists.update({CHILD_LIST_PREFIX + name: values for name, values in options.children})
    out: dict[str, str] = {}
    for i, (name, values) in enumerate(lists.items(), start=1):
        letter = column_letter(i)
        ws_options.cell(row=1, column=i, value=name)
        for r, v in enumerate(values, start=2):
            ws_options.cell(row=r, column=i, value=v)
        last = max(len(values), 1) + 1
        out[name] = f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${last}"
    return out


# Columns whose content is longer than their header (characters of display width).
_MIN_WIDTH = {
    "dept_name": 36,
    "project_name": 30,
    "name": 22,
    "target": 16,
    "actual": 16,
    "reason": 34,
    "override_reason": 24,
    "line": 14,
    "fund_type": 14,
}

# Which list each (table, field) uses.
_DROPDOWNS: dict[tuple[str, str], str] = {
    ("indicators", "level1"): "一级指标",
    ("indicators", "level2"): "二级指标",
    ("dept_indicators", "level1"): "一级指标",
    ("dept_indicators", "level2"): "二级指标",
    ("dept_indicators", "name"): "整体指标",
    ("budget", "line"): "科目",
    ("projects", "fund_type"): "资金性质",
}


def write_xlsx_template(
    path: Path, samples: dict[str, list[dict[str, object]]], options: Options, readme: Sequence[str]
) -> Path:
    """The workbook: 填表说明, the five input sheets, and a hidden 选项 sheet feeding the drop-downs."""
    wb, intro = new_workbook(README_SHEET)
    assert intro is not None
    for r, line in enumerate(readme, start=1):
        put(intro, r, 1, line, font=title_font(14) if r == 1 else None, border=False)
    set_widths(intro, {1: 110})

    opts = wb.create_sheet(OPTIONS_SHEET)
    ranges = _list_ranges(opts, options)
    dependent = dependent_lists(options)
    if dependent:
        for name, _ in options.children:
            key = CHILD_LIST_PREFIX + name
            define_name(wb, key, ranges[key])
    set_widths(opts, dict.fromkeys(range(1, 7), 22))
    for i in range(1, 7):
        style(opts.cell(row=1, column=i), font=BOLD)

    for table in (DEPARTMENTS, BUDGET, PROJECTS, INDICATORS, DEPT_INDICATORS):
        ws = wb.create_sheet(table.sheet, index=len(wb.sheetnames) - 1)  # before 选项
        rows = samples.get(table.key, [])
        cells = header(ws, 1, [col.header for col in table.columns], required=[col.required for col in table.columns])
        for c, (cell, col) in enumerate(zip(cells, table.columns, strict=True), start=1):
            text = column_comment(table, col)
            add_comment(cell, text, height=40 + 18 * (text.count("\n") + len(text) // 28), width=300)
            widest = max(
                [display_width(col.header) + 4, *(display_width(str(r.get(col.field, "") or "")) + 2 for r in rows)]
            )
            set_widths(ws, {c: min(max(widest, _MIN_WIDTH.get(col.field, 10)), 42)})
        for r, row in enumerate(rows, start=2):
            for c, col in enumerate(table.columns, start=1):
                cell = put(ws, r, c, row.get(col.field), fill=TODO_FILL, font=SAMPLE_FONT)
                if col.field in TEXT_FIELDS:
                    as_text_cell(cell)  # "=0次" stays text
        ws.freeze_panes = "A2"
        for c, col in enumerate(table.columns, start=1):
            if col.field in TEXT_FIELDS:
                text_column(ws, c)
        ws.row_dimensions[1].height = 30
        for c, col in enumerate(table.columns, start=1):
            letter = column_letter(c)
            area = f"{letter}2:{letter}{DATA_ROWS + 1}"
            listed = _DROPDOWNS.get((table.key, col.field))
            if table.key == "dept_indicators" and not options.dept_indicators:
                listed = None  # a project ruleset does not read 整体绩效指标: its level lists would mislead
            if listed == "二级指标" and dependent:
                # 二级 narrows to the 一级 chosen on the same row (INDIRECT of the named list 二级_<一级>).
                level1_col = column_letter(next(i for i, c in enumerate(table.columns, start=1) if c.field == "level1"))
                add_validation(
                    ws,
                    area,
                    type="list",
                    formula1=f'INDIRECT("{CHILD_LIST_PREFIX}"&${level1_col}2)',
                    allow_blank=True,
                    errorStyle="warning",
                    showErrorMessage=True,
                    error="不在所选一级指标的二级指标中，确定要使用此名称吗？",
                    errorTitle=col.header,
                    showInputMessage=True,
                    promptTitle=col.header,
                    prompt="先选一级指标，再从下拉列表选择",
                )
            elif listed:
                add_validation(
                    ws,
                    area,
                    type="list",
                    formula1=ranges[listed],
                    allow_blank=True,
                    errorStyle="warning",
                    showErrorMessage=True,
                    error=f"不在“{listed}”列表中，确定要使用此名称吗？",
                    errorTitle=col.header,
                    showInputMessage=True,
                    promptTitle=col.header,
                    prompt="从下拉列表选择",
                )
            elif col.field == "year":
                add_validation(
                    ws,
                    area,
                    type="whole",
                    operator="between",
                    formula1="2000",
                    formula2="2100",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="年度",
                    error="请填写四位年份，如 2024",
                )
            elif col.field in ("target", "actual"):
                add_validation(
                    ws,
                    area,
                    allow_blank=True,
                    showInputMessage=True,
                    promptTitle=col.header,
                    prompt=(
                        "如 ≥95%、≤90万元、=4次、达成预期指标。常用单位："
                        + " ".join(u for u in options.units if u != "%")
                    ),
                )
    opts.sheet_state = "hidden"
    return save(wb, path)
