"""Read workbooks laid out like the MoF 项目支出绩效自评表 (财预〔2020〕10号 附件): one project per sheet.

A sheet holds, top to bottom: the title 「项目支出绩效自评表」 (often with 「（2024年度）」), label rows
项目名称 / 主管部门 / 实施单位 (label cell, then the value in the next cells, often merged), the funds block
(header 年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分; rows 年度资金总额, 其中：当年财政拨款,
上年结转资金, 其他资金), the 年度总体目标 block, and the indicator block (header 一级指标 / 二级指标 /
三级指标 / 年度指标值 / 实际完成值 / 分值 / 得分 / 偏差原因分析及改进措施, 一级/二级 merged downwards),
ending in a 总分 row. Blank spacer rows may sit anywhere.

The result is the same raw tables `scoring.io.workbook` reads from the template (单位信息, 项目支出, 绩效指标):

- One department per workbook. Its name is the 主管部门 written on most sheets (else 实施单位). Its code is
  the 部门编码/单位编码 cell if the sheet has one, else ``derived_dept_code(name)``: "N-" and the first 8
  hex digits of the SHA-1 of the name without spaces and brackets, so it is the same on every run and in
  every file that names the department the same way.
- 年度 comes from the title rows ("2024年度"), else from the file name, else it is left blank (rejected).
- One project per sheet: 项目编码 from a 项目编码 cell, else P01, P02… in sheet order; money from the
  funds block read whole: the 年度资金总额 row and its source rows (其中：当年/本年财政拨款, 上年结转资金,
  其他资金). The total must equal the sum of its sources (尾差 within 0.05 万元 tolerated); where the total
  row is blank or zero but the sources carry figures — published tables do print 0 0 0 there — the
  project is scored from the sources. Each of these is written as a 核对 row (类别 资金来源) that the
  ruleset's `funds-block` check reports. The source rows' own amounts are kept too (columns
  current_/carried_/other_budget_initial, _budget_final, _spent of 项目支出; blank = unknown) for the scored
  自评表's 其中 rows; a province's extra source rows (财政专户管理资金, 单位资金) count as 其他资金 there.
- Indicator rows keep the published 分值 (→ weight) and 得分 (→ published_score), so outputs show the
  department's own score beside perfscore's. "产出指标(50分)" is read as 产出指标.
- The 执行率 得分 in the funds block is kept as the project's published 执行率得分, shown beside
  perfscore's own 执行率 score.

Provinces print variants (issue 14; tests/data/forms/): the layout family is recognised by header words, not
positions — funds headers 全年预算数/调整后预算数, 全年执行数/预算执行数, 分值/权重 (only 年初预算数(A) → it is
the denominator, with a notice); total rows 年度资金总额/总额; source rows 其中：当年/本年财政拨款, 财政资金,
财政专户管理资金, 单位资金, 上年结转(资金), 其他资金; a target split over 指标性质/指标值/度量单位 is joined
("≥" + "95" + "%"); 未完成原因分析 is 偏差原因. Nothing is half-read: a sheet titled 绩效自评表 whose funds or
indicator header is not found, or whose funds block has neither a total row nor a source row, is refused
(DataError naming the sheet, row and the header cells found) rather than scored with 全年预算数 blank.

Merged cells are filled with their top-left value (`scoring.adapters.xlsx.read_grids(merged=True)`).
Formulas are read through their cached values; a formula cell saved without one (a file written by a
program and never opened in Excel) is read as blank, and a notice names the cell.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scoring.adapters.xlsx import SUFFIXES, read_grids
from scoring.core.errors import DataError, Source
from scoring.core.tolerance import EPS, MONEY_PLACES
from scoring.core.values import ParsedValue, ValueParseError, try_parse_value
from scoring.io.reader import Reader
from scoring.model.tables import (
    DEPARTMENTS,
    INDICATORS,
    NOTES,
    PROJECTS,
    SOURCE_COLUMNS,
    Table,
    source_field,
)
from scoring.rules.indicators import normalize_name

TITLE = "项目支出绩效自评表"
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"})
# Layout families are told apart by header words, not positions (issue 14): each province prints its own.
_FUND_HEADERS = {
    "年初预算数": "budget_initial",
    "年初预算": "budget_initial",
    "全年预算数": "budget_final",
    "调整后预算数": "budget_final",
    "调整后预算": "budget_final",
    "全年执行数": "spent",
    "预算执行数": "spent",
    "分值": "exec_weight",
    "权重": "exec_weight",
    "执行率": "exec_rate",
    "预算执行率": "exec_rate",
    "得分": "exec_score",
}
# Row labels of the funds block, matched at the start of the label ("其中：" dropped), so a goal text that
# mentions 财政资金 further down is never taken for a source row.
_FUND_ROWS = {
    "年度资金总额": "total",
    "资金总额": "total",
    "总额": "total",
    "当年财政拨款": "current",
    "本年财政拨款": "current",
    "财政拨款": "current",
    "财政资金": "current",
    "财政专户管理资金": "special",
    "单位资金": "unit",
    "上年结转资金": "carried",
    "上年结转": "carried",
    "其他资金": "other",
}
_SOURCES = ("current", "special", "unit", "carried", "other")  # the 其中 rows under 年度资金总额
# The 10号 样表 has three source rows; Sichuan's 财政专户管理资金 and 单位资金 are neither 财政拨款 nor 上年结转.
_SOURCE_GROUPS = {"current": ("current",), "carried": ("carried",), "other": ("special", "unit", "other")}
_MONEY = ("budget_initial", "budget_final", "spent")
_OF = re.compile(r"^其中[:：]?")
FUNDS_NOTE_KIND = "资金来源"  # 核对 rows this reader writes; the `funds-block` check (common-checks) reports them
FUNDS_TOLERANCE = 0.05  # 万元: a difference within it is a rounding 尾差
# Indicator headers the input schema does not name: a target split over three columns (Sichuan: 指标性质 "≥",
# 指标值 "95", 度量单位 "%") is joined into one; 预期指标值(A)/实际完成指标值(B) (Shandong); 未完成原因分析.
_INDICATOR_HEADERS = {
    "指标性质": "_comparator",
    "指标值类型": "_comparator",
    "度量单位": "_unit",
    "计量单位": "_unit",
    "预期指标值": "target",
    "实际完成指标值": "actual",
    "未完成原因分析": "reason",
    "未完成原因及拟采取的改进措施": "reason",
}
_QUALITATIVE = frozenset({"定性", "定量", ""})  # 指标性质/指标值类型 words that are not comparators
_LABELS = {
    "项目名称": "project_name",
    "主管部门": "supervisor",
    "实施单位": "implementer",
    "项目实施单位": "implementer",
    "部门": "supervisor",
    "部门名称": "supervisor",
    "项目编码": "project_code",
    "项目代码": "project_code",
    "部门编码": "dept_code",
    "单位编码": "dept_code",
    "部门代码": "dept_code",
    "单位代码": "dept_code",
    "预算单位编码": "dept_code",
}
_POINTS_SUFFIX = re.compile(r"\s*[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*$")  # 产出指标(50分)
_BRACKETED = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_TOTAL_ROW = frozenset({"总分", "合计", "总计", "总分合计", "得分合计"})
_HEADER_MAP = INDICATORS.header_map()


def derived_dept_code(name: str) -> str:
    """A stable code for a department known only by name: 'N-' + 8 hex digits of SHA-1 of the name."""
    return "N-" + hashlib.sha1(normalize_name(name).encode("utf-8")).hexdigest()[:8].upper()


def _key(v: object) -> str:
    """Cell text for matching labels and headers: no spaces, brackets or colons."""
    return normalize_name(str(v)).rstrip(":：") if v is not None else ""


@dataclass
class _Sheet:
    """One worksheet as a grid of values, merged ranges filled, plus the formula cells with no cached value."""

    path: Path
    title: str
    rows: list[list[object]]
    uncached: set[tuple[int, int]]  # 0-based (row, col)
    notices: list[DataError] = field(default_factory=list)

    def get(self, r: int, c: int | None, header: str) -> object:
        """The value at (r, c) for `header`; blank for a formula without a cached value or an Excel error."""
        if c is None or r >= len(self.rows) or c >= len(self.rows[r]):
            return None
        v = self.rows[r][c]
        if (r, c) in self.uncached:
            self.notices.append(
                DataError(
                    "公式单元格没有缓存的计算结果（文件未经 Excel/WPS 计算保存），按空值读取",
                    source=Source(self.path, self.title, r + 1, header),
                    hint="请在 Excel 或 WPS 中打开并保存后重试",
                )
            )
            return None
        if isinstance(v, str) and v.strip() in EXCEL_ERRORS:
            self.notices.append(
                DataError(
                    f"单元格为 Excel 错误值 {v.strip()}，按空值读取",
                    source=Source(self.path, self.title, r + 1, header),
                )
            )
            return None
        return v.strip() if isinstance(v, str) else v

    def find(self, wanted: str, rows: range | None = None) -> tuple[int, int] | None:
        """First cell whose text (spaces and brackets ignored) contains `wanted`."""
        for r in rows if rows is not None else range(len(self.rows)):
            for c, v in enumerate(self.rows[r]):
                if v is not None and wanted in _key(v):
                    return r, c
        return None


def looks_like_mof(rows: Sequence[Sequence[object]]) -> bool:
    """A 项目…绩效自评表 title near the top, or an indicator header (一级/三级指标) below a 项目名称 label, or
    any 绩效自评表 title over both a funds block and an indicator header (Anhui prints its 部门整体支出绩效自评表
    in the project form's layout). A 部门整体 table without those blocks is another table: not read here."""
    keys = [[_key(v) for v in row] for row in rows]
    if any("绩效自评表" in k and "项目" in k for row in keys[:6] for k in row):
        return True
    has_name = any(k.startswith("项目名称") for row in keys for k in row)
    has_header = any({"一级指标", "三级指标"} <= set(row) for row in keys)
    titled = any("绩效自评表" in k for row in keys[:6] for k in row)
    has_funds = any(_fund_header_fields(row) for row in keys)
    return has_header and (has_name or (titled and has_funds))


def _fund_header_fields(keys: Sequence[str]) -> set[str]:
    """The funds-block fields a row's header cells name; a funds header needs a budget and a spent column."""
    found = {f for k in keys for name, f in _FUND_HEADERS.items() if k.startswith(name)}
    return found if found & {"budget_initial", "budget_final"} and "spent" in found else set()


def has_mof_sheets(path: Path) -> bool:
    """Whether any sheet looks like the MoF form (a read of the values, merged ranges not filled: the title
    and the header cells are the top-left cells of their ranges)."""
    return any(looks_like_mof(g.rows) for g in read_grids(path, formulas=False))


def read_mof(path: Path, notices: list[DataError] | None = None) -> Iterator[tuple[Table, pd.DataFrame]]:
    """The raw 单位信息 / 项目支出 / 绩效指标 tables of one MoF-layout workbook (one department)."""
    sheets = [
        _Sheet(path, g.title, g.rows, set(g.uncached)) for g in read_grids(path, merged=True) if looks_like_mof(g.rows)
    ]
    if not sheets:
        raise DataError(
            "工作簿中既没有模板工作表（单位信息、项目支出、绩效指标…），也没有“项目支出绩效自评表”格式的工作表",
            source=Source(path),
            hint="请使用 perfscore template 生成的模板，或财政部项目支出绩效自评表格式",
        )
    parsed = [_parse_sheet(s, i) for i, s in enumerate(sheets, start=1)]
    dept, dept_notices = _department(path, parsed)
    if notices is not None:
        notices.extend([n for s in sheets for n in s.notices] + dept_notices)
    code = dept["dept_code"]
    projects = [{**p.project, "dept_code": code} for p in parsed]
    indicators = [
        {**row, "dept_code": code, "project_code": p.project["project_code"]} for p in parsed for row in p.indicators
    ]
    yield DEPARTMENTS, _records(DEPARTMENTS, [dept])
    yield PROJECTS, _records(PROJECTS, projects)
    yield INDICATORS, _records(INDICATORS, indicators)
    notes = [{**n, "dept_code": code} for p in parsed for n in p.notes]
    if notes:
        yield NOTES, _records(NOTES, notes)


def _records(table: Table, records: list[dict[str, object]]) -> pd.DataFrame:
    cols = [*table.fields, *SOURCE_COLUMNS]
    if not records:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return pd.DataFrame.from_records([{c: r.get(c) for c in cols} for r in records], columns=cols)


@dataclass
class _Parsed:
    sheet: _Sheet
    labels: dict[str, tuple[object, int]]  # field → (value, 0-based row)
    year: int | None
    title_row: int
    project: dict[str, object]
    indicators: list[dict[str, object]]
    notes: list[dict[str, object]] = field(default_factory=list)  # 核对 rows about the funds block


def _parse_sheet(s: _Sheet, index: int) -> _Parsed:
    title = s.find(TITLE) or s.find("绩效自评表") or (0, 0)
    funds = next((r for r, row in enumerate(s.rows) if _fund_header_fields([_key(v) for v in row])), None)
    header = _find_header_row(s, ("一级指标", "三级指标"))
    if funds is None or header is None:
        _refuse(s, funds, header)
    assert funds is not None and header is not None
    stop = min(funds, header)
    labels = _labels(s, range(0, stop))
    year = _year(s, range(0, max(title[0] + 3, 3)))
    project: dict[str, object] = {
        "project_code": _text(labels.get("project_code")) or f"P{index:02d}",
        "project_name": _text(labels.get("project_name")),
        "_file": str(s.path),
        "_sheet": s.title,
        "_row": labels.get("project_name", (None, title[0]))[1] + 1,
    }
    if not project["project_name"]:
        project["project_name"] = s.title
        s.notices.append(
            DataError("未找到项目名称，以工作表名代替", source=Source(s.path, s.title, title[0] + 1, "项目名称"))
        )
    notes: list[dict[str, object]] = []
    # The funds block ends at the indicator header when that comes after it (some forms put it first).
    project.update(_funds(s, funds, header if header > funds else None, notes, str(project["project_name"])))
    rows = _indicator_rows(s, header)
    return _Parsed(s, labels, year, title[0], project, rows, notes)


def _refuse(s: _Sheet, funds: int | None, header: int | None) -> None:
    """An unrecognised layout is refused, naming the header cells it did find, rather than half-read."""
    words = ("预算", "执行", "资金", "指标", "分值", "权重", "得分", "完成值")
    seen = [
        (r, str(v).strip())
        for r, row in enumerate(s.rows)
        for v in row
        if isinstance(v, str) and len(v.strip()) <= 12 and any(w in v for w in words)
    ]
    missing = "、".join(
        n
        for n, r in (
            ("资金表头（年初预算数/全年预算数/调整后预算数 与 全年执行数/预算执行数）", funds),
            ("绩效指标表头（一级指标、三级指标）", header),
        )
        if r is None
    )
    found = "、".join(dict.fromkeys(v for _, v in seen)) or "无"
    row = seen[0][0] + 1 if seen else 0
    raise DataError(
        f"无法识别的自评表版式：未找到{missing}；找到的表头有：{found}",
        source=Source(s.path, s.title, row, seen[0][1] if seen else ""),
        hint="请确认是项目支出绩效自评表，或把表头改为财预〔2020〕10号附件的写法",
    )


def _text(found: tuple[object, int] | None) -> str | None:
    if found is None or found[0] is None or str(found[0]).strip() == "":
        return None
    v = found[0]
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()


def _find_header_row(s: _Sheet, needed: tuple[str, ...]) -> int | None:
    for r, row in enumerate(s.rows):
        keys = {_key(v) for v in row}
        if all(any(k.startswith(n) for k in keys) for n in needed):
            return r
    return None


def _labels(s: _Sheet, rows: range) -> dict[str, tuple[object, int]]:
    """项目名称 / 主管部门 / 实施单位 …: the first cell right of the label that is neither blank, the label
    again (a merged label), nor another label."""
    out: dict[str, tuple[object, int]] = {}
    for r in rows:
        row = s.rows[r]
        for c, v in enumerate(row):
            name = _key(v)
            target = _LABELS.get(name)
            if target is None or target in out:
                continue
            value: object = None
            for c2 in range(c + 1, len(row)):
                k = _key(row[c2])
                if not k or k == name:
                    continue
                if k not in _LABELS:
                    value = s.get(r, c2, name)
                break
            out[target] = (value, r)
    return out


def _year(s: _Sheet, rows: range) -> int | None:
    for r in rows:
        for v in s.rows[r] if r < len(s.rows) else ():
            if v is not None and (m := _YEAR.search(str(v))):
                return int(m.group(1))
    return None


def _number(v: object) -> object:
    """Placeholders ('—', '/', '无') in a money cell mean blank; anything else is left for validation."""
    if isinstance(v, str):
        parsed = try_parse_value(v)
        if isinstance(parsed, ValueParseError) and parsed.reason == "值为空":
            return None
        if v.strip() in ("无", "不适用"):
            return None
    return v


def _money(v: object) -> float | None:
    """A money cell as a number of 万元, or None when blank or not a plain number (validation judges it)."""
    v = _number(v)
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return float(v)
    parsed = try_parse_value(str(v))
    if not isinstance(parsed, ParsedValue) or parsed.value is None or parsed.comparator not in (None, "="):
        return None
    return float(parsed.value) if parsed.unit in (None, "万元") else None


def _funds(s: _Sheet, head: int, stop: int | None, notes: list[dict[str, object]], project: str) -> dict[str, object]:
    """年初预算数 / 全年预算数 / 全年执行数 of the funds block, read whole: the 年度资金总额 row checked against
    its source rows; from the sources when the total row is missing, blank or zero while they carry figures.
    The sources' own amounts are kept as well (`_source_amounts`)."""
    cols: dict[str, int] = {}
    for c, v in enumerate(s.rows[head]):
        k = _key(v)
        for name, fld in _FUND_HEADERS.items():
            if k.startswith(name) and fld not in cols:
                cols[fld] = c
    if "budget_final" not in cols:  # 年初预算数(A) / 全年执行数(B), 执行率(B/A): A is the denominator
        cols["budget_final"] = cols["budget_initial"]
        s.notices.append(
            DataError(
                "资金表头没有全年预算数（调整后预算数）列，按表内执行率（B/A）以年初预算数为分母",
                source=Source(s.path, s.title, head + 1, str(s.rows[head][cols["budget_initial"]])),
            )
        )
    first_money = min(cols.values())
    found: dict[str, int] = {}
    for r in range(head + 1, stop if stop is not None else len(s.rows)):
        labels = [_OF.sub("", _key(v)) for v in s.rows[r][:first_money]]
        kind = next((k for name, k in _FUND_ROWS.items() if any(lab.startswith(name) for lab in labels)), None)
        if kind is not None and kind not in found:
            found[kind] = r
    if not found:
        seen = [
            str(v).strip()
            for r in range(head + 1, min(head + 6, len(s.rows)))
            for v in s.rows[r][:first_money]
            if v is not None and str(v).strip()
        ]
        raise DataError(
            f"资金表（表头第{head + 1}行）下未找到“年度资金总额”（或“总额”）行，也没有“其中”各项资金行，"
            f"无法读取项目金额；表头下的行名有：{'、'.join(dict.fromkeys(seen)) or '无'}",
            source=Source(s.path, s.title, head + 2, "年度资金总额"),
            hint="请把合计行写为“年度资金总额”，来源行写为“其中：当年财政拨款”“上年结转资金”“其他资金”",
        )
    sources = [found[k] for k in _SOURCES if k in found]
    cells = {r: {fld: _number(s.get(r, cols.get(fld), _header_of(fld))) for fld in _MONEY} for r in found.values()}
    amounts = {r: {fld: _source_money(s, r, cols.get(fld), fld, cells[r][fld]) for fld in _MONEY} for r in sources}
    summed: dict[str, float | None] = {}
    for fld in _MONEY:
        parts = [x for x in (amounts[r][fld] for r in sources) if x is not None]
        summed[fld] = round(sum(parts), MONEY_PLACES) if parts else None

    def note(status: str, message: str, row: int) -> None:
        notes.append(
            {
                "kind": FUNDS_NOTE_KIND,
                "severity": "medium" if status == "不符" else "low",
                "status": status,
                "subject": project,
                "message": f"“{project}”{message}",
                "_file": str(s.path),
                "_sheet": s.title,
                "_row": row + 1,
            }
        )

    out: dict[str, object] = _source_amounts(found, amounts)
    if "total" in found:
        r = found["total"]
        out["_row"] = r + 1
        total = {fld: _money(cells[r][fld]) for fld in _MONEY}
        if cols.get("exec_score") is not None:
            out["published_score"] = _number(s.get(r, cols.get("exec_score"), "得分"))
        empty = all(not total[f] for f in _MONEY)
        if empty and any(summed[f] for f in _MONEY):
            # 财预〔2020〕10号 样表: 年度资金总额 = 其中各项之和. A total printed as 0 (or left blank) beside sources
            # that carry the year's money is a filling error; scoring 执行率 0 from it would be a false finding.
            out.update({fld: summed[fld] for fld in _MONEY})
            note(
                "不符",
                f"资金表“年度资金总额”行为空或为 0，而其中各项资金合计全年预算数 {_wan(summed['budget_final'])}、"
                f"全年执行数 {_wan(summed['spent'])}，已按各项资金合计计算预算执行率",
                r,
            )
            return out
        out.update({fld: cells[r][fld] for fld in _MONEY})
        for fld in _MONEY:
            t, sub = total[fld], summed[fld]
            if t is None or sub is None or abs(t - sub) < EPS:
                continue
            within = abs(t - sub) <= FUNDS_TOLERANCE + EPS
            note(
                "尾差" if within else "不符",
                f"资金表“年度资金总额”{_header_of(fld)} {_wan(t)} ≠ 其中各项资金合计 {_wan(sub)}，相差 {t - sub:+,.2f} 万元"
                + ("（尾差，属四舍五入）" if within else ""),
                r,
            )
    else:
        s.notices.append(
            DataError(
                "未找到“年度资金总额”行，按其中各项资金相加", source=Source(s.path, s.title, head + 1, "年度资金总额")
            )
        )
        r = min(found.values())
        out["_row"] = r + 1
        for fld in _MONEY:
            # A cell that is not an amount is passed on as written, so validation rejects the row naming it.
            odd = [v for rr in sources if (v := cells[rr][fld]) is not None and amounts[rr][fld] is None]
            out[fld] = odd[0] if odd else summed[fld]
    return out


def _source_money(s: _Sheet, r: int, c: int | None, fld: str, v: object) -> float | None:
    """A source row's amount in 万元; a cell that is not one is read as blank, with a notice naming it."""
    x = _money(v)
    if x is None and v is not None and c is not None:
        label = next((str(x) for x in s.rows[r][:c] if x is not None and str(x).strip()), "")
        s.notices.append(
            DataError(
                f"资金来源“{label}”的{_header_of(fld)}「{v}」不是万元金额，按空值读取",
                source=Source(s.path, s.title, r + 1, _header_of(fld)),
            )
        )
    return x


def _source_amounts(found: dict[str, int], amounts: dict[int, dict[str, float | None]]) -> dict[str, object]:
    """The 项目支出 source columns (current_/carried_/other_ + budget_initial/budget_final/spent): a group's rows
    summed; None (unknown, never 0) where the form has no such row or leaves its cells blank."""
    out: dict[str, object] = {}
    for group, kinds in _SOURCE_GROUPS.items():
        rows = [found[k] for k in kinds if k in found]
        for fld in _MONEY:
            parts = [x for x in (amounts[r][fld] for r in rows) if x is not None]
            out[source_field(group, fld)] = round(sum(parts), MONEY_PLACES) if parts else None
    return out


def _wan(v: float | None) -> str:
    return "—" if v is None else f"{v:,.2f} 万元"


def _header_of(fld: str) -> str:
    return next(name for name, f in _FUND_HEADERS.items() if f == fld)


def _indicator_rows(s: _Sheet, head: int) -> list[dict[str, object]]:
    """Indicator rows below the header, up to the 总分 row; 一级/二级 carried down where left blank."""
    cols: dict[str, int] = {}
    headers: dict[str, str] = {}
    for c, v in enumerate(s.rows[head]):
        k, bare = _key(v), _key(_BRACKETED.sub("", str(v)))  # 年度指标值（A）
        fld = _HEADER_MAP.get(k) or _HEADER_MAP.get(bare) or _INDICATOR_HEADERS.get(k) or _INDICATOR_HEADERS.get(bare)
        if fld is not None and fld not in cols:
            cols[fld], headers[fld] = c, str(v).strip()
    split = "_comparator" in cols or "_unit" in cols
    out: list[dict[str, object]] = []
    level1: object = None
    level2: object = None
    for r in range(head + 1, len(s.rows)):
        row = s.rows[r]
        keys = [_key(v) for v in row]
        if any(k in _TOTAL_ROW or k.startswith("总分") for k in keys):
            break
        rec = {fld: s.get(r, c, headers[fld]) for fld, c in cols.items()}
        if split:
            _join_target(rec)
        if all(rec.get(f) in (None, "") for f in ("name", "target", "actual")):
            continue  # spacer, sub-header, or a 二级 placeholder with no indicator
        l1 = _level(rec.get("level1"))
        l2 = _level(rec.get("level2"))
        if l1 is None:
            l1 = level1
        elif l1 != level1:
            level2 = None
        if l2 is None:
            l2 = level2
        level1, level2 = l1, l2
        rec.update(
            {
                "level1": l1,
                "level2": l2,
                "weight": _number(rec.get("weight")),
                "published_score": _number(rec.get("published_score")),
                "_file": str(s.path),
                "_sheet": s.title,
                "_row": r + 1,
            }
        )
        out.append(rec)
    return out


def _join_target(rec: dict[str, object]) -> None:
    """指标性质 "≥" + 指标值 "95" + 度量单位 "%" → target "≥95%" (定性/定量 and a unit already written are not added)."""
    comparator = str(rec.pop("_comparator", None) or "").strip()
    unit = str(rec.pop("_unit", None) or "").strip()
    target = rec.get("target")
    if target is None or str(target).strip() == "":
        return
    text = str(int(target)) if isinstance(target, float) and target.is_integer() else str(target).strip()
    if unit and not text.endswith(unit):
        text += unit
    if comparator not in _QUALITATIVE and not text.startswith(comparator):
        text = comparator + text
    rec["target"] = text


def _level(v: object) -> object:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    return _POINTS_SUFFIX.sub("", str(v).strip()) if isinstance(v, str) else v


def _department(path: Path, parsed: list[_Parsed]) -> tuple[dict[str, object], list[DataError]]:
    """The one department of the workbook: name from 主管部门 (most sheets), else 实施单位."""
    notices: list[DataError] = []
    names = Counter(n for p in parsed if (n := _text(p.labels.get("supervisor"))))
    if not names:
        names = Counter(n for p in parsed if (n := _text(p.labels.get("implementer"))))
    name = names.most_common(1)[0][0] if names else None
    if len(names) > 1:
        notices.append(
            DataError(
                f"各工作表的主管部门不一致（{'、'.join(names)}），按「{name}」读取为同一部门",
                source=Source(path),
                hint="一个工作簿只放一个部门的项目",
            )
        )
    first = next((p for p in parsed if _text(p.labels.get("supervisor")) == name), parsed[0])
    code = next((c for p in parsed if (c := _text(p.labels.get("dept_code")))), None)
    if code is None:
        code = derived_dept_code(name) if name else "N-" + normalize_name(path.stem)
    year = next((p.year for p in parsed if p.year is not None), None)
    if year is None and (m := re.search(r"(?:19|20)\d{2}", path.stem)):
        year = int(m.group())
    if year is None:
        notices.append(
            DataError(
                "未找到评价年度",
                source=Source(path, first.sheet.title, first.title_row + 1, "年度"),
                hint="请在标题下写明“（2024年度）”",
            )
        )
    row = first.labels.get("supervisor", first.labels.get("implementer", (None, first.title_row)))[1]
    return {
        "dept_code": code,
        "dept_name": name,
        "year": year,
        "_file": str(path),
        "_sheet": first.sheet.title,
        "_row": row + 1,
    }, notices


MOF = Reader(
    "mof",
    "财政部项目支出绩效自评表（财预〔2020〕10号 附件格式，每张工作表一个项目）",
    read_mof,
    suffixes=SUFFIXES,
    recognises=has_mof_sheets,
)
